package transparency_test

import (
	"context"
	"errors"
	"iter"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/eventstore"
	"github.com/fapiao/fapiao/eventstore/memstore"
	"github.com/fapiao/fapiao/eventstore/transparency"
)

// droppingStore is a memstore whose first subscriptions fail at once, and
// that notes when each subscription was asked for.
type droppingStore struct {
	*memstore.Store
	drops int
	start time.Time

	mu    sync.Mutex
	asked []time.Duration // since start
}

func (s *droppingStore) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.Message, error] {
	s.mu.Lock()
	s.asked = append(s.asked, time.Since(s.start))
	n := len(s.asked)
	s.mu.Unlock()
	if n <= s.drops {
		return func(yield func(eventstore.Message, error) bool) {
			yield(eventstore.Message{}, errors.New("dropped"))
		}
	}
	return s.Store.Subscribe(ctx, after)
}

// TestFollowResubscribesWithBackoff: after each dropped subscription the
// follower waits 50 ms, then twice as long each time, and then catches up
// with the whole log. On synctest's clock the waits are exact and cost no
// real time.
func TestFollowResubscribesWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := memstore.New()
		defer mem.Close()
		appendFixed(t, mem, 0, 7)
		s := &droppingStore{Store: mem, drops: 3, start: time.Now()}
		tree := transparency.New()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- transparency.Follow(ctx, s, tree, nil, nil) }()

		time.Sleep(time.Second)
		synctest.Wait()
		s.mu.Lock()
		asked := append([]time.Duration(nil), s.asked...)
		s.mu.Unlock()
		ms := time.Millisecond
		require.Equal(t, []time.Duration{0, 50 * ms, 150 * ms, 350 * ms}, asked)
		require.Equal(t, int64(7), tree.Size())

		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
}
