package ledger

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/testkit"
)

// TestStoredFormIsTheDecodedForm: the ledger folds an event the encoder
// wrote through EventEncoder.Stored instead of decoding its JSON. On every
// golden event and 20 000 random ones (instants of odd zones, years and
// nanoseconds, amounts of odd exponents and signs, nil and empty slices),
// the stored form deep-equals DecodeEvent of the bytes Encode wrote, and
// Stored declines exactly the events that do not decode.
func TestStoredFormIsTheDecodedForm(t *testing.T) {
	t.Parallel()
	var x domain.EventEncoder
	declined := 0
	check := func(e domain.Event) bool {
		typ, data, _, ok := x.Encode(e)
		if !ok {
			return false
		}
		data = append([]byte(nil), data...)
		st, ok := x.Stored(e)
		dec, err := domain.DecodeEvent(typ, data)
		if !ok {
			// Only what would not decode (a negative amount) is declined:
			// the ledger then decodes, and reports the decoder's error.
			if err == nil {
				t.Fatalf("Stored declines a %T that decodes: %s", e, data)
			}
			declined++
			return true
		}
		if err != nil {
			t.Fatalf("Stored takes a %T that does not decode (%v): %s", e, err, data)
		}
		if !reflect.DeepEqual(st, dec) {
			t.Fatalf("stored form\n %#v\nis not the decoded\n %#v", st, dec)
		}
		return true
	}
	for _, g := range testkit.GoldenEvents(t) {
		e, err := domain.DecodeEvent(g.Type, g.Data)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		check(e)
	}
	r := rand.New(rand.NewPCG(30, 11))
	n := 0
	for range 20000 {
		if check(randomEvent(r)) {
			n++
		}
	}
	if n < 5000 || declined == 0 {
		t.Fatalf("%d of 20 000 random events written by the encoder, %d of them declined by Stored: the generator misses cases", n, declined)
	}
}

// BenchmarkCommandHash: the fingerprint of a statement of six lines and
// of an application, as prepare takes it for every command.
func BenchmarkCommandHash(b *testing.B) {
	lines := make([]domain.StatementLine, 6)
	for i := range lines {
		lines[i] = domain.StatementLine{LineID: "l-2026-01-" + string(rune('a'+i)), Product: "ECS", BillingMode: domain.Prepaid,
			PurchasedAt: "2026-01-15", Channel: domain.ChannelKingsoft, Amount: domain.MustMoney("100.00"), Voucher: domain.MustMoney("1.50")}
	}
	cmds := []domain.Command{
		domain.PostStatement{Month: "2026-01", Lines: lines},
		domain.RequestInvoice{Statements: []string{"2026-01"}, AddressID: randomID(rand.New(rand.NewPCG(1, 2))), Agree: true},
	}
	for _, cmd := range cmds {
		b.Run(typeName(cmd), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if commandHash(cmd) == "" {
					b.Fatal("no hash")
				}
			}
		})
	}
}

// TestReservationJSONIsTheDefinition: a number's claim written by hand is
// json.Marshal's bytes, its canonical form the event store's, and sealed
// with it the envelope Seal makes of json.Marshal's bytes; strings either
// form would escape are left to json.Marshal.
func TestReservationJSONIsTheDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 30))
	meta := eventstore.Metadata{OccurredAt: randomInstant(r), Actor: eventstore.Actor{Role: "finance", ID: "fin-1"}, CorrelationID: "c", SchemaVersion: 1}
	written, declined := 0, 0
	for range 5000 {
		c := InvoiceNumberReserved{AccountID: randomString(r), InvoiceID: randomID(r), InvoiceCode: randomString(r), InvoiceNumber: randomString(r), Red: r.IntN(2) == 0}
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		data, canon, ok := reservationJSON(&c, nil)
		if !ok {
			declined++
			continue
		}
		written++
		wantCanon, err := eventstore.AppendCanonical(nil, want)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != string(want) || string(canon) != string(wantCanon) {
			t.Fatalf("%+v:\n data  %s\n want  %s\n canon %s\n want  %s", c, data, want, canon, wantCanon)
		}
		raw, _, err := eventstore.SealHashCanonical(meta, "", "stream", 0, ReservationEventType, data, canon)
		if err != nil {
			t.Fatal(err)
		}
		wantRaw, err := eventstore.Seal(meta, "", "stream", 0, ReservationEventType, want)
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != string(wantRaw) {
			t.Fatalf("sealed\n %s\nwant\n %s", raw, wantRaw)
		}
	}
	if written == 0 || declined == 0 {
		t.Fatalf("%d written, %d declined: the generator misses cases", written, declined)
	}
}
