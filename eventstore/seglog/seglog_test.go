package seglog_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/seglog"
	"github.com/fapiao/fapiao/eventstore/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T, dir string, opts ...seglog.Options) *seglog.Store {
	t.Helper()
	s, err := seglog.Open(dir, opts...)
	require.NoError(t, err)
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		// Small segments, so the suite also crosses segment boundaries.
		return open(t, filepath.Join(t.TempDir(), "log"), seglog.Options{SegmentBytes: 256 << 10})
	}, storetest.Features{
		Contiguous: true,
		Persistent: true,
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			l := s.(*seglog.Store)
			require.NoError(t, l.Close())
			return open(t, l.Path(), seglog.Options{SegmentBytes: 256 << 10})
		},
	})
}
