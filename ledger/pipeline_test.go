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

// pipelineBilling is the actor of the pipeline tests' commands.
var pipelineBilling = eventstore.Actor{Role: string(domain.RoleBilling), ID: "billing"}

// pipelineCall is one command sent to the pipeline, and its outcome.
type pipelineCall struct {
	req Request
	res Result
	err error
}

// statementCall is billing posting a statement to account acc.
func statementCall(acc, month, amount string) *pipelineCall {
	return &pipelineCall{req: Request{AccountID: acc, Actor: pipelineBilling, Command: pipelineStatement(month, amount)}}
}

// send executes c on a goroutine of its own, counted by wg.
func (c *pipelineCall) send(ctx context.Context, l *Ledger, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.res, c.err = l.Execute(ctx, c.req)
	}()
}

// heldPipeline is a ledger whose first append, the head's (billing posts
// 2025-01 to acc), is held at the gate, so that the commands sent
// meanwhile queue behind it.
type heldPipeline struct {
	s    *gatedStore
	l    *Ledger
	head *pipelineCall
	wg   sync.WaitGroup // the calls sent, the head's included
}

func holdHead(ctx context.Context, backing eventstore.Store, acc string) *heldPipeline {
	p := &heldPipeline{s: newGatedStore(backing, StreamName(acc))}
	p.l = New(p.s, Options{Clock: pipelineClock, Issuer: "Example Cloud Ltd."})
	p.head = statementCall(acc, "2025-01", "100.00")
	p.head.send(ctx, p.l, &p.wg)
	<-p.s.entered
	return p
}

// release opens the gate and waits for every call sent.
func (p *heldPipeline) release() {
	close(p.s.gate)
	p.wg.Wait()
}

// waitQueued waits until n commands for acc wait in its queue (behind the
// batch being appended, which has left it).
func waitQueued(t *testing.T, l *Ledger, acc string, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		l.queues.mu.Lock()
		defer l.queues.mu.Unlock()
		aq := l.queues.m[acc]
		return aq != nil && len(aq.pending) == n
	}, 5*time.Second, time.Millisecond)
}

// TestPipelineBatchesOneAccount queues commands behind a held append and
// checks that they are appended together, each with its own outcome: the
// writes, a rule error in the middle, and an idempotent retry of a command
// of the same batch (deferred to a batch of its own, then replayed).
func TestPipelineBatchesOneAccount(t *testing.T) {
	mem := memstore.New()
	defer mem.Close()
	ctx := context.Background()
	const acc = "p1"
	p := holdHead(ctx, mem, acc)
	l, head := p.l, p.head

	var calls []*pipelineCall
	for m := 2; m <= 9; m++ {
		calls = append(calls, statementCall(acc, fmt.Sprintf("2025-%02d", m), "10.00"))
	}
	// STMT-2: another statement for a month already posted (by the head).
	refused := statementCall(acc, "2025-01", "999.00")
	keyed := statementCall(acc, "2025-10", "10.00")
	keyed.req.IdempotencyKey = "k-10"
	retry := &pipelineCall{req: keyed.req}
	calls = append(calls, refused, keyed, retry)
	for i, c := range calls {
		c.send(ctx, l, &p.wg)
		// Queue them in this order: wait until the call is in the queue
		// (the head was taken out of it by its batch).
		waitQueued(t, l, acc, i+1)
	}
	p.release()

	require.NoError(t, head.err)
	assert.Equal(t, int64(2), p.s.appends.Load(), "the head alone, then one batch for the rest")
	for _, c := range calls[:8] {
		require.NoError(t, c.err)
		require.Len(t, c.res.Records, 1)
		require.Len(t, c.res.Events, 1)
		e := c.res.Events[0].(domain.StatementPosted)
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
	assert.Equal(t, keyed.res.Events, retry.res.Events, "a replay's events decoded from the log are the first answer's")

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
