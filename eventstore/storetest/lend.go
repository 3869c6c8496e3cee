package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/internal/eventform"
)

// RunStreamLender is the contract of eventstore.StreamLender, on a new
// store from newStore: each stream's records, copied inside fn, are
// ReadStream's up to the position asked for, across chunks and pages
// (many small records, and large ones), in a log big enough to need more
// than one level of index; StreamNames lists a prefix's streams in order,
// page by page; a stream with no records is ErrStreamNotFound; fn's error
// ends the read and comes back as it is. LendData lends the same records
// without their metadata (nil), and LendForms as LendData, a statement
// perhaps in the store's form of it (internal/eventform).
func RunStreamLender(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	s := newStore(t)
	defer s.Close()
	sl, ok := s.(eventstore.StreamLender)
	require.True(t, ok, "%T is no eventstore.StreamLender", s)
	streams := []string{"account-a", "account-b", "account-c", "other", "account-", "accountx"}
	for i := range 40 {
		batch := make([]eventstore.EventData, 100)
		for j := range batch {
			batch[j] = eventstore.EventData{ID: uuid.New(), Type: "T", Data: fmt.Appendf(nil, `{"n":%d}`, i*100+j), Metadata: []byte(`{}`)}
		}
		appendOK(t, s, streams[i%len(streams)], eventstore.Any, batch...)
		if i%9 == 4 {
			big := eventstore.EventData{ID: uuid.New(), Type: "T", Data: fmt.Appendf(nil, `{"big":%q}`, strings.Repeat("x", 20000+i)), Metadata: []byte(`{}`)}
			appendOK(t, s, "account-b", eventstore.Any, big)
		}
		if i%7 == 3 {
			// A statement as the ledger writes it: a store may keep it in a
			// form of its own (LendForms).
			st := eventstore.EventData{ID: uuid.New(), Type: "StatementPosted", Metadata: []byte(`{}`), Data: fmt.Appendf(nil,
				`{"month":"2026-%02d","lines":[{"line_id":"l%d","product":"ECS","billing_mode":"prepaid","purchased_at":"2026-01-15","channel":"kingsoft","amount":"%d.50","voucher":"0.00","coupon":"0.00","gift_balance":"0.00"}],"posted_at":"2026-02-03T09:00:00+08:00"}`, 1+i%12, i, i)}
			appendOK(t, s, streams[i%3], eventstore.Any, st)
		}
	}

	var names []string
	for after := ""; ; {
		page, err := sl.StreamNames(ctx(t), "account-", after, 2)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		names = append(names, page...)
		after = page[len(page)-1]
	}
	require.Equal(t, []string{"account-", "account-a", "account-b", "account-c"}, names)

	last := sl.LastPosition()
	for _, upTo := range []eventstore.Position{last, last / 2, 1} {
		for _, stream := range streams {
			var want, got []eventstore.Record
			for r, err := range s.ReadStream(ctx(t), stream, 0) {
				require.NoError(t, err)
				if r.Position <= upTo {
					want = append(want, r)
				}
			}
			require.NoError(t, sl.LendStream(ctx(t), stream, upTo, eventstore.LendWhole, nil, func(chunk []eventstore.Record) error {
				for _, r := range chunk {
					r.Data, r.Metadata = bytes.Clone(r.Data), bytes.Clone(r.Metadata)
					got = append(got, r)
				}
				return nil
			}))
			require.Equal(t, want, got, "%s up to %d", stream, upTo)
			var data []eventstore.Record
			require.NoError(t, sl.LendStream(ctx(t), stream, upTo, eventstore.LendData, nil, func(chunk []eventstore.Record) error {
				for _, r := range chunk {
					require.Nil(t, r.Metadata, "%s revision %d lent without its metadata", stream, r.Revision)
					r.Data = bytes.Clone(r.Data)
					data = append(data, r)
				}
				return nil
			}))
			for i := range want {
				want[i].Metadata = nil
			}
			require.Equal(t, want, data, "%s up to %d, data only", stream, upTo)
			// LendForms: LendData's records, or their data in the store's
			// form, which stands for the same JSON.
			var forms []eventstore.Record
			require.NoError(t, sl.LendStream(ctx(t), stream, upTo, eventstore.LendForms, nil, func(chunk []eventstore.Record) error {
				for _, r := range chunk {
					require.Nil(t, r.Metadata, "%s revision %d lent without its metadata", stream, r.Revision)
					switch r.Form {
					case eventstore.FormJSON:
						r.Data = bytes.Clone(r.Data)
					case eventstore.FormStatement:
						json, ok := eventform.AppendStatementJSON(nil, r.Data)
						require.True(t, ok, "%s revision %d: its form reads", stream, r.Revision)
						r.Data, r.Form = json, eventstore.FormJSON
					default:
						t.Fatalf("%s revision %d lent in form %d", stream, r.Revision, r.Form)
					}
					forms = append(forms, r)
				}
				return nil
			}))
			require.Equal(t, want, forms, "%s up to %d, in forms", stream, upTo)
		}
	}
	none := func([]eventstore.Record) error { return nil }
	require.ErrorIs(t, sl.LendStream(ctx(t), "account-none", last, eventstore.LendWhole, nil, none), eventstore.ErrStreamNotFound)
	stop := errors.New("stop")
	require.ErrorIs(t, sl.LendStream(ctx(t), "account-a", last, eventstore.LendData, nil, func([]eventstore.Record) error { return stop }), stop)
}
