package esdb_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/esdb"
	"github.com/fapiao/fapiao/eventstore/esdb/esdbtest"
	"github.com/fapiao/fapiao/eventstore/storetest"
	"github.com/fapiao/fapiao/ledger"
)

// suitePrefixes are the contract suite's streams and fapiao's, as serve
// keeps its log.
var suitePrefixes = append([]string{"storetest_"}, ledger.StreamPrefixes()...)

func open(t *testing.T, url string, opts ...esdb.Option) *esdb.Store {
	t.Helper()
	s, err := esdb.Open(url, append([]esdb.Option{esdb.WithStreamPrefixes(suitePrefixes...)}, opts...)...)
	require.NoError(t, err)
	return s
}

// TestContractOnFake runs the whole contract suite against the fake server;
// every case gets a store of its own on one shared server, as stores on one
// real server would.
func TestContractOnFake(t *testing.T) {
	srv := esdbtest.New(t)
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return open(t, srv.URL())
	}, storetest.Features{
		Persistent: true,
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			require.NoError(t, s.Close())
			return open(t, srv.URL())
		},
	})
}

// TestContractOnServer runs the suite against a real EventStoreDB/KurrentDB,
// e.g. FAPIAO_ESDB_URL=esdb://localhost:2113?tls=false after
// `docker compose -f eventstore/esdb/docker-compose.yml up -d`.
func TestContractOnServer(t *testing.T) {
	url := os.Getenv("FAPIAO_ESDB_URL")
	if url == "" {
		t.Skip("FAPIAO_ESDB_URL is not set: no EventStoreDB server to test against (see eventstore/esdb/docker-compose.yml)")
	}
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		return open(t, url)
	}, storetest.Features{
		Persistent: true,
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			require.NoError(t, s.Close())
			return open(t, url)
		},
	})
}
