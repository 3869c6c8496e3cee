package lenprefix

import (
	"bytes"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	b := AppendBytes(nil, "stream")
	b = append(b, 0xac, 0x02) // 300 as a uvarint
	b = AppendBytes(b, []byte{})
	b = append(b, 1, 2, 3)
	d := Decoder{Buf: b}
	if got := d.Bytes(); string(got) != "stream" {
		t.Fatalf("Bytes = %q, want stream", got)
	}
	if got := d.Uvarint(); got != 300 {
		t.Fatalf("Uvarint = %d, want 300", got)
	}
	if got := d.Bytes(); len(got) != 0 {
		t.Fatalf("empty Bytes = %q", got)
	}
	got := d.Take(3)
	if !bytes.Equal(got, []byte{1, 2, 3}) || d.Bad || len(d.Buf) != 0 {
		t.Fatalf("Take = %v, Bad %v, left %v", got, d.Bad, d.Buf)
	}
	if cap(got) != 3 {
		t.Fatalf("Take's slice has capacity %d: an append to it would overwrite what follows", cap(got))
	}
}

// TestBadSticks: once a field is short, it and every later one read as
// empty, so one check after a whole record is enough.
func TestBadSticks(t *testing.T) {
	tests := []struct {
		name string
		buf  []byte
	}{
		{"length past the end", []byte{5, 'a', 'b', 1, 'c'}},
		{"truncated uvarint", []byte{0x80}},
		{"empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decoder{Buf: tt.buf}
			if got := d.Bytes(); got != nil {
				t.Errorf("Bytes = %q, want nil", got)
			}
			if !d.Bad {
				t.Fatal("Bad not set")
			}
			if got := d.Take(0); got != nil || !d.Bad {
				t.Errorf("Take after Bad = %v, Bad %v", got, d.Bad)
			}
		})
	}
}
