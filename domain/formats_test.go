package domain

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestValidAccountID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"Acc_01-x", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
		{string(make([]byte, 65)), false},
		{"", false},
		{"a b", false},
		{"账户", false},
		{"a|b", false},
	}
	for _, tt := range tests {
		if got := ValidAccountID(tt.id); got != tt.want {
			t.Errorf("ValidAccountID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// TestValidAccountIDMatchesPattern: the loop and the published pattern
// (OpenAPI, tokens file) agree on random strings.
func TestValidAccountIDMatchesPattern(t *testing.T) {
	pattern := regexp.MustCompile(AccountIDPattern)
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("aZ09_-. |/\x00\xff\xe8")
	for range 20000 {
		b := make([]byte, r.IntN(70))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
			if r.IntN(4) > 0 {
				b[i] = "abcXYZ059_-"[r.IntN(11)]
			}
		}
		if got, want := ValidAccountID(string(b)), pattern.Match(b); got != want {
			t.Fatalf("ValidAccountID(%q) = %v, pattern says %v", b, got, want)
		}
	}
}

func TestValidMonth(t *testing.T) {
	for s, want := range map[string]bool{
		"2026-01": true, "2026-12": true, "0001-09": true,
		"2026-00": false, "2026-13": false, "2026-1": false, "26-01": false, "2026-01-01": false, "": false, "2026/01": false,
	} {
		if got := ValidMonth(s); got != want {
			t.Errorf("ValidMonth(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestPrintableASCII(t *testing.T) {
	for s, want := range map[string]bool{
		"": true, " ~": true, "key-1:abc": true,
		"a\tb": false, "a\x7f": false, "a\x1f": false, "键": false,
	} {
		if got := PrintableASCII(s); got != want {
			t.Errorf("PrintableASCII(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestInvoiceStatusesAreTheLifecycle: every status constant is listed once,
// in lifecycle order, and nothing else is Known.
func TestInvoiceStatusesAreTheLifecycle(t *testing.T) {
	want := []InvoiceStatus{UnderReview, Issuing, Issued, ReturnRequestedState, PaperReceived, Rejected, Cancelled, Voided, RedFlushed}
	got := InvoiceStatuses()
	if !slices.Equal(got, want) {
		t.Fatalf("InvoiceStatuses() = %v, want %v", got, want)
	}
	got[0] = "changed" // a copy: the list itself cannot be changed by a caller
	if InvoiceStatuses()[0] != UnderReview {
		t.Fatal("a caller changed the list")
	}
	for _, s := range want {
		if !s.Known() {
			t.Errorf("%s not Known", s)
		}
	}
	for _, s := range []InvoiceStatus{"", "issued ", "ISSUED", "changed"} {
		if s.Known() {
			t.Errorf("%q Known", s)
		}
	}
}
