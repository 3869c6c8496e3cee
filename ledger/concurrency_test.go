package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// interfering is a store that lets a test write in between a ledger's
// decision and its append, the window where a race is lost.
type interfering struct {
	eventstore.Store
	stream string
	before func() // runs before appends to stream while set
}

func (s *interfering) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	if stream == s.stream && s.before != nil {
		s.before()
	}
	return s.Store.Append(ctx, stream, exp, evs...)
}

func TestLostRaceIsDecidedAgain(t *testing.T) {
	mem := newMem(t)
	s := &interfering{Store: mem, stream: ledger.StreamName("a1")}
	l1, l2 := newLedger(s), newLedger(mem)
	addr := ready(t, l1, "a1", "2026-01", "2026-02")

	// l2 applies for January just before l1's append; l1 asked for both
	// months, so on deciding again it must see January reserved (APP-7).
	s.before = func() {
		s.before = nil
		apply(t, l2, "a1", addr, "2026-01")
	}
	_, err := l1.Execute(context.Background(), ledger.Request{AccountID: "a1", Actor: customer("a1"),
		Command: domain.RequestInvoice{Statements: []string{"2026-01", "2026-02"}, AddressID: addr, Agree: true}})
	assert.Equal(t, "APP-2", ruleCode(err), "%v", err)

	// Same race, but the re-decided command still fits: it succeeds on top.
	s.before = func() {
		s.before = nil
		exec(t, l2, "a1", customer("a1"), domain.AddAddress{Address: beijing})
	}
	res, err := l1.Execute(context.Background(), ledger.Request{AccountID: "a1", Actor: customer("a1"),
		Command: domain.RequestInvoice{Statements: []string{"2026-02"}, AddressID: addr, Agree: true}})
	require.NoError(t, err)
	assert.Len(t, res.Account.Addresses, 2, "decided on the state with l2's write")
	assert.Len(t, res.Account.Invoices, 2)
	assert.NoError(t, res.Account.CheckInvariants())
	verifyChains(t, mem)
}

func TestConflictAfterMaxRetries(t *testing.T) {
	mem := newMem(t)
	s := &interfering{Store: mem, stream: ledger.StreamName("a1")}
	l1 := ledger.New(s, ledger.Options{Clock: ledger.FixedClock(now), MaxRetries: 2})
	l2 := newLedger(mem)
	exec(t, l1, "a1", billing, statement("2026-01", "1.00"))
	var interfered atomic.Int32
	s.before = func() {
		n := interfered.Add(1)
		exec(t, l2, "a1", billing, statement(fmt.Sprintf("2025-%02d", n), "1.00"))
	}
	_, err := l1.Execute(context.Background(), ledger.Request{AccountID: "a1", Actor: billing, Command: statement("2026-02", "1.00")})
	assert.ErrorIs(t, err, ledger.ErrConflict)
	assert.ErrorIs(t, err, eventstore.ErrWrongExpectedVersion)
	assert.Equal(t, int32(3), interfered.Load(), "one attempt and two retries")
	s.before = nil
	acc, err := l1.Load(context.Background(), "a1")
	require.NoError(t, err)
	assert.Nil(t, acc.Statements["2026-02"], "the lost command wrote nothing")
	assert.Len(t, acc.Statements, 4)
}

func TestCacheCatchesUpWithOtherLedger(t *testing.T) {
	s := newMem(t)
	l1, l2 := newLedger(s), newLedger(s)
	exec(t, l1, "a1", billing, statement("2026-01", "1.00"))
	_, err := l1.Load(context.Background(), "a1") // cached in l1
	require.NoError(t, err)
	exec(t, l2, "a1", billing, statement("2026-02", "2.00"))

	acc, err := l1.Load(context.Background(), "a1")
	require.NoError(t, err)
	assert.Equal(t, uint64(2), acc.Version)
	assert.Equal(t, "3.00", acc.Balance().Total.String())

	// Executing on l1 decides on the caught-up state and needs no retry.
	res := exec(t, l1, "a1", billing, statement("2026-02", "2.00"))
	assert.Empty(t, res.Records, "identical repost of l2's statement is a no-op")
	verifyChains(t, s)
}

func TestTinyCacheStillCorrect(t *testing.T) {
	s := newMem(t)
	l := ledger.New(s, ledger.Options{Clock: ledger.FixedClock(now), CacheSize: 1})
	for i := range 3 {
		for _, acc := range []string{"a", "b", "c"} {
			exec(t, l, acc, billing, statement(fmt.Sprintf("2025-%02d", i+1), "1.00"))
		}
	}
	for _, acc := range []string{"a", "b", "c"} {
		got, err := l.Load(context.Background(), acc)
		require.NoError(t, err)
		assert.Equal(t, uint64(3), got.Version)
	}
	verifyChains(t, s)
}

// TestAPP7_RacingApplicationsOnBolt: 64 goroutines on four ledgers (as if
// four replicas) apply for the same eight statements of one account on one
// bolt file; each statement ends in exactly one application.
func TestAPP7_RacingApplicationsOnBolt(t *testing.T) {
	s := openBolt(t)
	months := []string{"2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"}
	ledgers := make([]*ledger.Ledger, 4)
	for i := range ledgers {
		ledgers[i] = ledger.New(s, ledger.Options{Clock: ledger.FixedClock(now), MaxRetries: 200})
	}
	addr := ready(t, ledgers[0], "racer", months...)

	errs := race(64, func(i int) error {
		_, err := ledgers[i%len(ledgers)].Execute(context.Background(), ledger.Request{
			AccountID: "racer", Actor: customer("racer"),
			Command: domain.RequestInvoice{Statements: []string{months[i%len(months)]}, AddressID: addr, Agree: true},
		})
		return err
	})

	wins := map[string]int{}
	for i, err := range errs {
		m := months[i%len(months)]
		if err == nil {
			wins[m]++
			continue
		}
		// APP-2 (statement taken), or APP-1 once every statement is taken.
		assert.Contains(t, []string{"APP-1", "APP-2"}, ruleCode(err), "%s: %v", m, err)
	}
	for _, m := range months {
		assert.Equal(t, 1, wins[m], m)
	}

	acc, err := ledger.New(s, ledger.Options{}).Load(context.Background(), "racer")
	require.NoError(t, err)
	assert.Len(t, acc.Invoices, len(months))
	assert.NoError(t, acc.CheckInvariants(), "BAL-3 and APP-7")
	bal := acc.Balance()
	assert.True(t, bal.Total.IsZero())
	assert.Equal(t, "800.00", bal.Reserved.String())
	verifyChains(t, s)
}

// TestConcurrentAccountsOnOneLedger drives many accounts at once through
// one ledger: the per-account locks keep each account's commands in order
// without losing any.
func TestConcurrentAccountsOnOneLedger(t *testing.T) {
	s := openBolt(t)
	l := newLedger(s)
	var g errgroup.Group
	for a := range 16 {
		acc := fmt.Sprintf("acc-%02d", a)
		for m := range 4 {
			g.Go(func() error {
				_, err := l.Execute(context.Background(), ledger.Request{AccountID: acc, Actor: billing, Command: statement(fmt.Sprintf("2025-%02d", m+1), "10.00")})
				return err
			})
		}
	}
	require.NoError(t, g.Wait())
	for a := range 16 {
		acc, err := newLedger(s).Load(context.Background(), fmt.Sprintf("acc-%02d", a))
		require.NoError(t, err)
		assert.Equal(t, "40.00", acc.Balance().Total.String())
	}
	assert.Equal(t, 64, verifyChains(t, s))
}

// failing is a store whose appends fail as a backend down would.
type failing struct{ eventstore.Store }

func (failing) Append(context.Context, string, eventstore.ExpectedRevision, ...eventstore.EventData) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{}, fmt.Errorf("disk gone: %w", eventstore.ErrUnavailable)
}

func TestUnavailablePropagates(t *testing.T) {
	mem := newMem(t)
	l := newLedger(failing{mem})
	_, err := l.Execute(context.Background(), ledger.Request{AccountID: "a1", Actor: billing, Command: statement("2026-01", "1.00")})
	assert.ErrorIs(t, err, eventstore.ErrUnavailable)
	assert.False(t, errors.Is(err, ledger.ErrConflict))
	acc, err := l.Load(context.Background(), "a1")
	require.NoError(t, err)
	assert.Zero(t, acc.Version, "the cached state did not move on")
}

// Deterministic IDs: the same keyed command, decided twice on the same
// state (two ledgers racing on one key), produces the same event IDs, so
// the store recognises the second append as a retry.
func TestDeterministicIDs(t *testing.T) {
	run := func() (uuid.UUID, uuid.UUID) {
		l := newLedger(newMem(t))
		res, err := l.Execute(context.Background(), ledger.Request{AccountID: "a1", Actor: customer("a1"), IdempotencyKey: "k", Command: domain.SubmitTitle{Title: generalTitle}})
		require.NoError(t, err)
		return res.Records[0].ID, res.Account.Title.ID
	}
	e1, t1 := run()
	e2, t2 := run()
	assert.Equal(t, e1, e2)
	assert.Equal(t, t1, t2)

	var mu sync.Mutex
	seen := map[uuid.UUID]bool{}
	l := newLedger(newMem(t))
	for i := range 5 {
		res := exec(t, l, fmt.Sprintf("u%d", i), customer("u"), domain.SubmitTitle{Title: generalTitle})
		mu.Lock()
		assert.False(t, seen[res.Records[0].ID], "unkeyed commands get fresh IDs")
		seen[res.Records[0].ID] = true
		mu.Unlock()
	}
}

// TestSealedArenaReused: batches write their events' bytes in a pooled
// arena that the next batch writes over. Under concurrent commands on a
// few accounts (batches of several commands, arenas passed from batch to
// batch), every result's events are what the log decodes to at their
// records' revisions, and every stream's hash chain verifies: neither a
// result nor the cached last hash kept the arena's bytes.
func TestSealedArenaReused(t *testing.T) {
	s := newMem(t)
	l := newLedger(s)
	const accounts, writers, perWriter = 3, 16, 12
	results := make([][]ledger.Result, writers)
	var g errgroup.Group
	for w := range writers {
		g.Go(func() error {
			acc := fmt.Sprintf("a%d", w%accounts)
			for i := range perWriter {
				res, err := l.Execute(context.Background(), ledger.Request{AccountID: acc, Actor: billing,
					Command: statement(fmt.Sprintf("%04d-%02d", 2000+w, 1+i), "1.00")})
				if err != nil {
					return err
				}
				results[w] = append(results[w], res)
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())

	logged := map[string]domain.Event{} // stream@revision → the log's event
	for a := range accounts {
		stream := ledger.StreamName(fmt.Sprintf("a%d", a))
		prev := ""
		for r, err := range s.ReadStream(context.Background(), stream, 0) {
			require.NoError(t, err)
			prev, err = eventstore.VerifyLink(r, prev)
			require.NoError(t, err)
			e, err := domain.DecodeEvent(r.Type, r.Data)
			require.NoError(t, err)
			logged[fmt.Sprintf("%s@%d", r.Stream, r.Revision)] = e
		}
	}
	n := 0
	for _, rs := range results {
		for _, res := range rs {
			require.Len(t, res.Events, len(res.Records))
			for i, r := range res.Records {
				assert.Nil(t, r.Data)
				assert.Equal(t, logged[fmt.Sprintf("%s@%d", r.Stream, r.Revision)], res.Events[i], "%s@%d", r.Stream, r.Revision)
				n++
			}
		}
	}
	assert.Equal(t, writers*perWriter, n)
}
