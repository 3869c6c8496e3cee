package audit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/jobtest"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/eventstore/transparency"
)

// signedCheckpoint builds the tree of store and signs a checkpoint of its
// first n events with a fresh key.
func signedCheckpoint(t *testing.T, store eventstore.Store, n int64) ([]byte, note.Verifier, *transparency.Tree) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "fapiao.test/log")
	require.NoError(t, err)
	signer, err := note.NewSigner(skey)
	require.NoError(t, err)
	v, err := note.NewVerifier(vkey)
	require.NoError(t, err)
	tree := transparency.New()
	require.NoError(t, transparency.Build(context.Background(), store, tree, 0))
	root, err := tree.Root(n)
	require.NoError(t, err)
	signed, err := transparency.Sign(signer, tlog.Tree{N: n, Hash: root})
	require.NoError(t, err)
	return signed, v, tree
}

func TestVerifyCheckpointOfAPrefix(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	jobtest.Seed(t, store)
	signed, v, _ := signedCheckpoint(t, store, 10)
	var out bytes.Buffer
	res, err := audit.VerifyCheckpoint(context.Background(), store, signed, v, nil, &out)
	require.NoError(t, err, out.String())
	require.Equal(t, int64(18), res.Size)
	require.Contains(t, out.String(), "its first 10 give the checkpoint's root, and it extends the checkpoint")
}

// TestVerifyCheckpointRemovedEvents: a log cut short of the checkpoint
// fails, naming the first missing position from the kept tree.
func TestVerifyCheckpointRemovedEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	full := memstore.New()
	jobtest.Seed(t, full)
	signed, v, kept := signedCheckpoint(t, full, 18)
	short := memstore.New()
	for r, err := range full.ReadAll(ctx, eventstore.Start) {
		require.NoError(t, err)
		if r.Position > 15 {
			break
		}
		_, err = short.Append(ctx, r.Stream, eventstore.Any, eventstore.EventData{ID: r.ID, Type: r.Type, Data: r.Data, Metadata: r.Metadata})
		require.NoError(t, err)
	}
	var out bytes.Buffer
	res, err := audit.VerifyCheckpoint(ctx, short, signed, v, kept, &out)
	require.ErrorIs(t, err, audit.ErrInvariant)
	require.Equal(t, int64(15), res.FirstDiff)
	require.Contains(t, out.String(), "holds only 15 events")
	require.Contains(t, out.String(), "first differing position: 16 (leaf 15): missing from the log")

	// A kept tree that does not give the checkpoint's root is not trusted
	// to say where.
	other := transparency.New()
	require.NoError(t, transparency.Build(ctx, short, other, 0))
	out.Reset()
	res, err = audit.VerifyCheckpoint(ctx, short, signed, v, other, &out)
	require.ErrorIs(t, err, audit.ErrInvariant)
	require.Equal(t, int64(-1), res.FirstDiff)
	require.Contains(t, out.String(), "unknown")
}
