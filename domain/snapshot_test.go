package domain

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

var (
	moneyType = reflect.TypeFor[Money]()
	timeType  = reflect.TypeFor[time.Time]()
	uuidType  = reflect.TypeFor[uuid.UUID]()
	// ownerType is the copy-on-write mark (cow.go): not state, and not
	// in the snapshot.
	ownerType = reflect.TypeFor[*owner]()
	// tallyType is the counts derived from the state (tally.go): not in
	// the snapshot either, counted again when it is decoded (roundTrip
	// checks that count).
	tallyType = reflect.TypeFor[tally]()
)

// fill sets every field reachable from v to a random non-zero value, by
// reflection: a field added to any type of the account is filled too, so a
// codec that forgets it fails the round trip.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Type() {
	case moneyType:
		v.Set(reflect.ValueOf(fromDecimal(decimal.New(r.Int64N(1e9)-5e8, -int32(r.IntN(3))))))
		return
	case timeType:
		locs := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -3600)}
		t := time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(locs[r.IntN(len(locs))])
		v.Set(reflect.ValueOf(t))
		return
	case uuidType:
		v.Set(reflect.ValueOf(uuid.New()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprint("s", r.IntN(1000), "发票"))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1 + r.Int64N(1000))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1 + r.Uint64N(1<<40))
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i).Type; f == ownerType || f == tallyType {
				continue
			}
			if !v.Type().Field(i).IsExported() {
				panic(fmt.Sprintf("%s.%s is unexported: the snapshot cannot carry it; give it a case in fill and in the codec", v.Type(), v.Type().Field(i).Name))
			}
			fill(r, v.Field(i), depth)
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem(), depth)
		v.Set(p)
	case reflect.Array:
		for i := range v.Len() {
			fill(r, v.Index(i), depth)
		}
	case reflect.Slice:
		n := 1 + r.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(r, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 1 + r.IntN(3) {
			k := reflect.New(v.Type().Key()).Elem()
			fill(r, k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(r, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic(fmt.Sprintf("fill: no case for %s", v.Type()))
	}
}

// sameState compares two values field by field as the fold sees them:
// nil and empty differ, amounts are equal with the same exponent, times
// are the same instant in a zone of the same name and offset. It returns
// the path of the first difference, "" when none.
func sameState(a, b reflect.Value, path string) string {
	if a.Type() != b.Type() {
		return path + ": types differ"
	}
	switch a.Type() {
	case moneyType:
		x, y := a.Interface().(Money), b.Interface().(Money)
		zx, zy := x.Decimal() == (decimal.Decimal{}), y.Decimal() == (decimal.Decimal{})
		if zx != zy || !x.Equal(y) || (!zx && x.Decimal().Exponent() != y.Decimal().Exponent()) {
			return fmt.Sprintf("%s: %v (exp %d) ≠ %v (exp %d)", path, x, x.Decimal().Exponent(), y, y.Decimal().Exponent())
		}
		return ""
	case timeType:
		x, y := a.Interface().(time.Time), b.Interface().(time.Time)
		nx, ox := x.Zone()
		ny, oy := y.Zone()
		if !x.Equal(y) || nx != ny || ox != oy || (x.Location() == time.UTC) != (y.Location() == time.UTC) {
			return fmt.Sprintf("%s: %v ≠ %v", path, x, y)
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if f := a.Type().Field(i).Type; f == ownerType || f == tallyType {
				continue
			}
			if d := sameState(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil differs"
			}
			return ""
		}
		return sameState(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return fmt.Sprintf("%s: nil %v/%v, len %d/%d", path, a.IsNil(), b.IsNil(), a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := sameState(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return fmt.Sprintf("%s: nil %v/%v, len %d/%d", path, a.IsNil(), b.IsNil(), a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return fmt.Sprintf("%s[%v]: missing", path, k)
			}
			if d := sameState(a.MapIndex(k), bv, fmt.Sprintf("%s[%v]", path, k)); d != "" {
				return d
			}
		}
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return fmt.Sprintf("%s: %v ≠ %v", path, a.Interface(), b.Interface())
		}
	}
	return ""
}

func roundTrip(t *testing.T, a *Account) *Account {
	t.Helper()
	b := AppendSnapshot(nil, a)
	got, err := DecodeSnapshot(b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if d := sameState(reflect.ValueOf(a).Elem(), reflect.ValueOf(got).Elem(), "Account"); d != "" {
		t.Fatalf("the snapshot lost %s", d)
	}
	want := *a
	want.recount()
	if got.tally != want.tally {
		t.Fatalf("the snapshot's tally %+v, the account's %+v", got.tally, want.tally)
	}
	return got
}

// TestSnapshotRoundTripsEveryField fills every field of an account (and of
// everything it holds) by reflection, so that a field the codec forgets
// fails here the day it is added.
func TestSnapshotRoundTripsEveryField(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		a := &Account{}
		fill(r, reflect.ValueOf(a).Elem(), 0)
		roundTrip(t, a)
	}
	// nil and empty collections, zero amounts and times.
	roundTrip(t, &Account{})
	roundTrip(t, NewAccount("acc-1"))
	big, _ := decimal.NewFromString("123456789012345678901234567890.12")
	roundTrip(t, &Account{Adjustments: map[string]Adjustment{"x": {Amount: fromDecimal(big.Neg())}}})
}

// TestSnapshotRefoldsTheSame folds random command histories (the property
// test's simulation), snapshots the account at random points, and checks
// both that the decoded state equals the fold's and that folding the rest
// of the history into it ends where the fold ends. The histories are not
// checked step by step here: that is the property test's job, on ten
// times as many steps.
func TestSnapshotRefoldsTheSame(t *testing.T) {
	t.Parallel()
	steps := 1500
	if testing.Short() {
		steps = 300
	}
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		s := &sim{t: t, r: r, a: NewAccount(fmt.Sprint("acc-snap-", seed)), unchecked: true,
			env: testEnv("2025-01-05T09:00:00+08:00"), month: time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai)}
		for i := range steps {
			s.step(i)
		}
		for range 10 {
			cut := r.IntN(len(s.events) + 1)
			a := NewAccount(s.a.ID)
			for _, e := range s.events[:cut] {
				a.Apply(e)
			}
			b := roundTrip(t, a)
			for _, e := range s.events[cut:] {
				a.Apply(e)
				b.Apply(e)
			}
			if d := sameState(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem(), "Account"); d != "" {
				t.Fatalf("seed %d, cut at %d of %d: folding on from the snapshot differs at %s", seed, cut, len(s.events), d)
			}
		}
	}
}

func TestSnapshotRefusesDamage(t *testing.T) {
	t.Parallel()
	a := NewAccount("acc-1")
	a.Version = 7
	b := AppendSnapshot(nil, a)
	for _, bad := range [][]byte{nil, {}, b[:len(b)-1], append(append([]byte{}, b...), 0), append([]byte{9}, b[1:]...)} {
		if _, err := DecodeSnapshot(bad); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}

// BenchmarkSnapshot encodes and decodes the account that a realistic random
// history folds into: the views file writes and reads it on every rebuild
// and catch-up, so the codec is a hot path.
func BenchmarkSnapshot(b *testing.B) {
	s := &sim{t: b, r: rand.New(rand.NewPCG(7, 42)), a: NewAccount("acc-bench"),
		env: testEnv("2025-01-05T09:00:00+08:00"), month: time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai)}
	for i := range 3000 {
		s.step(i)
	}
	data := AppendSnapshot(nil, s.a)
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		buf := make([]byte, 0, len(data))
		for b.Loop() {
			buf = AppendSnapshot(buf[:0], s.a)
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := DecodeSnapshot(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSnapshotInvoicesShareTitleAndAddress: invoices carrying a title and
// an address carried before are written as a one-byte reference
// (snapRef); the snapshot decodes to the same state, and is as long
// whatever order the invoices' map hands them in. A reference to a title
// not carried before is damage.
func TestSnapshotInvoicesShareTitleAndAddress(t *testing.T) {
	t.Parallel()
	title := &Title{Type: VATGeneral, Holder: HolderCompany, Name: "厦门某某科技有限公司", TaxpayerID: "91350100M000100Y43"}
	addr := &Address{Recipient: "张三", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区", Street: "西二旗中路33号", PostalCode: "100089"}
	other := &Title{Type: VATSpecial, Holder: HolderCompany, Name: "乙"}
	account := func(n int) *Account {
		a := NewAccount("acc-1")
		for i := range n {
			id := uuid.New()
			inv := &Invoice{ID: id, AccountID: a.ID, Status: UnderReview, Title: title, Address: addr}
			switch i % 4 {
			case 1:
				c := *title // equal, not the same pointer
				inv.Title = &c
			case 2:
				inv.Title, inv.Address = other, nil
			}
			a.Invoices[id] = inv
			a.InvoiceOrder = append(a.InvoiceOrder, id)
		}
		return a
	}
	one, a := AppendSnapshot(nil, account(1)), account(41)
	many := AppendSnapshot(nil, a)
	if per := (len(many) - len(one)) / 40; per > 120 { // ≈ 95 with the references, ≈ 210 without
		t.Errorf("an invoice takes %d bytes: its title and address are written again", per)
	}
	for range 20 { // the map's order differs from one encoding to the next
		if again := AppendSnapshot(nil, a); len(again) != len(many) {
			t.Fatalf("the same account encoded to %d bytes, then %d", len(many), len(again))
		}
	}
	roundTrip(t, a) // the same state, field for field

	// Past snapTable titles, the others are carried in full.
	b := NewAccount("acc-2")
	for i := range snapTable + 20 {
		id := uuid.New()
		b.Invoices[id] = &Invoice{ID: id, AccountID: b.ID, Title: &Title{Name: fmt.Sprint("t", i%(snapTable+10))}}
		b.InvoiceOrder = append(b.InvoiceOrder, id)
	}
	roundTrip(t, b)

	// A reference to the second title of an account that carried one.
	bad := AppendSnapshot(nil, account(1))
	i := bytes.Index(bad, append([]byte{snapFull}, byte(len(title.Type))))
	if i < 0 {
		t.Fatal("no title in the snapshot")
	}
	c := snapCodec{oneByte: 0x80}
	c.title(title)
	for _, ref := range []byte{snapRef, snapRef + 1} {
		damaged := append(append(append([]byte{}, bad[:i]...), ref), bad[i+1+len(c.b):]...)
		if _, err := DecodeSnapshot(damaged); err == nil {
			t.Errorf("a reference %d with no title carried before decoded", ref-snapRef)
		}
	}
}
