package eventstore

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fapiao/fapiao/internal/testkit"
)

// referenceSeal is SealHash by its definition, with nothing of the fast
// paths: json.Marshal of the envelope, the canonical forms through
// encoding/json's round trip, the hash as first written.
func referenceSeal(m Metadata, prevHash, stream string, revision uint64, typ string, data []byte) ([]byte, string, error) {
	m.PrevHash, m.Hash = prevHash, ""
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, "", err
	}
	cd, err := canonicalSlow(data)
	if err != nil {
		return nil, "", err
	}
	cm, err := canonicalWithoutHashSlow(raw)
	if err != nil {
		return nil, "", err
	}
	m.Hash = referenceHash(prevHash, stream, revision, typ, cd, cm)
	raw, err = json.Marshal(m)
	return raw, m.Hash, err
}

// checkSeal fails unless SealHash gives the reference's bytes and hash (or
// both fail).
func checkSeal(t *testing.T, m Metadata, prevHash string, data []byte) {
	t.Helper()
	want, wantHash, wantErr := referenceSeal(m, prevHash, "account-a", 7, "InvoiceRequested", data)
	got, hash, err := SealHash(m, prevHash, "account-a", 7, "InvoiceRequested", data)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%+v prev %q data %q: error %v, reference %v", m, prevHash, data, err, wantErr)
	}
	if err != nil {
		return
	}
	if string(got) != string(want) || hash != wantHash {
		t.Fatalf("%+v prev %q data %q:\n got  %s %s\n want %s %s", m, prevHash, data, got, hash, want, wantHash)
	}
	// A caller's canonical form of the data, as the ledger's event
	// encoder writes it, must seal the same.
	if cdata, err := AppendCanonical(nil, data); err == nil {
		got, hash, err = SealHashCanonical(m, prevHash, "account-a", 7, "InvoiceRequested", data, cdata)
		if err != nil || string(got) != string(want) || hash != wantHash {
			t.Fatalf("%+v prev %q data %q with its canonical form:\n got  %s %s %v\n want %s %s", m, prevHash, data, got, hash, err, want, wantHash)
		}
	}
}

var sealData = []byte(`{"invoice_id":"a6d2c1b0-0000-4000-8000-000000000001","statements":["2026-01"],"amount":"100.00","title":{"name":"示例"}}`)

// TestSealFastMatchesGeneral compares SealHash with its definition on
// envelopes on both sides of the fast path's limits.
func TestSealFastMatchesGeneral(t *testing.T) {
	t.Parallel()
	cst := time.FixedZone("CST", 8*3600)
	base := Metadata{
		OccurredAt: time.Date(2026, 3, 10, 10, 0, 0, 0, cst),
		Actor:      Actor{Role: "customer", ID: "acc-1"}, CorrelationID: "6b0f7c52-8f0e-4b43-9a63-0c2f6f3f1a7e",
		CausationID: "c1", IdempotencyKey: "k-1", RequestHash: strings.Repeat("ab", 32), SchemaVersion: 1,
		PrevHash: "ignored", Hash: "ignored",
	}
	odd := []string{"", "a", `q"`, `\`, "<", ">", "&", "\n", "\x7f", "\x1f", "é", "中文", "\u2028", "\xff", " ", "~", "a/b"}
	times := []time.Time{
		base.OccurredAt, time.Date(2026, 3, 10, 2, 0, 0, 123456789, time.UTC), {},
		time.Date(2026, 3, 10, 10, 0, 0, 0, time.FixedZone("", -(3*3600+30*60))),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600+60)),
	}
	checkSeal(t, base, "", sealData)
	checkSeal(t, base, strings.Repeat("0", 64), sealData)
	checkSeal(t, Metadata{}, "", []byte(`{}`))
	for _, d := range []string{`{}`, `{"b":1,"a":"<&>"}`, `{"s":"\u00e9"}`, `not json`, ``, `{"a":1,"a":2}`} {
		checkSeal(t, base, "p", []byte(d))
	}
	for _, tm := range times {
		m := base
		m.OccurredAt = tm
		checkSeal(t, m, "p", sealData)
	}
	for _, v := range []int{0, -1, 2, 1 << 40} {
		m := base
		m.SchemaVersion = v
		checkSeal(t, m, "p", sealData)
	}
	fields := []func(*Metadata, *string, string){
		func(m *Metadata, _ *string, s string) { m.Actor.Role = s },
		func(m *Metadata, _ *string, s string) { m.Actor.ID = s },
		func(m *Metadata, _ *string, s string) { m.CorrelationID = s },
		func(m *Metadata, _ *string, s string) { m.CausationID = s },
		func(m *Metadata, _ *string, s string) { m.IdempotencyKey = s },
		func(m *Metadata, _ *string, s string) { m.RequestHash = s },
		func(_ *Metadata, p *string, s string) { *p = s },
	}
	for _, set := range fields {
		for _, s := range odd {
			m, prev := base, "p"
			set(&m, &prev, s)
			checkSeal(t, m, prev, sealData)
		}
	}
	// Random envelopes: every field from the odd strings or empty.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		m, prev := base, "p"
		for _, set := range fields {
			set(&m, &prev, odd[rng.IntN(len(odd))])
		}
		m.OccurredAt = times[rng.IntN(len(times))]
		checkSeal(t, m, prev, sealData)
	}
}

// TestSealFastGoldenEvents seals every golden event's data, and reseals
// every event of a log exported by an earlier build with its own envelope:
// the hashes must be the ones that log holds, and every one of those
// envelopes takes the fast path.
func TestSealFastGoldenEvents(t *testing.T) {
	m := Metadata{OccurredAt: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC), Actor: Actor{Role: "finance", ID: "fin-1"}, SchemaVersion: 1}
	for _, e := range testkit.GoldenEvents(t) {
		checkSeal(t, m, strings.Repeat("0", 64), e.Data)
	}

	raw, err := os.ReadFile(filepath.Join("..", "ledger", "testdata", "unscoped-keys-export.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for _, ln := range lines {
		var r struct {
			Stream   string          `json:"stream"`
			Revision uint64          `json:"revision"`
			Type     string          `json:"type"`
			Data     json.RawMessage `json:"data"`
			Metadata json.RawMessage `json:"metadata"`
		}
		if err := json.Unmarshal([]byte(ln), &r); err != nil {
			t.Fatal(err)
		}
		m, err := ParseMetadata(r.Metadata)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, ok, _ := sealFast(&m, m.PrevHash, r.Stream, r.Revision, r.Type, r.Data, nil, false, nil); !ok {
			t.Errorf("%s@%d: the envelope did not take the fast path", r.Stream, r.Revision)
		}
		_, hash, err := SealHash(m, m.PrevHash, r.Stream, r.Revision, r.Type, r.Data)
		if err != nil || hash != m.Hash {
			t.Errorf("%s@%d: resealed hash %s (%v), the log holds %s", r.Stream, r.Revision, hash, err, m.Hash)
		}
		checkSeal(t, m, m.PrevHash, r.Data)
	}
	if len(lines) < 10 {
		t.Fatalf("only %d events in the exported log", len(lines))
	}
}

func FuzzSealFast(f *testing.F) {
	f.Add("customer", "acc-1", "k", "c<", int64(0), `{"a":1}`)
	f.Add("", "", "", "", int64(1<<62), `{}`)
	f.Fuzz(func(t *testing.T, role, id, key, prev string, nanos int64, data string) {
		m := Metadata{OccurredAt: time.Unix(0, nanos).In(time.FixedZone("", 8*3600)), Actor: Actor{Role: role, ID: id},
			IdempotencyKey: key, CorrelationID: id, SchemaVersion: 1}
		checkSeal(t, m, prev, []byte(data))
	})
}

func BenchmarkSealHash(b *testing.B) {
	m := Metadata{OccurredAt: time.Now(), Actor: Actor{Role: "customer", ID: "acc-1"}, CorrelationID: "6b0f7c52-8f0e-4b43-9a63-0c2f6f3f1a7e",
		CausationID: "6b0f7c52-8f0e-4b43-9a63-0c2f6f3f1a7f", IdempotencyKey: "k-1", RequestHash: strings.Repeat("ab", 32), SchemaVersion: 1}
	prev := strings.Repeat("cd", 32)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := SealHash(m, prev, "account-1", 3, "InvoiceRequested", sealData); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := sealGeneral(m, prev, "account-1", 3, "InvoiceRequested", sealData); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSealFastAllocs: the envelope is written into one allocation of the
// right size (and the hash string is the other), even with every member set.
func TestSealFastAllocs(t *testing.T) {
	m := Metadata{OccurredAt: time.Date(2026, 3, 10, 10, 0, 0, 123456789, time.FixedZone("", 8*3600)),
		Actor: Actor{Role: "customer", ID: strings.Repeat("a", 64)}, CorrelationID: strings.Repeat("c", 36),
		CausationID: strings.Repeat("d", 36), IdempotencyKey: strings.Repeat("k", 64), RequestHash: strings.Repeat("ab", 32), SchemaVersion: 1 << 40}
	prev := strings.Repeat("cd", 32)
	_, raw, hash, ok, err := sealFast(&m, prev, "account-1", 3, "InvoiceRequested", sealData, nil, false, nil)
	if !ok || err != nil {
		t.Fatalf("not sealed: %v", err)
	}
	// The hash string shares the envelope's allocation: writing over the
	// envelope, or appending to it, leaves it as it was.
	want := strings.Clone(hash)
	for i := range raw {
		raw[i] = 'x'
	}
	_ = append(raw, strings.Repeat("y", 64)...)
	if hash != want {
		t.Errorf("the hash changed with the envelope: %q", hash)
	}
	// A grown buffer would be at least a quarter larger; the room left is
	// the schema version's digits (20 allowed, 13 used).
	if cap(raw)-len(raw) > 7 {
		t.Errorf("envelope of %d bytes in a buffer of %d: it grew", len(raw), cap(raw))
	}
	// The envelope and the hash string in one allocation, nothing else:
	// the chain hash is one pass over the pooled buffer (no digest, no
	// string copied for it).
	if n := testing.AllocsPerRun(100, func() {
		sealFast(&m, prev, "account-1", 3, "InvoiceRequested", sealData, nil, false, nil)
	}); n > 1 && !raceEnabled {
		t.Errorf("%v allocations per seal, want 1", n)
	}
}

// TestSealData: SealData gives SealHashCanonical's envelope and hash and a
// copy of data, in one allocation on the fast path; the three do not
// reach into each other when written over or appended to; the general
// path (an envelope sealFast declines) copies data too.
func TestSealData(t *testing.T) {
	m := Metadata{OccurredAt: time.Date(2026, 3, 10, 10, 0, 0, 123456789, time.FixedZone("", 8*3600)),
		Actor: Actor{Role: "customer", ID: "c-1"}, CorrelationID: strings.Repeat("c", 36),
		CausationID: strings.Repeat("d", 36), IdempotencyKey: "k", RequestHash: strings.Repeat("ab", 32), SchemaVersion: 1}
	prev := strings.Repeat("cd", 32)
	for _, actor := range []string{"c-1", "c<1>"} { // the second takes the general path
		m.Actor.ID = actor
		in := append([]byte(nil), sealData...)
		wantRaw, wantHash, err := SealHashCanonical(m, prev, "account-1", 3, "InvoiceRequested", in, nil)
		if err != nil {
			t.Fatal(err)
		}
		stored, raw, hash, err := SealData(m, prev, "account-1", 3, "InvoiceRequested", in, nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != string(wantRaw) || hash != wantHash || string(stored) != string(sealData) {
			t.Fatalf("%s: SealData gave %s %s %s, want %s %s", actor, raw, hash, stored, wantRaw, wantHash)
		}
		for i := range in {
			in[i] = 'z' // the caller's buffer, written over
		}
		wantRawText := string(raw)
		for i := range stored {
			stored[i] = 'x'
		}
		_ = append(stored, strings.Repeat("y", 256)...)
		if string(raw) != wantRawText || hash != wantHash {
			t.Fatalf("%s: writing over the data reached the envelope or the hash", actor)
		}
		for i := range raw {
			raw[i] = 'x'
		}
		_ = append(raw, strings.Repeat("y", 256)...)
		if hash != wantHash {
			t.Fatalf("%s: writing over the envelope reached the hash", actor)
		}
	}
	m.Actor.ID = "c-1"
	if n := testing.AllocsPerRun(100, func() {
		SealData(m, prev, "account-1", 3, "InvoiceRequested", sealData, nil)
	}); n > 1 && !raceEnabled {
		t.Errorf("%v allocations per SealData, want 1", n)
	}
}

// TestSealDataIn: SealDataIn gives SealData's bytes and hash, carved from
// the arena one event after another without reaching into each other
// (writing over one event's data leaves the next one's envelope as it
// was), and nothing allocated on the fast path once the arena has room.
func TestSealDataIn(t *testing.T) {
	m := Metadata{OccurredAt: time.Date(2026, 3, 10, 10, 0, 0, 0, time.FixedZone("", 8*3600)),
		Actor: Actor{Role: "customer", ID: "c-1"}, CorrelationID: strings.Repeat("c", 36),
		IdempotencyKey: "k", RequestHash: strings.Repeat("ab", 32), SchemaVersion: 1}
	var arena []byte
	type sealed struct {
		stored, raw []byte
		hash        string
	}
	var got, want []sealed
	prev, wantPrev := "", ""
	for rev := range uint64(200) { // past minArena: the arena grows
		m.Actor.ID = "c-1"
		if rev%50 == 7 {
			m.Actor.ID = "c<1>" // the general path: allocated, arena untouched
		}
		stored, raw, hash, err := SealDataIn(&arena, m, prev, "account-1", rev, "InvoiceRequested", sealData, nil)
		if err != nil {
			t.Fatal(err)
		}
		wStored, wRaw, wHash, err := SealData(m, wantPrev, "account-1", rev, "InvoiceRequested", sealData, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, sealed{stored, raw, hash})
		want = append(want, sealed{bytes.Clone(wStored), bytes.Clone(wRaw), strings.Clone(wHash)})
		prev, wantPrev = hash, wHash
	}
	for i := range got {
		if string(got[i].stored) != string(want[i].stored) || string(got[i].raw) != string(want[i].raw) || got[i].hash != want[i].hash {
			t.Fatalf("event %d: SealDataIn gave %s %s %s, want %s %s", i, got[i].stored, got[i].raw, got[i].hash, want[i].raw, want[i].hash)
		}
	}
	for i := range got[:len(got)-1] {
		for j := range got[i].stored {
			got[i].stored[j] = 'x'
		}
		_ = append(got[i].stored, strings.Repeat("y", 64)...)
		if string(got[i+1].raw) != string(want[i+1].raw) || got[i].hash != want[i].hash {
			t.Fatalf("event %d: writing over its data reached its hash or the next envelope", i)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		m.Actor.ID = "c-1"
		arena = arena[:0]
		SealDataIn(&arena, m, prev, "account-1", 3, "InvoiceRequested", sealData, nil)
	}); n > 0 && !raceEnabled {
		t.Errorf("%v allocations per SealDataIn, want none", n)
	}
}

// TestPlainJSONByWords: plainJSON, eight bytes at a time, is the table's
// byte-by-byte answer for every byte value at every place of strings of
// every length around the word size, and on random strings.
func TestPlainJSONByWords(t *testing.T) {
	byTable := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if !plainByte[s[i]] {
				return false
			}
		}
		return true
	}
	for n := 1; n <= 20; n++ {
		for at := range n {
			for b := range 256 {
				s := []byte(strings.Repeat("a", n))
				s[at] = byte(b)
				if got, want := plainJSON(string(s)), byTable(string(s)); got != want {
					t.Fatalf("plainJSON(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		s := make([]byte, r.IntN(70))
		for i := range s {
			s[i] = byte(0x1c + r.IntN(0x66)) // mostly plain, sometimes not
		}
		if got, want := plainJSON(string(s)), byTable(string(s)); got != want {
			t.Fatalf("plainJSON(%q) = %v, want %v", s, got, want)
		}
	}
}
