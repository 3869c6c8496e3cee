package lenprefix

import (
	"bytes"
	"encoding/binary"
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

// TestUvarintIsBinary: Uvarint reads what binary.Uvarint reads, one byte
// (its own path) or more, and marks what it declines Bad, leaving the rest.
func TestUvarintIsBinary(t *testing.T) {
	var inputs [][]byte
	for _, v := range []uint64{0, 1, 0x7f, 0x80, 300, 1 << 20, 1<<63 + 5, ^uint64(0)} {
		inputs = append(inputs, append(binary.AppendUvarint(nil, v), 0x7f, 0x80))
	}
	inputs = append(inputs, nil, []byte{0x80}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	for _, in := range inputs {
		d := Decoder{Buf: in}
		got := d.Uvarint()
		want, n := binary.Uvarint(in)
		if n <= 0 {
			if !d.Bad || got != 0 {
				t.Errorf("% x: Uvarint %d, Bad %v; binary.Uvarint declines", in, got, d.Bad)
			}
			continue
		}
		if d.Bad || got != want || len(d.Buf) != len(in)-n {
			t.Errorf("% x: Uvarint %d leaving %d bytes, Bad %v; want %d leaving %d", in, got, len(d.Buf), d.Bad, want, len(in)-n)
		}
	}
}
