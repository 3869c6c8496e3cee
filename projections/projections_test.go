package projections

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
)

// applyAll folds records into new projections and fails on any error.
func applyAll(t testing.TB, records []eventstore.Record) *Projections {
	t.Helper()
	p := New()
	t.Cleanup(func() { p.Close() })
	for _, r := range records {
		if err := p.Apply(r); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestAUD2_FoldMatchesCommandSide: the projection's accounts equal the
// command side's fold of the same decisions.
func TestAUD2_FoldMatchesCommandSide(t *testing.T) {
	t.Parallel()
	w := genLog(t, 1, 8, 8, 4, 0)
	p := applyAll(t, w.records)
	if got, want := p.Position(), w.records[len(w.records)-1].Position; got != want {
		t.Fatalf("position %d, want %d", got, want)
	}
	for id, want := range w.accounts {
		got, ok := p.Account(id)
		if !ok {
			t.Fatalf("account %s missing", id)
		}
		for m, st := range got.Statements {
			if st.Lines != nil {
				t.Errorf("account %s statement %s keeps %d lines", id, m, len(st.Lines))
			}
		}
		// The read models keep each statement's buckets, not its lines.
		want = want.Clone()
		for m := range want.Statements {
			want.DropLines(m)
		}
		// As JSON: decoded times carry another *time.Location, decoded
		// amounts another decimal exponent, for the same values.
		if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
			t.Errorf("account %s differs from the command side's fold:\n%s\n%s", id, g, w)
		}
	}
}

func TestApplyOrderAndOtherStreams(t *testing.T) {
	t.Parallel()
	w := genLog(t, 2, 1, 1, 2, 0)
	p := New()
	first := w.records[0]
	if err := p.Apply(first); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		rec     eventstore.Record
		wantErr error
		wantPos eventstore.Position
	}{
		{"same position again", first, ErrOutOfOrder, first.Position},
		{"earlier position", eventstore.Record{Position: first.Position - 1, Stream: "account-x"}, ErrOutOfOrder, first.Position},
		{"reservation stream only advances", eventstore.Record{Position: first.Position + 10, Stream: "invoice-number-1100000000-00000001", Type: "Whatever", Data: json.RawMessage(`{`)}, nil, first.Position + 10},
		{"undecodable event advances and is reported", eventstore.Record{Position: first.Position + 11, Stream: "account-x", Type: "StatementPosted", Data: json.RawMessage(`{"month": 5}`)}, errAny, first.Position + 11},
		{"unknown type advances and is reported", eventstore.Record{Position: first.Position + 12, Stream: "account-x", Type: "Nope", Data: json.RawMessage(`{}`)}, errAny, first.Position + 12},
		{"event for an unknown invoice", eventstore.Record{Position: first.Position + 13, Stream: "account-x", Type: "InvoiceApproved", Data: json.RawMessage(`{"invoice_id":"6f1c1c1e-0000-4000-8000-000000000001"}`)}, errAny, first.Position + 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Apply(tt.rec)
			switch {
			case tt.wantErr == errAny && err == nil:
				t.Fatal("no error")
			case tt.wantErr == nil && err != nil:
				t.Fatal(err)
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if got := p.Position(); got != tt.wantPos {
				t.Fatalf("position %d, want %d", got, tt.wantPos)
			}
		})
	}
	r, err := p.Reconcile("2025-01", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || countCode(r.Problems, FoldProblem) != 3 {
		t.Fatalf("want 3 FOLD problems, got ok=%v %+v", r.OK, r.Problems)
	}
}

var errAny = errors.New("any error")

func countCode(ps []Problem, code string) int {
	n := 0
	for _, p := range ps {
		if p.Code == code {
			n++
		}
	}
	return n
}

func TestWaitFor(t *testing.T) {
	t.Parallel()
	w := genLog(t, 3, 2, 2, 2, 0)
	p := New()
	last := w.records[len(w.records)-1].Position
	done := make(chan error, 1)
	go func() { done <- p.WaitFor(context.Background(), last) }()
	for _, r := range w.records[:len(w.records)-1] {
		if err := p.Apply(r); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("WaitFor returned %v before the position was reached", err)
	default:
	}
	if err := p.Apply(w.records[len(w.records)-1]); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	t.Run("reached positions return at once", func(t *testing.T) {
		for _, pos := range []eventstore.Position{0, 1, last} {
			if err := p.WaitFor(context.Background(), pos); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("ctx ends the wait", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.WaitFor(ctx, last+1) }()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	})
}

// TestAUD2_Replay: replaying to a position or to a time gives the state
// that the prefix of the log gives.
func TestAUD2_Replay(t *testing.T) {
	t.Parallel()
	w := genLog(t, 4, 6, 6, 3, 0)
	store := newFakeStore(w.records)
	full, err := Replay(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(snapshot(full), snapshot(applyAll(t, w.records))) {
		t.Fatal("a full replay differs from applying every record")
	}
	for _, k := range []int{1, len(w.records) / 3, len(w.records) / 2, len(w.records) - 1} {
		want := snapshot(applyAll(t, w.records[:k]))
		last := w.records[k-1]
		t.Run("position", func(t *testing.T) {
			p, err := Replay(context.Background(), store, AfterPosition(last.Position))
			if err != nil {
				t.Fatal(err)
			}
			if p.Position() != last.Position || !reflect.DeepEqual(snapshot(p), want) {
				t.Fatalf("replay to position %d differs from the first %d records", last.Position, k)
			}
		})
		t.Run("time", func(t *testing.T) {
			// Replay to the instant of record k-1: it includes every record
			// of that instant (one command's events share it).
			at, _ := OccurredAt(last.Metadata)
			n := k
			for n < len(w.records) {
				if t2, _ := OccurredAt(w.records[n].Metadata); t2.After(at) {
					break
				}
				n++
			}
			want := snapshot(applyAll(t, w.records[:n]))
			p, err := Replay(context.Background(), store, AfterTime(at))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(snapshot(p), want) {
				t.Fatalf("replay to %s differs from the first %d records", at, n)
			}
		})
	}
}

// snapshot is everything the queries answer, for comparisons.
func snapshot(p *Projections) map[string]any {
	s := map[string]any{}
	for _, id := range p.Accounts() {
		a, _ := p.Account(id)
		b, _ := p.Balance(id)
		st, _ := p.Statements(id, "")
		s[id] = []any{a, b, st}
	}
	page, _ := p.Invoices(Filter{Limit: MaxLimit})
	s["queue"] = page
	return s
}

// TestRunResumesAfterDrops: a subscription that drops is resumed from the
// last position: nothing lost, nothing applied twice; live events follow.
func TestRunResumesAfterDrops(t *testing.T) {
	t.Parallel()
	w := genLog(t, 5, 4, 4, 2, 0)
	half := len(w.records) / 2
	store := newFakeStore(w.records[:half])
	store.drops = []int{3, 0, 7, 1}
	store.overlap = true // resubscribe one record early: a duplicate must be refused
	p := New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, store, p, slog.Default()) }()

	if err := p.WaitFor(ctx, w.records[half-1].Position); err != nil {
		t.Fatal(err)
	}
	store.add(w.records[half:]...)
	if err := p.WaitFor(ctx, w.records[len(w.records)-1].Position); err != nil {
		t.Fatal(err)
	}
	if !p.Ready() {
		t.Error("not ready after catching up")
	}
	if got, want := p.applied.Load(), uint64(len(w.records)); got != want {
		t.Errorf("applied %d records, want %d", got, want)
	}
	if !reflect.DeepEqual(snapshot(p), snapshot(applyAll(t, w.records))) {
		t.Error("state after drops differs from applying every record once")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if store.subs < 5 {
		t.Errorf("%d subscriptions, want at least 5", store.subs)
	}
}

func TestOccurredAt(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 3, 10, 10, 0, 0, 123, time.UTC)
	tests := []struct {
		name string
		meta string
		ok   bool
	}{
		{"first key", `{"occurred_at":"2026-03-10T10:00:00.000000123Z","actor":{"role":"x","id":"y"}}`, true},
		{"later key with spaces", `{"actor": {"role": "x"}, "occurred_at" : "2026-03-10T10:00:00.000000123Z"}`, true},
		{"key inside a string", `{"note":"\"occurred_at\":\"1999\"","occurred_at":"2026-03-10T10:00:00.000000123Z"}`, true},
		{"missing", `{"actor":{}}`, false},
		{"not JSON", `nope`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := OccurredAt(json.RawMessage(tt.meta))
			if ok != tt.ok || (ok && !got.Equal(want)) {
				t.Fatalf("got %v %v", got, ok)
			}
		})
	}
}

func TestNewIsEmpty(t *testing.T) {
	t.Parallel()
	p := New()
	if p.Position() != eventstore.Start || p.Ready() || len(p.Accounts()) != 0 {
		t.Fatal("new projections are not empty")
	}
	if _, ok := p.Balance("acc-1"); ok {
		t.Fatal("balance of an account with no events")
	}
	page, err := p.Invoices(Filter{})
	if err != nil || len(page.Items) != 0 || page.NextCursor != "" {
		t.Fatalf("got %+v %v", page, err)
	}
	_ = domain.Zero
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
