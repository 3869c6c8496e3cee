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
		b := nearForm(r, r.IntN(70), alphabet, "abcXYZ059_-", 4)
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

// The checks that replaced regexps answer as their patterns do, on strings
// near each form (digits, a dash, a newline, bytes around '0'–'9') and of
// lengths around each form's.
func TestFormChecksMatchPatterns(t *testing.T) {
	for _, c := range []struct {
		pattern string
		check   func(string) bool
	}{
		{MonthPattern, ValidMonth},
		{`^([0-9]{10}|[0-9]{12})$`, validInvoiceCode},
		{`^[0-9]{8}$`, validInvoiceNumber},
		{`^[0-9]{20}$`, validElectronicNumber},
		{`^[0-9]{6}$`, validPostalCode},
		{`^1[3-9][0-9]{9}$`, validMobile},
	} {
		pattern := regexp.MustCompile(c.pattern)
		r := rand.New(rand.NewPCG(5, 6))
		near := []byte("0123456789-\n/:a")
		for range 50000 {
			b := nearForm(r, r.IntN(23), near, "0123456789", 3)
			if len(b) == 7 && r.IntN(2) == 0 {
				b[4] = '-' // a month's shape, so that its digits are what decide
			}
			if got, want := c.check(string(b)), pattern.Match(b); got != want {
				t.Fatalf("%s: check(%q) = %v, pattern says %v", c.pattern, b, got, want)
			}
		}
	}
}

// nearForm is n random bytes for holding a check to its pattern: each one
// of usual but for one in oneIn, on average, taken from odd.
func nearForm(r *rand.Rand, n int, odd []byte, usual string, oneIn int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = odd[r.IntN(len(odd))]
		if r.IntN(oneIn) > 0 {
			b[i] = usual[r.IntN(len(usual))]
		}
	}
	return b
}
