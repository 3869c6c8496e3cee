package eventstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
)

// lying is a store whose stream reads disagree with its global log, as a
// damaged stream index would.
type lying struct {
	eventstore.Store
	stream string
	edit   func(rs []eventstore.Record) []eventstore.Record
}

func (l lying) ReadStream(ctx context.Context, stream string, from uint64) iter.Seq2[eventstore.Record, error] {
	if stream != l.stream {
		return l.Store.ReadStream(ctx, stream, from)
	}
	return func(yield func(eventstore.Record, error) bool) {
		var rs []eventstore.Record
		for r, err := range l.Store.ReadStream(ctx, stream, from) {
			if err != nil {
				yield(r, err)
				return
			}
			rs = append(rs, r)
		}
		for _, r := range l.edit(rs) {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func TestCheckStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memstore.New()
	for i := range 6 {
		stream := fmt.Sprintf("s-%d", i%2)
		_, err := s.Append(ctx, stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "T", Data: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)})
		require.NoError(t, err)
	}
	rep, err := eventstore.CheckStreams(ctx, s)
	require.NoError(t, err)
	require.True(t, rep.OK(), "%v", rep.Damage)
	require.Contains(t, rep.What[0], "streams: 2")

	for _, tc := range []struct {
		name string
		edit func([]eventstore.Record) []eventstore.Record
		want string
	}{
		{"lost the last event", func(rs []eventstore.Record) []eventstore.Record { return rs[:len(rs)-1] }, "stream: stream s-1, revision 2, position 6: the stream ends after 2 events; the global log holds 3"},
		{"lost a middle event", func(rs []eventstore.Record) []eventstore.Record { return append(rs[:1:1], rs[2:]...) }, "revision 2 where 1 belongs"},
		{"another event", func(rs []eventstore.Record) []eventstore.Record { rs[0].ID = uuid.New(); return rs }, "is not the global log's"},
		{"an extra event", func(rs []eventstore.Record) []eventstore.Record {
			extra := rs[len(rs)-1]
			extra.Revision++
			return append(rs, extra)
		}, "the stream holds an event the global log does not"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := eventstore.CheckStreams(ctx, lying{Store: s, stream: "s-1", edit: tc.edit})
			require.NoError(t, err)
			require.Len(t, rep.Damage, 1)
			require.True(t, strings.Contains(rep.Damage[0].String(), tc.want), rep.Damage[0].String())
		})
	}
}

func TestCheckReportBounded(t *testing.T) {
	t.Parallel()
	var rep eventstore.CheckReport
	for range eventstore.MaxDamage + 5 {
		rep.Add(eventstore.Damage{Part: "page", Page: 3, HasPage: true, Detail: "x"})
	}
	require.Len(t, rep.Damage, eventstore.MaxDamage)
	require.Equal(t, 5, rep.More)
	require.Equal(t, "page: page 3: x", rep.Damage[0].String())
}
