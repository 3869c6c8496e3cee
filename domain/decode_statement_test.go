package domain

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// checkSameDecode fails unless the fast decoder and json.Unmarshal agree on
// data: the same event, or both an error.
func checkSameDecode(t *testing.T, data []byte) {
	t.Helper()
	var want StatementPosted
	wantErr := json.Unmarshal(data, &want)
	got, err := decodeStatementPosted(data)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%q: error %v, json says %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, Event(want)) {
		t.Fatalf("%q:\n fast %#v\n json %#v", data, got, want)
	}
}

// TestFastStatementFields keeps the fast decoder in step with the structs:
// a new field needs a case in decode_statement.go (and then here).
func TestFastStatementFields(t *testing.T) {
	if n := reflect.TypeFor[StatementPosted]().NumField(); n != 3 {
		t.Fatalf("StatementPosted has %d fields; teach fastStatementPosted the new one", n)
	}
	if n := reflect.TypeFor[StatementLine]().NumField(); n != 10 {
		t.Fatalf("StatementLine has %d fields; teach fastStatementLine the new one", n)
	}
}

func TestFastStatementPostedMatchesJSON(t *testing.T) {
	golden, err := os.ReadFile("../testdata/events/StatementPosted.json")
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{
		string(golden),
		`{"month":"2026-01","lines":[],"posted_at":"2026-02-03T09:00:00+08:00"}`,
		`{"month":"2026-01","posted_at":"2026-02-03T09:00:00Z"}`,
		`{}`, `{"lines":null}`, `{"month":null}`, `{"Month":"2026-01"}`, `{"month":"2026-01","month":"2026-02"}`,
		`{"month":"2026-01","extra":1}`, `{"month":"a\"b"}`, `{"month":"\u00e9"}`, "{\"month\":\"\xff\"}",
		`{"month":1}`, `{"month":"2026-01"} x`, `{"month":"2026-01"`, `[]`, ``, `null`,
		`{"posted_at":"not a time"}`, `{"posted_at":"2026-02-03T09:00:00+08:00 "}`,
		`{"lines":[{"amount":"1.5"},{"amount":"1.505"}]}`, `{"lines":[{"amount":1.5}]}`,
		`{"lines":[{"amount":"1.50","amount":"2.00"}]}`, `{"lines":[{"Amount":"1.50"}]}`,
		`{"lines":[{"line_id":"x","product":"ECS","billing_mode":"prepaid","purchased_at":"2026-01-15","channel":"kingsoft","merchant":"m","amount":"1.00","voucher":"0.10","coupon":"0","gift_balance":"0.01"}]}`,
		`{"lines":[{"voucher":null}]}`, `{"lines":[1]}`, `{"lines":[{}],}`, ` { "month" : "2026-01" , "lines" : [ { } ] } `,
	}
	for _, in := range inputs {
		t.Run(fmt.Sprintf("%.40q", in), func(t *testing.T) { checkSameDecode(t, []byte(in)) })
	}
}

// TestFastStatementPostedRandom encodes random statements the way the
// ledger does and decodes them both ways.
func TestFastStatementPostedRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"ECS", "云服务器", "a b", "", "x\"y", "<&>", "tab\there", "é"}
	for range 500 {
		e := StatementPosted{Month: "2026-0" + fmt.Sprint(1+rng.IntN(9)), PostedAt: time.Date(2026, 2, 3, 9, rng.IntN(60), 0, rng.IntN(1e9), time.FixedZone("CST", 8*3600))}
		for range rng.IntN(4) {
			e.Lines = append(e.Lines, StatementLine{
				LineID: words[rng.IntN(len(words))], Product: words[rng.IntN(len(words))],
				BillingMode: Prepaid, PurchasedAt: "2026-01-15", Channel: ChannelKingsoft, Merchant: words[rng.IntN(len(words))],
				Amount: MustMoney(fmt.Sprintf("%d.%02d", rng.IntN(100000), rng.IntN(100))), Voucher: MustMoney(fmt.Sprint(rng.IntN(10))),
				Coupon: Zero, GiftBalance: MustMoney("0.5"),
			})
		}
		_, data, err := EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		checkSameDecode(t, data)
		if _, ok := fastStatementPosted(data); !ok && !strings.Contains(string(data), `\`) {
			t.Fatalf("the fast path declined what the ledger writes: %s", data)
		}
		var ind strings.Builder
		var v any
		_ = json.Unmarshal(data, &v)
		b, _ := json.MarshalIndent(v, "", "  ") // other key order and spacing
		ind.Write(b)
		checkSameDecode(t, []byte(ind.String()))
	}
}

func FuzzFastStatementPosted(f *testing.F) {
	f.Add([]byte(`{"month":"2026-01","lines":[{"amount":"1.00"}],"posted_at":"2026-02-03T09:00:00+08:00"}`))
	f.Add([]byte(`{"lines":[{"voucher":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) { checkSameDecode(t, data) })
}
