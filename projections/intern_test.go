package projections

import (
	"testing"
	"unsafe"
)

// TestInvoicesShareRepeatedStrings: invoices with the same title and address
// snapshots hold one copy of their strings, and the values are unchanged
// (TestAUD2_FoldMatchesCommandSide compares them with the command side).
func TestInvoicesShareRepeatedStrings(t *testing.T) {
	w := genLog(t, 1, 8, 8, 4, 0)
	p := applyAll(t, w.records)
	shared := 0
	for _, av := range p.accounts {
		var first string
		for _, id := range av.acc.InvoiceOrder {
			name := av.acc.Invoices[id].Title.Name
			if name == "" {
				continue
			}
			if first == "" {
				first = name
				continue
			}
			if name == first {
				if unsafe.StringData(name) != unsafe.StringData(first) {
					t.Fatalf("invoice %s: title %q is a copy of its account's first", id, name)
				}
				shared++
			}
		}
	}
	if shared == 0 {
		t.Fatal("no two invoices of an account share a title: the test proves nothing")
	}
}

func TestInternBound(t *testing.T) {
	p := New()
	if got := p.intern(""); got != "" || len(p.strings) != 0 {
		t.Fatalf("the empty string was interned")
	}
	a := string([]byte("issuer"))
	b := string([]byte("issuer"))
	if got := p.intern(a); unsafe.StringData(got) != unsafe.StringData(a) {
		t.Fatal("the first copy is not kept")
	}
	if got := p.intern(b); got != b || unsafe.StringData(got) != unsafe.StringData(a) {
		t.Fatal("a second copy is not replaced by the first")
	}
}
