package domain

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fapiao/fapiao/internal/eventform"
)

// sameFormAsJSON holds a statement's form to its JSON: the form, where
// eventform takes the data, stands for the data byte for byte, and
// StatementFromForm gives DecodeEventSummarized's event for it, or
// declines. It says whether the data took a form and whether it was read.
func sameFormAsJSON(t *testing.T, data []byte) (formed, read bool) {
	t.Helper()
	form, ok := eventform.AppendStatement(nil, data)
	if !ok {
		return false, false
	}
	if back, ok := eventform.AppendStatementJSON(nil, form); !ok || !bytes.Equal(back, data) {
		t.Fatalf("%q: the form stands for %q (%v)", data, back, ok)
	}
	got, ok := StatementFromForm(form)
	if !ok {
		return true, false
	}
	want, err := DecodeEventSummarized("StatementPosted", data)
	if err != nil {
		t.Fatalf("%q: read from its form, but DecodeEventSummarized says %v", data, err)
	}
	if !reflect.DeepEqual(Event(got), want) {
		t.Fatalf("%q: from the form\n %#v\nfrom the JSON\n %#v", data, got, want)
	}
	return true, true
}

func TestStatementFromForm(t *testing.T) {
	golden, err := os.ReadFile("../testdata/events/StatementPosted.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := DecodeEvent("StatementPosted", golden)
	if err != nil {
		t.Fatal(err)
	}
	_, compact, err := EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	if formed, read := sameFormAsJSON(t, compact); !formed || !read {
		t.Fatalf("the golden statement as the ledger writes it: formed %v, read %v", formed, read)
	}
	// What the form reads as JSON declines: the data keeps the JSON way.
	for _, in := range []string{
		string(golden), // spaced
		`{"lines":[],"month":"2026-01","posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026\"01","lines":[],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01","lines":[],"posted_at":"2026-02-03T09:00:00Z"} `,
		`{"month":"2026-01","lines":[],"posted_at":"2026-02-03T09:00:00Z","x":1}`,
		`{"month":"2026-01","lines":[{"line_id":"a"}],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01","lines":[{"line_id":"a","product":"b","billing_mode":"prepaid","purchased_at":"2026-01-01","channel":"kingsoft","amount":"1.00","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"},],"posted_at":"2026-02-03T09:00:00Z"}`,
	} {
		if formed, _ := sameFormAsJSON(t, []byte(in)); formed {
			t.Errorf("%q took a form", in)
		}
	}
	// Forms whose values the JSON way reads otherwise, or refuses: the
	// form declines them (or reads them as the JSON way does).
	line := `{"line_id":"a","product":"b","billing_mode":"prepaid","purchased_at":"2026-01-01","channel":"kingsoft","amount":"%s","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}`
	for _, v := range []struct{ amount, posted, month string }{
		{"1.5", "2026-02-03T09:00:00Z", "2026-01"}, {"1.505", "2026-02-03T09:00:00Z", "2026-01"},
		{"01.50", "2026-02-03T09:00:00Z", "2026-01"}, {"-1.00", "2026-02-03T09:00:00Z", "2026-01"},
		{"1.00", "not a time", "2026-01"}, {"1.00", "2026-02-03T09:00:00+08:00", "\xff"},
		{"1.00", "2026-02-03T09:00:00Z", "a<b"}, {"1e3", "2026-02-03T09:00:00Z", "2026-01"},
	} {
		in := fmt.Sprintf(`{"month":"%s","lines":[`+line+`],"posted_at":"%s"}`, v.month, v.amount, v.posted)
		if formed, _ := sameFormAsJSON(t, []byte(in)); !formed {
			t.Errorf("%q took no form", in)
		}
	}
}

// TestStatementFromFormRandom: the statements the ledger writes take a
// form and are read from it, but for strings jsonscan.Plain refuses.
func TestStatementFromFormRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 1000 {
		zone := time.UTC
		if i%2 == 0 {
			zone = time.FixedZone("CST", 8*3600)
		}
		_, data, err := EncodeEvent(randomStatement(rng, 5, zone))
		if err != nil {
			t.Fatal(err)
		}
		formed, read := sameFormAsJSON(t, data)
		escaped := strings.Contains(string(data), `\`)
		if formed == escaped {
			t.Fatalf("%s: formed %v", data, formed)
		}
		if refused := strings.ContainsAny(string(data), "<&>"); formed && read == refused {
			t.Fatalf("%s: read from its form %v", data, read)
		}
	}
}

func FuzzStatementFromForm(f *testing.F) {
	f.Add([]byte(`{"month":"2026-01","lines":[{"line_id":"a","product":"b","billing_mode":"prepaid","purchased_at":"2026-01-01","channel":"kingsoft","merchant":"m","amount":"1.00","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}],"posted_at":"2026-02-03T09:00:00Z"}`))
	f.Add([]byte(`{"month":"2026-01","lines":[],"posted_at":"2026-02-03T09:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sameFormAsJSON(t, data)
		// Any bytes as a form: declined or read, never a panic.
		StatementFromForm(data)
		eventform.AppendStatementJSON(nil, data)
	})
}
