package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// TestDerivedIDIsUUIDv5 checks derivedID against its definition: the
// UUIDv5 of the formatted name. Event IDs of existing logs depend on it.
func TestDerivedIDIsUUIDv5(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(max int) string {
		const chars = "abcXYZ019-_|:%é账"
		var b strings.Builder
		for range r.IntN(max + 1) {
			b.WriteString(string([]rune(chars)[r.IntN(len([]rune(chars)))]))
		}
		return b.String()
	}
	cases := []struct {
		acc, key, kind string
		i              int
	}{
		{"a", "", "event", 0},
		{"acc-1", "call:0b0e", "command", 0},
		{strings.Repeat("x", 64), strings.Repeat("k", 300), "reservation", 12345},
		{"a", "k", "id", -1},
	}
	for range 2000 {
		cases = append(cases, struct {
			acc, key, kind string
			i              int
		}{word(64), word(200), word(12), r.IntN(1000)})
	}
	for _, c := range cases {
		want := uuid.NewSHA1(idNamespace, fmt.Appendf(nil, "%s|%d:%s|%s|%d", c.acc, len(c.key), c.key, c.kind, c.i))
		if got := derivedID(c.acc, c.key, c.kind, c.i); got != want {
			t.Fatalf("derivedID(%q, %q, %q, %d) = %s, want %s", c.acc, c.key, c.kind, c.i, got, want)
		}
	}
}

// TestRequestHashOfAsDefined: the pooled RequestHashOf gives the hash of
// its definition (SHA-256 of the canonical JSON, or of the Go syntax for
// what JSON cannot encode), which stored idempotency records hold.
func TestRequestHashOfAsDefined(t *testing.T) {
	reference := func(v any) string {
		raw, err := json.Marshal(v)
		if err == nil {
			raw, err = eventstore.Canonical(raw)
		}
		if err != nil {
			raw = fmt.Appendf(nil, "go:%T:%#v", v, v)
		}
		sum := sha256.Sum256(raw)
		return hex.EncodeToString(sum[:])
	}
	values := []any{
		nil, 1, "x<&>", map[string]any{"b": 1, "a": []int{2}},
		struct {
			Z string `json:"z"`
			A string `json:"a"`
		}{"中文", "\u2028"},
		make(chan int), func() {},
		domain.PostStatement{Month: "2026-01"},
	}
	for i, v := range values {
		if got, want := RequestHashOf(v), reference(v); got != want {
			t.Errorf("value %d (%T): %s, want %s", i, v, got, want)
		}
	}
	if got := RequestHashOf(map[string]int{"a": 1}); got != "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862" {
		t.Errorf(`RequestHashOf({"a":1}) = %s`, got)
	}
}

// TestTypeNameIsPercentT: commandHash's type name is what %T prints, as
// the fingerprints already stored were made with it.
func TestTypeNameIsPercentT(t *testing.T) {
	type local struct{ A int }
	for _, v := range []any{nil, domain.PostStatement{}, &domain.IssueInvoice{}, domain.RequestInvoice{}, local{}, []int{1}, map[string]any{}, 1, "x", struct{}{}} {
		if got, want := typeName(v), fmt.Sprintf("%T", v); got != want {
			t.Errorf("typeName = %q, %%T = %q", got, want)
		}
	}
}

// TestPrepareIDs: the correlation IDs and call keys prepare makes are
// random version 4 UUIDs in their canonical form, as uuid.NewString's
// were; the causation ID is the command's derived ID, as metadata made it
// on every attempt; a caller's correlation ID and key are kept; and all
// the IDs of a command take one allocation.
func TestPrepareIDs(t *testing.T) {
	v4 := func(s string) {
		t.Helper()
		u, err := uuid.Parse(s)
		if err != nil || u.String() != s {
			t.Fatalf("%q is not a UUID in canonical form: %v", s, err)
		}
		if u.Version() != 4 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%q: version %d, variant %v; want 4, RFC 4122", s, u.Version(), u.Variant())
		}
	}
	seen := map[string]bool{}
	for range 2000 {
		c := (&Ledger{}).prepare(Request{AccountID: "a"})
		k, ok := strings.CutPrefix(c.key, "call:")
		if !ok {
			t.Fatalf("a call's key %q: want call: and a UUID", c.key)
		}
		v4(k)
		v4(c.CorrelationID)
		if want := derivedID("a", c.key, "command", 0).String(); c.causationID != want {
			t.Fatalf("causation %q, want %q", c.causationID, want)
		}
		for _, s := range []string{k, c.CorrelationID} {
			if seen[s] {
				t.Fatalf("%q twice", s)
			}
			seen[s] = true
		}
	}
	req := Request{AccountID: "a", IdempotencyKey: "k1", RequestHash: "h", CorrelationID: "corr-1",
		Actor: eventstore.Actor{Role: "staff", ID: "bob"}}
	c := (&Ledger{}).prepare(req)
	if c.key != domain.ScopedKey("staff/bob", "k1") || c.CorrelationID != "corr-1" {
		t.Errorf("key %q, correlation %q: want the caller's", c.key, c.CorrelationID)
	}
	if want := derivedID("a", c.key, "command", 0).String(); c.causationID != want {
		t.Errorf("causation %q, want %q", c.causationID, want)
	}
	if n := testing.AllocsPerRun(100, func() { _ = (&Ledger{}).prepare(Request{AccountID: "a"}) }); n != 1 && !raceEnabled {
		t.Errorf("a call without key or correlation ID: %v allocations, want 1", n)
	}
	// A keyed request without its hash: the command's fingerprint, on the
	// direct path and by definition.
	inv := uuid.MustParse("0b9a4a52-7f3e-4c1d-8a2b-3c4d5e6f7a8b")
	own := eventstore.Actor{Role: string(domain.RoleCustomer), ID: "a"} // the unscoped key
	for _, cmd := range []domain.Command{domain.ApproveInvoice{InvoiceID: inv}, unhashed{}} {
		req := Request{AccountID: "a", IdempotencyKey: "k2", Command: cmd, Actor: own}
		c := (&Ledger{}).prepare(req)
		if want := commandHashDefined(cmd); c.RequestHash != want {
			t.Errorf("%T: request hash %q, want %q", cmd, c.RequestHash, want)
		}
		if c.idem != domain.IdemKeyOf("k2", c.RequestHash) {
			t.Errorf("%T: idempotency digest is not of the key and the hash", cmd)
		}
		if want := derivedID("a", "k2", "command", 0).String(); c.causationID != want || uuid.Validate(c.CorrelationID) != nil {
			t.Errorf("%T: causation %q (want %q), correlation %q", cmd, c.causationID, want, c.CorrelationID)
		}
	}
	keyed := Request{AccountID: "a", IdempotencyKey: "k2", Command: domain.ApproveInvoice{InvoiceID: inv}, Actor: own}
	if n := testing.AllocsPerRun(100, func() { _ = (&Ledger{}).prepare(keyed) }); n != 1 && !raceEnabled {
		t.Errorf("a keyed call without hash or correlation ID: %v allocations, want 1", n)
	}
}

// unhashed is a command the direct fingerprint does not write.
type unhashed struct{ domain.ApproveInvoice }

// TestIDSourceReused: an idSource from the pool starts its sequence again,
// whatever the one before it handed out.
func TestIDSourceReused(t *testing.T) {
	s := getIDSource("acc", "k")
	first := []uuid.UUID{s.newID(), s.newID()}
	putIDSource(s)
	for range 3 {
		s := getIDSource("acc", "k")
		if a, b := s.newID(), s.newID(); a != first[0] || b != first[1] {
			t.Fatalf("a reused source gave %v %v, want %v", a, b, first)
		}
		if got := s.newID(); got != derivedID("acc", "k", "id", 2) {
			t.Fatalf("third ID %v", got)
		}
		putIDSource(s)
	}
}

// TestScopedKeyIsDomainScopedKey: the scoped key prepare writes beside the
// command's other IDs is domain.ScopedKey of idemScope, the form folds of
// the log remember keys under (load.go), for customers and staff alike; a
// call without a key gets a fresh one in no scope.
func TestScopedKeyIsDomainScopedKey(t *testing.T) {
	actors := []eventstore.Actor{
		{Role: string(domain.RoleCustomer), ID: "acc-1"},
		{Role: string(domain.RoleCustomer), ID: "acc-2"},
		{Role: "staff", ID: "alice"},
		{Role: "staff", ID: ""},
		{},
	}
	for _, a := range actors {
		for _, key := range []string{"", "k", "key-\x00-1", strings.Repeat("long-key-", 40)} {
			want := domain.ScopedKey(idemScope("acc-1", a), key)
			c := (&Ledger{}).prepare(Request{AccountID: "acc-1", Actor: a, IdempotencyKey: key,
				RequestHash: "h", CorrelationID: "c", Command: domain.ApproveInvoice{}})
			if key == "" {
				if c.key == "" || c.key[0] == 0 {
					t.Errorf("prepare's key for %+v without a key = %q, want a fresh key in no scope", a, c.key)
				}
				continue
			}
			if c.key != want {
				t.Errorf("prepare's key for %+v, %q = %q, want %q", a, key, c.key, want)
			}
			if c.causationID != derivedID("acc-1", want, "command", 0).String() {
				t.Errorf("prepare's causation ID for %+v, %q is not derived from the scoped key", a, key)
			}
		}
	}
}
