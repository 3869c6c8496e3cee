package domain

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestStoredFormIsTheDecodedForm folds random command sequences (the
// property test's simulation, its clock in Asia/Shanghai as the ledger's is,
// or in other zones) two ways: each event decoded from the JSON it encodes
// to, as a fold of the log does, and each event Encode writes taken
// through Stored instead. Every stored event must deep-equal its decoded
// form, and the two accounts must deep-equal each other throughout.
func TestStoredFormIsTheDecodedForm(t *testing.T) {
	zones := []*time.Location{shanghai, time.UTC, time.FixedZone("odd", 3600+17), time.FixedZone("", 8*3600), time.Local}
	var x EventEncoder
	stored, decoded := 0, 0
	steps := 800
	if testing.Short() {
		steps = 200
	}
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 1130))
		s := &sim{
			t:         t,
			r:         r,
			a:         NewAccount(fmt.Sprint("acc-", seed)),
			env:       testEnv("2025-01-05T09:00:00+08:00"),
			month:     time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai),
			unchecked: true,
		}
		s.env.Now = s.env.Now.In(zones[int(seed)%len(zones)])
		for i := range steps {
			s.step(i)
		}
		viaJSON, direct := NewAccount(s.a.ID), NewAccount(s.a.ID)
		for i, e := range s.events {
			typ, data, _, ok := x.Encode(e)
			var st Event
			if ok {
				if st, ok = x.Stored(e); !ok {
					t.Fatalf("event %d: Encode wrote a %T that Stored declines", i, e)
				}
			} else {
				var err error
				if typ, data, err = EncodeEvent(e); err != nil {
					t.Fatal(err)
				}
			}
			dec, err := DecodeEvent(typ, data)
			if err != nil {
				t.Fatal(err)
			}
			if st == nil {
				st = dec
				decoded++
			} else {
				stored++
				if !reflect.DeepEqual(st, dec) {
					t.Fatalf("seed %d event %d: stored form\n %#v\nis not the decoded\n %#v", seed, i, st, dec)
				}
			}
			if err := viaJSON.Fold(dec); err != nil {
				t.Fatal(err)
			}
			if err := direct.Fold(st); err != nil {
				t.Fatal(err)
			}
			if i%64 == 0 || i == len(s.events)-1 {
				if !reflect.DeepEqual(viaJSON, direct) {
					t.Fatalf("seed %d: after event %d (%T) the account folded from stored forms differs from the one folded from JSON", seed, i, e)
				}
			}
		}
	}
	if stored < steps*5/8 || decoded == 0 { // 500 of the full run
		t.Fatalf("%d events through Stored, %d decoded: the sequences miss cases", stored, decoded)
	}
}

// TestStoredFormSharesNoSlice: the stored form owns its slices and
// pointers, so a command's slices changed after the fact (a caller's)
// leave what was folded alone.
func TestStoredFormSharesNoSlice(t *testing.T) {
	var x EventEncoder
	id := idSeq()()
	want := id
	req := InvoiceRequested{InvoiceID: id, Statements: []string{"2026-01"}, Amount: MustMoney("1.00"), ExchangeOf: &id, RequestedAt: at("2026-03-10T10:00:00+08:00")}
	post := StatementPosted{Month: "2026-01", Lines: []StatementLine{{LineID: "l", Amount: MustMoney("2.00")}}, PostedAt: at("2026-03-10T10:00:00+08:00")}
	sr, _ := x.Stored(req)
	sp, _ := x.Stored(post)
	req.Statements[0], post.Lines[0].LineID = "changed", "changed"
	req.ExchangeOf[0] ^= 0xff
	if got := sr.(InvoiceRequested); got.Statements[0] != "2026-01" || *got.ExchangeOf != want {
		t.Fatalf("the stored InvoiceRequested shares the command's slices: %+v", got)
	}
	if got := sp.(StatementPosted); got.Lines[0].LineID != "l" {
		t.Fatalf("the stored StatementPosted shares the command's lines: %+v", got)
	}
}

// BenchmarkStoredForm: the fold's input made from the decided event
// (Stored) against decoding the JSON written for it (DecodeEvent).
func BenchmarkStoredForm(b *testing.B) {
	id := idSeq()()
	e := InvoiceRequested{InvoiceID: id, Statements: []string{"2026-01", "2026-02"}, Amount: MustMoney("111.34"), Kingsoft: MustMoney("100.00"),
		Marketplace: MustMoney("11.34"), Title: Title{Type: VATGeneral, Holder: HolderCompany, Name: "示例科技有限公司", TaxpayerID: "91110108MA01ABCDEN"},
		Address:   Address{Recipient: "张三", Phone: "13800138000", Province: "北京市", City: "北京市", District: "海淀区", Street: "中关村大街1号", PostalCode: "100080"},
		AddressID: id, RequestedAt: time.Date(2026, 3, 10, 10, 0, 0, 0, shanghai), SLADue: "2026-03-13"}
	var x EventEncoder
	typ, data, _, ok := x.Encode(e)
	if !ok {
		b.Fatal("not encoded")
	}
	data = append([]byte(nil), data...)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeEvent(typ, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stored", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			// A new instant each time, as each command's clock reading is.
			e.RequestedAt = e.RequestedAt.Add(time.Second)
			if _, ok := x.Stored(e); !ok {
				b.Fatal("declined")
			}
		}
	})
}
