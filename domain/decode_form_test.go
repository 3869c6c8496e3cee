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
	words := []string{"ECS", "云服务器", "a b", "", "x\"y", "<&>", "tab\there", "é", "acc-000003-2025-01-0"}
	for range 1000 {
		e := StatementPosted{Month: "2026-0" + fmt.Sprint(1+rng.IntN(9)), PostedAt: time.Date(2026, 2, 3, 9, rng.IntN(60), 0, rng.IntN(3)*rng.IntN(1e9), time.FixedZone("CST", rng.IntN(2)*8*3600))}
		for range rng.IntN(5) {
			e.Lines = append(e.Lines, StatementLine{
				LineID: words[rng.IntN(len(words))], Product: words[rng.IntN(len(words))],
				BillingMode: []BillingMode{Prepaid, Postpaid}[rng.IntN(2)],
				PurchasedAt: []string{"2026-01-15", OnlineCutoff, MerchantCutoff, "2018-01-30", "2020-10-28", "2019-05-05"}[rng.IntN(6)],
				Channel:     []Channel{ChannelKingsoft, ChannelMarketplaceSelf, ChannelMarketplaceMerchant}[rng.IntN(3)],
				Merchant:    words[rng.IntN(len(words))],
				Amount:      MustMoney(fmt.Sprintf("%d.%02d", rng.IntN(100000), rng.IntN(100))), Voucher: MustMoney(fmt.Sprint(rng.IntN(10))),
				Coupon: Zero, GiftBalance: MustMoney("0.5"),
			})
		}
		_, data, err := EncodeEvent(e)
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
