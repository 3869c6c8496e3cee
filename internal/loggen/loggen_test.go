package loggen_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
	"github.com/fapiao/fapiao/internal/loggen"
	"github.com/fapiao/fapiao/projections"
)

// TestGeneratedLog builds a small log and checks what the replay scenario
// relies on: every hash chain verifies, every account event folds, and
// the log holds invoices in every state the generator promises.
func TestGeneratedLog(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.db")
	n, err := loggen.Build(context.Background(), path, "bolt", 3000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n < 3000 {
		t.Fatalf("built %d events, want at least 3000", n)
	}
	checkGeneratedLog(t, path, 30)
}

// TestGeneratedLogInCohorts: a log written cohort after cohort (as 10M
// events are, 10 000 accounts at a time) is as sound as one written at
// once: chains verify, event IDs are unique across cohorts, every account
// of every cohort is there, and it replays.
func TestGeneratedLogInCohorts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.db")
	n, err := loggen.BuildCohorts(context.Background(), path, "bolt", 3000, 7, nil) // 30 accounts: cohorts of 7, 7, 7, 7, 2
	if err != nil {
		t.Fatal(err)
	}
	if n < 3000 || n > 3300 {
		t.Fatalf("built %d events, want about 3000", n)
	}
	checkGeneratedLog(t, path, 30)
}

// checkGeneratedLog checks a generated bolt log of the given accounts.
func checkGeneratedLog(t *testing.T, path string, accounts int) {
	t.Helper()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prev := map[string]string{}
	ids := map[uuid.UUID]bool{}
	for r, err := range s.ReadAll(context.Background(), eventstore.Start) {
		if err != nil {
			t.Fatal(err)
		}
		if ids[r.ID] {
			t.Fatalf("event ID %s at position %d is used twice", r.ID, r.Position)
		}
		ids[r.ID] = true
		h, err := eventstore.VerifyLink(r, prev[r.Stream])
		if err != nil {
			t.Fatal(err)
		}
		prev[r.Stream] = h
	}
	p, err := projections.Replay(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Position() != s.LastPosition() {
		t.Fatalf("replayed to %d of %d", p.Position(), s.LastPosition())
	}
	for a := range accounts {
		if _, ok := p.Account(fmt.Sprintf("acc-%06d", a)); !ok {
			t.Errorf("account acc-%06d is missing", a)
		}
	}
	for _, st := range []domain.InvoiceStatus{domain.UnderReview, domain.Cancelled, domain.Rejected, domain.Issued, domain.ReturnRequestedState, domain.Voided, domain.RedFlushed} {
		page, err := p.Invoices(projections.Filter{Status: st, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 0 {
			t.Errorf("no invoice %s in the generated log", st)
		}
	}
}

// TestBuildIsStable pins what Build writes for one account (one writer, so
// one order): the bench keeps its generated logs on disk keyed by a
// genVersion, and a change here must bump it, or stale caches would be
// measured as if they were the new log.
func TestBuildIsStable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log.db")
	if _, err := loggen.Build(context.Background(), path, "bolt", 199, nil); err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := sha256.New()
	n := 0
	for r, err := range s.ReadAll(context.Background(), eventstore.Start) {
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%d %s %d %s %s %s %s\n", r.Position, r.Stream, r.Revision, r.ID, r.Type, r.Data, r.Metadata)
		n++
	}
	const want = "420010941c35fa91e664a47bfb047829f3748041975d57926c4e987b2043fb16"
	if got := fmt.Sprintf("%x", h.Sum(nil)); n != 200 || got != want {
		t.Fatalf("Build wrote %d events hashing to %s, want 200 hashing to %s: if the change is meant, bump genVersion in cmd/fapiao/internal/bench/replay.go and this hash", n, got, want)
	}
}
