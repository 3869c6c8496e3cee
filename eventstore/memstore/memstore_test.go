package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
)

func ev(typ string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)}
}

func readStream(t *testing.T, s *Store, stream string, from uint64) ([]eventstore.Record, error) {
	t.Helper()
	var out []eventstore.Record
	for r, err := range s.ReadStream(context.Background(), stream, from) {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func TestAppendExpectedRevision(t *testing.T) {
	ctx := context.Background()
	a, b := ev("A"), ev("B")
	tests := []struct {
		name     string
		expected eventstore.ExpectedRevision
		events   []eventstore.EventData
		wantErr  bool
		wantRev  uint64
		wantPos  eventstore.Position
	}{
		{"exact after last", eventstore.Exact(1), []eventstore.EventData{ev("C")}, false, 2, 3},
		{"exact stale", eventstore.Exact(0), []eventstore.EventData{ev("C")}, true, 0, 0},
		{"exact ahead", eventstore.Exact(5), []eventstore.EventData{ev("C")}, true, 0, 0},
		{"no stream on existing", eventstore.NoStream, []eventstore.EventData{ev("C")}, true, 0, 0},
		{"stream exists", eventstore.StreamExists, []eventstore.EventData{ev("C")}, false, 2, 3},
		{"any", eventstore.Any, []eventstore.EventData{ev("C")}, false, 2, 3},
		{"retry of the same IDs at no stream", eventstore.NoStream, []eventstore.EventData{a, b}, false, 1, 2},
		{"retry of the same IDs with any", eventstore.Any, []eventstore.EventData{a, b}, false, 1, 2},
		{"retry of a prefix at exact", eventstore.NoStream, []eventstore.EventData{a}, false, 0, 1},
		{"same IDs in other order", eventstore.NoStream, []eventstore.EventData{b, a}, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			_, err := s.Append(ctx, "s", eventstore.NoStream, a, b)
			require.NoError(t, err)
			res, err := s.Append(ctx, "s", tt.expected, tt.events...)
			if tt.wantErr {
				var wev *eventstore.WrongExpectedVersionError
				require.ErrorAs(t, err, &wev)
				assert.Equal(t, uint64(1), wev.Actual)
				assert.True(t, wev.ActualExists)
				assert.Equal(t, eventstore.Position(2), s.LastPosition(), "nothing written")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRev, res.NextExpectedRevision)
			assert.Equal(t, tt.wantPos, res.Position)
		})
	}
}

func TestReadStreamAndAll(t *testing.T) {
	ctx := context.Background()
	s := New()
	_, err := readStream(t, s, "x", 0)
	require.ErrorIs(t, err, eventstore.ErrStreamNotFound)

	for i := range 600 { // more than one chunk
		stream := "even"
		if i%2 == 1 {
			stream = "odd"
		}
		_, err := s.Append(ctx, stream, eventstore.Any, ev("E"))
		require.NoError(t, err)
	}
	odd, err := readStream(t, s, "odd", 10)
	require.NoError(t, err)
	require.Len(t, odd, 290)
	for i, r := range odd {
		assert.Equal(t, uint64(10+i), r.Revision)
		assert.Equal(t, eventstore.Position(2*(10+i)+2), r.Position)
	}
	past, err := readStream(t, s, "odd", 1000)
	require.NoError(t, err)
	assert.Empty(t, past)

	var positions []eventstore.Position
	for r, err := range s.ReadAll(ctx, 100) {
		require.NoError(t, err)
		positions = append(positions, r.Position)
	}
	require.Len(t, positions, 500)
	assert.Equal(t, eventstore.Position(101), positions[0])
	assert.Equal(t, eventstore.Position(600), positions[499])
}

func TestSubscribeCatchUpThenLive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New()
	for range 3 {
		_, err := s.Append(ctx, "s", eventstore.Any, ev("E"))
		require.NoError(t, err)
	}
	type step struct {
		pos      eventstore.Position
		caughtUp bool
		err      error
	}
	steps := make(chan step)
	go func() {
		defer close(steps)
		for m, err := range s.Subscribe(ctx, 1) {
			steps <- step{m.Record.Position, m.CaughtUp, err}
			if err != nil {
				return
			}
		}
	}()
	assert.Equal(t, step{pos: 2}, <-steps)
	assert.Equal(t, step{pos: 3}, <-steps)
	assert.Equal(t, step{caughtUp: true}, <-steps)
	_, err := s.Append(ctx, "t", eventstore.NoStream, ev("F"))
	require.NoError(t, err)
	assert.Equal(t, step{pos: 4}, <-steps)

	require.NoError(t, s.Close())
	last := <-steps
	assert.True(t, errors.Is(last.err, eventstore.ErrClosed), "got %v", last.err)
	_, open := <-steps
	assert.False(t, open)
}

func TestClosed(t *testing.T) {
	s := New()
	require.NoError(t, s.Close())
	_, err := s.Append(context.Background(), "s", eventstore.Any, ev("E"))
	assert.ErrorIs(t, err, eventstore.ErrClosed)
	_, err = readStream(t, s, "s", 0)
	assert.ErrorIs(t, err, eventstore.ErrClosed)
}
