package audit_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/fapiao/fapiao/cmd/fapiao/internal/audit"
	"github.com/fapiao/fapiao/cmd/fapiao/internal/jobtest"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/bolt"
)

func TestVerifyIntactChains(t *testing.T) {
	t.Parallel()
	jobtest.EachStore(t, func(t *testing.T, store eventstore.Store) {
		jobtest.Seed(t, store)
		var out bytes.Buffer
		res, err := audit.Verify(context.Background(), store, &out)
		require.NoError(t, err)
		require.Equal(t, 18, res.Events)
		require.Equal(t, 3, res.Streams, "two accounts and one invoice-number reservation")
		require.Contains(t, out.String(), "verified 18 events in 3 streams")
	})
}

// TestVerifyTamperedBoltFile alters one byte of a stored event inside a
// real bolt file, behind the store's back, and expects verify to name the
// link.
func TestVerifyTamperedBoltFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fapiao.db")
	store, err := bolt.Open(path)
	require.NoError(t, err)
	jobtest.Seed(t, store)
	require.NoError(t, store.Close())

	// The first statement of acc-a holds the only amount of 100.00.
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	altered := 0
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		log := tx.Bucket([]byte("log"))
		require.NotNil(t, log, "the bolt store keeps its log in bucket \"log\"")
		c := log.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if bytes.Contains(v, []byte(`"100.00"`)) {
				nv := bytes.Replace(v, []byte(`"100.00"`), []byte(`"900.00"`), 1)
				altered++
				return log.Put(bytes.Clone(k), nv)
			}
		}
		return nil
	}))
	require.NoError(t, db.Close())
	require.Equal(t, 1, altered)

	reopened, _ := jobtest.NewBoltAt(t, path)
	var out bytes.Buffer
	_, err = audit.Verify(context.Background(), reopened, &out)
	require.ErrorIs(t, err, audit.ErrInvariant)
	var ve *eventstore.VerifyError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "account-acc-a", ve.Stream)
	require.Equal(t, uint64(0), ve.Revision)
	require.NotEmpty(t, ve.Expected)
	require.NotEmpty(t, ve.Found)
	require.NotEqual(t, ve.Expected, ve.Found)
	for _, want := range []string{"BROKEN LINK", "account-acc-a", "revision: 0", ve.Expected, ve.Found} {
		require.Contains(t, out.String(), want)
	}
}

// TestVerifyMissingEvent: a stream whose revisions jump is broken even if
// every present link were fine.
func TestVerifyMissingEvent(t *testing.T) {
	t.Parallel()
	src := jobtest.Seed(t, jobtest.NewMem(t))
	dst := jobtest.NewMem(t)
	for _, r := range jobtest.ReadAll(t, src) {
		if r.Stream == "account-acc-b" && r.Revision == 0 {
			continue
		}
		rev := r.Revision
		if r.Stream == "account-acc-b" {
			rev-- // appended one lower: the store renumbers, the chain cannot match
		}
		expected := eventstore.NoStream
		if rev > 0 {
			expected = eventstore.Exact(rev - 1)
		}
		_, err := dst.Append(context.Background(), r.Stream, expected, eventstore.EventData{ID: r.ID, Type: r.Type, Data: r.Data, Metadata: r.Metadata})
		require.NoError(t, err)
	}
	var out bytes.Buffer
	_, err := audit.Verify(context.Background(), dst, &out)
	require.ErrorIs(t, err, audit.ErrInvariant)
	require.True(t, strings.Contains(out.String(), "account-acc-b"), out.String())
}
