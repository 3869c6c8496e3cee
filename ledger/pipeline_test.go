package ledger

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
)

// gatedStore holds the first append to an account stream until the gate
// opens, so that the commands sent meanwhile queue behind it, and counts
// the appends to the watched stream.
type gatedStore struct {
	eventstore.Store
	watch   string        // the stream whose appends are counted
	entered chan struct{} // closed when the first account append arrived
	gate    chan struct{}
	held    atomic.Bool
	appends atomic.Int64
}

func newGatedStore(s eventstore.Store, watch string) *gatedStore {
	return &gatedStore{Store: s, watch: watch, entered: make(chan struct{}), gate: make(chan struct{})}
}

func (s *gatedStore) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	// Not a sync.Once: other streams' appends must not wait for the gate.
	if strings.HasPrefix(stream, "account-") && s.held.CompareAndSwap(false, true) {
		close(s.entered)
		<-s.gate
	}
	if stream == s.watch {
		s.appends.Add(1)
	}
	return s.Store.Append(ctx, stream, exp, evs...)
}

func pipelineStatement(month, amount string) domain.PostStatement {
	return domain.PostStatement{Month: month, Lines: []domain.StatementLine{{
		LineID: "l-" + month, Product: "ECS", BillingMode: domain.Prepaid, PurchasedAt: month + "-15",
		Channel: domain.ChannelKingsoft, Amount: domain.MustMoney(amount),
	}}}
}

// pipelineClock is the pipeline tests\' instant, a business day.
var pipelineClock = FixedClock(time.Date(2026, 3, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)))

// TestPipelineBatchesOneAccount queues commands behind a held append and
// checks that they are appended together, each with its own outcome: the
// writes, a rule error in the middle, and an idempotent retry of a command
// of the same batch (deferred to a batch of its own, then replayed).
func TestPipelineBatchesOneAccount(t *testing.T) {
	mem := memstore.New()
	defer mem.Close()
	s := newGatedStore(mem, StreamName("p1"))
	l := New(s, Options{Clock: pipelineClock, Issuer: "Example Cloud Ltd."})
	ctx := context.Background()
	billing := eventstore.Actor{Role: string(domain.RoleBilling), ID: "billing"}
	const acc = "p1"

	type call struct {
		req Request
		res Result
		err error
	}
	run := func(c *call, wg *sync.WaitGroup) {
		defer wg.Done()
		c.res, c.err = l.Execute(ctx, c.req)
	}
	var wg sync.WaitGroup
	head := &call{req: Request{AccountID: acc, Actor: billing, Command: pipelineStatement("2025-01", "100.00")}}
	wg.Add(1)
	go run(head, &wg)
	<-s.entered

	var calls []*call
	for m := 2; m <= 9; m++ {
		calls = append(calls, &call{req: Request{AccountID: acc, Actor: billing, Command: pipelineStatement(fmt.Sprintf("2025-%02d", m), "10.00")}})
	}
	// STMT-2: another statement for a month already posted (by the head).
	refused := &call{req: Request{AccountID: acc, Actor: billing, Command: pipelineStatement("2025-01", "999.00")}}
	keyed := &call{req: Request{AccountID: acc, Actor: billing, Command: pipelineStatement("2025-10", "10.00"), IdempotencyKey: "k-10"}}
	retry := &call{req: keyed.req}
	calls = append(calls, refused, keyed, retry)
	for i, c := range calls {
		wg.Add(1)
		go run(c, &wg)
		// Queue them in this order: wait until the call is in the queue
		// (the head was taken out of it by its batch).
		require.Eventually(t, func() bool {
			l.queues.mu.Lock()
			defer l.queues.mu.Unlock()
			aq := l.queues.m[acc]
			return aq != nil && len(aq.pending) == i+1
		}, 5*time.Second, time.Millisecond)
	}
	close(s.gate)
	wg.Wait()

	require.NoError(t, head.err)
	assert.Equal(t, int64(2), s.appends.Load(), "the head alone, then one batch for the rest")
	for _, c := range calls[:8] {
		require.NoError(t, c.err)
		require.Len(t, c.res.Records, 1)
		got, err := domain.DecodeEvent(c.res.Records[0].Type, c.res.Records[0].Data)
		require.NoError(t, err)
		e := got.(domain.StatementPosted)
		assert.Equal(t, c.req.Command.(domain.PostStatement).Month, e.Month, "a command's records are its own")
		assert.Equal(t, c.res.Records[0].Position, c.res.Position)
		assert.NotZero(t, c.res.Position)
	}
	code := ""
	if re, ok := domain.AsRuleError(refused.err); ok {
		code = re.Code
	}
	assert.Equal(t, "STMT-2", code, "%v", refused.err)
	require.NoError(t, keyed.err)
	require.NoError(t, retry.err)
	assert.False(t, keyed.res.Replayed)
	assert.True(t, retry.res.Replayed)
	assert.Equal(t, keyed.res.Records, retry.res.Records)

	// The log: revisions 0..9, one chain, in the order the commands queued.
	prev := ""
	var months []string
	for r, err := range mem.ReadStream(ctx, StreamName(acc), 0) {
		require.NoError(t, err)
		prev, err = eventstore.VerifyLink(r, prev)
		require.NoError(t, err)
		e, err := domain.DecodeEvent(r.Type, r.Data)
		require.NoError(t, err)
		months = append(months, e.(domain.StatementPosted).Month)
	}
	assert.Equal(t, []string{"2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10"}, months)

	// A fresh ledger folds the same state the batch left in the cache.
	cached, err := l.Load(ctx, acc)
	require.NoError(t, err)
	fresh, err := New(mem, Options{Clock: pipelineClock}).Load(ctx, acc)
	require.NoError(t, err)
	assert.Equal(t, fresh, cached)
	l.queues.mu.Lock()
	assert.Empty(t, l.queues.m, "idle accounts leave no queue behind")
	l.queues.mu.Unlock()
}
