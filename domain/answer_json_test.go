package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
)

// answerStrings are plain strings and every kind encoding/json escapes:
// quotes, backslashes, control characters (short and \u00XX forms), HTML
// characters, invalid UTF-8, U+2028/2029, non-ASCII, DEL.
var answerStrings = []string{
	"", "a", "SF Express", "2026-03", "l-2026-03-1", "ECS", "00000001", "0.13", testIssuer,
	"示例", "a<b", "a>b", "a&b", `say "hi"`, `back\slash`, "tab\there", "nl\n", "cr\r", "\b\f", "\x00", "\x1f",
	"\u2028", "x\u2029y", "\xff", "a\xc3", "é", "~", "\x7f", "\U0001F600", "\ufffd",
}

// fillRandom sets every exported field under v at random, recursively:
// strings from answerStrings, instants of odd zones, years (some that
// json.Marshal refuses) and nanoseconds, amounts of odd exponents and
// signs, nil, empty and full slices, nil and set pointers. A field of a
// kind it does not know fails the test, so a new field is never left
// unchecked.
func fillRandom(t *testing.T, r *rand.Rand, v reflect.Value) {
	t.Helper()
	switch v.Type() {
	case reflect.TypeFor[Money]():
		if r.IntN(4) == 0 {
			v.Set(reflect.ValueOf(Money{}))
		} else {
			v.Set(reflect.ValueOf(randomAmount(r)))
		}
		return
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(randomAnswerInstant(r)))
		return
	case reflect.TypeFor[uuid.UUID]():
		var id uuid.UUID
		if r.IntN(5) > 0 {
			for i := range id {
				id[i] = byte(r.IntN(256))
			}
		}
		v.Set(reflect.ValueOf(id))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if r.IntN(3) == 0 {
			v.SetString(fmt.Sprintf("s-%d", r.IntN(1000)))
		} else {
			v.SetString(answerStrings[r.IntN(len(answerStrings))])
		}
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Uint64:
		if r.IntN(2) == 0 {
			v.SetUint(0)
		} else {
			v.SetUint(r.Uint64() >> uint(r.IntN(64)))
		}
	case reflect.Pointer:
		if r.IntN(2) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fillRandom(t, r, p.Elem())
		v.Set(p)
	case reflect.Slice:
		switch r.IntN(4) {
		case 0:
			v.SetZero()
			return
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1+r.IntN(3), 4)
		for i := range s.Len() {
			fillRandom(t, r, s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillRandom(t, r, v.Field(i))
			}
		}
	default:
		t.Fatalf("fillRandom: a field of kind %s (%s): teach the answer writer and this test", v.Kind(), v.Type())
	}
}

func randomAnswerInstant(r *rand.Rand) time.Time {
	if r.IntN(4) == 0 {
		return time.Time{}
	}
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -5*3600-30*60), time.FixedZone("odd", 3600+17)}
	if sh, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		zones = append(zones, sh)
	}
	y := 2026
	if r.IntN(10) == 0 {
		y = []int{1999, 9999, 10000, -1, 0}[r.IntN(5)]
	}
	ns := []int{0, 0, 123456789, 100000000, 5}[r.IntN(5)]
	return time.Date(y, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), ns, zones[r.IntN(len(zones))])
}

// checkAnswer compares the writer with json.Marshal: the same bytes, or
// both refuse; what b held before is kept.
func checkAnswer[T any](t *testing.T, v *T, write func([]byte, *T) ([]byte, error)) (refused bool) {
	t.Helper()
	want, werr := json.Marshal(v)
	prefix := []byte("prefix")
	got, gerr := write(prefix, v)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%#v: json.Marshal error %v, writer error %v", v, werr, gerr)
	}
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("the writer lost what b held: %q", got)
	}
	if werr != nil {
		if len(got) != len(prefix) {
			t.Fatalf("on error the writer appended %q", got[len(prefix):])
		}
		return true
	}
	if !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("%#v:\n got  %s\n want %s", v, got[len(prefix):], want)
	}
	return false
}

// TestAnswerJSONIsMarshal holds AppendInvoiceJSON and AppendStatementJSON
// to json.Marshal on 20 000 random values each (answerCases; 2 500 under
// the race detector), every exported field set at random, and on the zero
// values.
func TestAnswerJSONIsMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 2026))
	checkAnswer(t, &Invoice{}, AppendInvoiceJSON)
	checkAnswer(t, &Statement{}, AppendStatementJSON)
	var refused, full int
	for range answerCases {
		var inv Invoice
		fillRandom(t, r, reflect.ValueOf(&inv).Elem())
		if checkAnswer(t, &inv, AppendInvoiceJSON) {
			refused++
		}
		if inv.Shipment != nil && inv.Return != nil && inv.ExchangeFailure != nil && len(inv.PartialRedFlushes) > 0 && inv.NetAmount != nil {
			full++
		}
		var st Statement
		fillRandom(t, r, reflect.ValueOf(&st).Elem())
		if checkAnswer(t, &st, AppendStatementJSON) {
			refused++
		}
	}
	// The random values must reach both the refusals and the rare parts.
	if refused == 0 || full == 0 {
		t.Fatalf("refused %d, invoices with every optional part %d: the generator misses cases", refused, full)
	}
}

// TestAnswerJSONOfFoldedAccounts compares the writer with json.Marshal on
// the invoices and statements of accounts folded from the property test's
// random command sequences: the values answers really carry.
func TestAnswerJSONOfFoldedAccounts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 17))
	n := 0
	for range 200 {
		acc := randomFoldedAccount(t, r)
		for _, inv := range acc.Invoices {
			checkAnswer(t, inv, AppendInvoiceJSON)
			n++
		}
		for _, s := range acc.Statements {
			checkAnswer(t, s, AppendStatementJSON)
			n++
		}
	}
	if n == 0 {
		t.Fatal("no invoice or statement folded")
	}
}

// FuzzAnswerJSON writes arbitrary strings and amounts into every string
// field of an invoice and a statement.
func FuzzAnswerJSON(f *testing.F) {
	for _, s := range answerStrings {
		f.Add(s, int64(12345), int8(-2), uint64(7))
	}
	f.Fuzz(func(t *testing.T, s string, c int64, e int8, seed uint64) {
		r := rand.New(rand.NewPCG(seed, uint64(c)))
		var inv Invoice
		fillRandom(t, r, reflect.ValueOf(&inv).Elem())
		setStrings(reflect.ValueOf(&inv).Elem(), s)
		inv.Amount = MoneyFromDecimal(randomAmount(r).Decimal().Shift(int32(e % 8)))
		checkAnswer(t, &inv, AppendInvoiceJSON)
		var st Statement
		fillRandom(t, r, reflect.ValueOf(&st).Elem())
		setStrings(reflect.ValueOf(&st).Elem(), s)
		checkAnswer(t, &st, AppendStatementJSON)
	})
}

// setStrings sets every string field under v to s.
func setStrings(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Pointer:
		if !v.IsNil() {
			setStrings(v.Elem(), s)
		}
	case reflect.Slice:
		for i := range v.Len() {
			setStrings(v.Index(i), s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				setStrings(v.Field(i), s)
			}
		}
	}
}

func BenchmarkAnswerJSON(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	acc := randomFoldedAccount(b, r)
	for acc == nil || len(acc.Invoices) == 0 {
		acc = randomFoldedAccount(b, r)
	}
	var inv *Invoice
	for _, v := range acc.Invoices {
		inv = v
		break
	}
	b.Run("marshal", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(inv)
		}
	})
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = AppendInvoiceJSON(buf[:0], inv)
		}
	})
}

// randomFoldedAccount folds 300 random commands (the property test's
// simulation) into a new account.
func randomFoldedAccount(t testing.TB, r *rand.Rand) *Account {
	s := &sim{
		t:         t,
		r:         r,
		a:         NewAccount(fmt.Sprint("acc-", r.IntN(1000))),
		env:       testEnv("2025-01-05T09:00:00+08:00"),
		month:     time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai),
		unchecked: true,
	}
	for i := range 300 {
		s.step(i)
	}
	return s.a
}
