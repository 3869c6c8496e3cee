package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
)

// TestBatchPositionsWithoutReadBack queues commands behind a held append on
// bolt, with another account's command committed meanwhile, and checks that
// each command's record carries the position the log gives it: taken from
// the append's FirstPosition (consecutive positions), not read back.
func TestBatchPositionsWithoutReadBack(t *testing.T) {
	b, err := bolt.Open(filepath.Join(t.TempDir(), "fapiao.db"))
	require.NoError(t, err)
	defer b.Close()
	s := newGatedStore(b, StreamName("p1"))
	l := New(s, Options{Clock: pipelineClock, Issuer: "Example Cloud Ltd."})
	ctx := context.Background()
	billing := eventstore.Actor{Role: string(domain.RoleBilling), ID: "billing"}
	const acc = "p1"

	type call struct {
		req Request
		res Result
		err error
	}
	var wg sync.WaitGroup
	run := func(c *call) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.res, c.err = l.Execute(ctx, c.req)
		}()
	}
	head := &call{req: Request{AccountID: acc, Actor: billing, Command: pipelineStatement("2025-01", "100.00")}}
	run(head)
	<-s.entered
	// Another account's event lands first (the head is held before its
	// append reaches the store): the positions are not the revisions.
	_, err = l.Execute(ctx, Request{AccountID: "other", Actor: billing, Command: pipelineStatement("2025-01", "1.00")})
	require.NoError(t, err)

	var calls []*call
	for m := 2; m <= 7; m++ {
		c := &call{req: Request{AccountID: acc, Actor: billing, Command: pipelineStatement(fmt.Sprintf("2025-%02d", m), "10.00")}}
		calls = append(calls, c)
		run(c)
	}
	require.Eventually(t, func() bool {
		l.queues.mu.Lock()
		defer l.queues.mu.Unlock()
		aq := l.queues.m[acc]
		return aq != nil && len(aq.pending) == len(calls)
	}, 5*time.Second, time.Millisecond)
	close(s.gate)
	wg.Wait()
	require.NoError(t, head.err)

	stored := map[uint64]eventstore.Position{}
	for r, err := range b.ReadStream(ctx, StreamName(acc), 0) {
		require.NoError(t, err)
		stored[r.Revision] = r.Position
	}
	require.Len(t, stored, 1+len(calls))
	for _, c := range append([]*call{head}, calls...) {
		require.NoError(t, c.err)
		require.Len(t, c.res.Records, 1)
		r := c.res.Records[0]
		assert.Equal(t, stored[r.Revision], r.Position, "revision %d", r.Revision)
		assert.Equal(t, r.Position, c.res.Position)
	}
	assert.Equal(t, int64(2), s.appends.Load(), "the head alone, then one batch for the rest")
	assert.NotEqual(t, head.res.Records[0].Revision+1, head.res.Position, "the other account's event came first: positions are not revisions")
}
