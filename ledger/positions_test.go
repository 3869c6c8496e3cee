package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	ctx := context.Background()
	const acc = "p1"
	p := holdHead(ctx, b, acc)
	l, head := p.l, p.head
	// Another account's event lands first (the head is held before its
	// append reaches the store): the positions are not the revisions. The
	// other account must not share acc's lock stripe, which the held head
	// keeps locked (a name on it deadlocked one run in 1 024).
	other := "other"
	for i := 0; l.locks.stripe(other) == l.locks.stripe(acc); i++ {
		other = fmt.Sprint("other", i)
	}
	_, err = l.Execute(ctx, statementCall(other, "2025-01", "1.00").req)
	require.NoError(t, err)

	var calls []*pipelineCall
	for m := 2; m <= 7; m++ {
		c := statementCall(acc, fmt.Sprintf("2025-%02d", m), "10.00")
		calls = append(calls, c)
		c.send(ctx, l, &p.wg)
	}
	waitQueued(t, l, acc, len(calls))
	p.release()
	require.NoError(t, head.err)

	stored := map[uint64]eventstore.Position{}
	for r, err := range b.ReadStream(ctx, StreamName(acc), 0) {
		require.NoError(t, err)
		stored[r.Revision] = r.Position
	}
	require.Len(t, stored, 1+len(calls))
	for _, c := range append([]*pipelineCall{head}, calls...) {
		require.NoError(t, c.err)
		require.Len(t, c.res.Records, 1)
		r := c.res.Records[0]
		assert.Equal(t, stored[r.Revision], r.Position, "revision %d", r.Revision)
		assert.Equal(t, r.Position, c.res.Position)
	}
	assert.Equal(t, int64(2), p.s.appends.Load(), "the head alone, then one batch for the rest")
	assert.NotEqual(t, head.res.Records[0].Revision+1, head.res.Position, "the other account's event came first: positions are not revisions")
}
