package eventform

import (
	"bytes"
	"testing"
)

const statementJSON = `{"month":"2026-09","lines":[` +
	`{"line_id":"l1","product":"ecs","billing_mode":"prepaid","purchased_at":"2025-06-01","channel":"kingsoft","amount":"120.00","voucher":"10.00","coupon":"5.00","gift_balance":"5.00"},` +
	`{"line_id":"l2","product":"ecs","billing_mode":"prepaid","purchased_at":"2020-10-28","channel":"marketplace_merchant","merchant":"某某软件商家","amount":"30.50","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}` +
	`],"posted_at":"2026-10-12T02:30:00Z"}`

// roundTrip holds a form to the data it was made of: AppendStatementJSON
// gives back those very bytes. It says whether data took a form.
func roundTrip(t *testing.T, data []byte) bool {
	t.Helper()
	form, ok := AppendStatement([]byte("prefix"), data)
	if !ok {
		return false
	}
	if !bytes.HasPrefix(form, []byte("prefix")) {
		t.Fatalf("%q: dst's bytes were not kept", data)
	}
	back, ok := AppendStatementJSON([]byte("x"), form[len("prefix"):])
	if !ok || string(back) != "x"+string(data) {
		t.Fatalf("%q: the form stands for %q (%v)", data, back, ok)
	}
	return true
}

func TestStatementForm(t *testing.T) {
	for _, in := range []string{
		statementJSON,
		`{"month":"2026-01","lines":[],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01","lines":null,"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"","lines":[],"posted_at":""}`,
	} {
		if !roundTrip(t, []byte(in)) {
			t.Errorf("%q took no form", in)
		}
	}
	form, _ := AppendStatement(nil, []byte(statementJSON))
	if len(form) >= len(statementJSON)/2 {
		t.Errorf("the form is %d bytes for %d of JSON", len(form), len(statementJSON))
	}
	r := NewReader(form)
	if m := r.Next(nil); string(m) != "2026-09" {
		t.Errorf("month %q", m)
	}
	if n, null := r.Count(); n != 2 || null {
		t.Errorf("%d lines, null %v", n, null)
	}
	for _, in := range []string{
		"", `{}`, statementJSON + " ", " " + statementJSON,
		`{"lines":[],"month":"2026-01","posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026\"01","lines":[],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026\u002d01","lines":[],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01","lines":[],"posted_at":"2026-02-03T09:00:00Z","x":1}`,
		`{"month":"2026-01","lines":[{"line_id":"a"}],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01","lines":[{"line_id":"a","product":"b","billing_mode":"prepaid","purchased_at":"2026-01-01","channel":"kingsoft","amount":"1.00","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"},],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01","lines":[{"line_id":"a","product":"b","billing_mode":"prepaid","purchased_at":"2026-01-01","channel":"kingsoft","merchant":"m","merchant":"m","amount":"1.00","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01","lines":[{"line_id":"a","product":"b","billing_mode":"prepaid","purchased_at":"2026-01-01","channel":"kingsoft","amount":1.00,"voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}],"posted_at":"2026-02-03T09:00:00Z"}`,
		`{"month":"2026-01","lines":[],"posted_at":"2026-02-03T09:00:00Z"`,
	} {
		if roundTrip(t, []byte(in)) {
			t.Errorf("%q took a form", in)
		}
	}
	// A form cut short, or with a byte changed in its counts, is no form.
	for i := range len(form) {
		if _, ok := AppendStatementJSON(nil, form[:i]); ok {
			t.Fatalf("the form cut to %d bytes reads as one", i)
		}
	}
}

func FuzzStatementForm(f *testing.F) {
	f.Add([]byte(statementJSON))
	f.Add([]byte(`{"month":"2026-01","lines":null,"posted_at":"2026-02-03T09:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data)
		AppendStatementJSON(nil, data) // any bytes as a form: no panic
	})
}
