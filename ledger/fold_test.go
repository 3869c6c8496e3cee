package ledger_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/domain"
	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/ledger"
)

// appendRaw writes one event to stream as it stands, bypassing the ledger,
// the way a damaged or forged log would hold it.
func appendRaw(t *testing.T, s eventstore.Store, stream string, e domain.Event) {
	t.Helper()
	typ, data, err := domain.EncodeEvent(e)
	require.NoError(t, err)
	_, err = s.Append(context.Background(), stream, eventstore.Any,
		eventstore.EventData{ID: uuid.New(), Type: typ, Data: data, Metadata: []byte(`{}`)})
	require.NoError(t, err)
}

// TestLoad_RefusesAnEventItsFoldDoesNotTake: an event of another stream's
// kind (it decodes, but the fold does not take it) fails the load with
// domain.ErrNotFolded instead of being skipped.
func TestLoad_RefusesAnEventItsFoldDoesNotTake(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, s := memLedger(t)
	appendRaw(t, s, ledger.StreamName("acc-odd"), domain.QuotaSet{Month: "2026-02", Amount: domain.MustMoney("1.00")})
	_, err := l.Load(ctx, "acc-odd")
	require.ErrorIs(t, err, domain.ErrNotFolded)

	appendRaw(t, s, ledger.QuotaStream("2026-02"), domain.AddressRemoved{AddressID: uuid.New()})
	_, err = l.Quota(ctx, "2026-02")
	require.ErrorIs(t, err, domain.ErrNotFolded)
}
