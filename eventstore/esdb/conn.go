package esdb

import (
	"context"
	"fmt"
	"sync"
	"time"

	client "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/fapiao/fapiao/eventstore"
)

// conn is one client, the outcome of its first connection, and the calls
// under way in it.
//
// A client that has met an unreachable server is retired: no new call
// enters it, and it is closed once the calls in it have left. Closing it
// earlier would race with a call sending to the client's internal channel;
// letting a new call into it would run the client's discovery again, and a
// failed discovery leaves the client's other callers blocked for good.
type conn struct {
	c     *client.Client
	ready chan struct{} // closed when err is set
	err   error

	mu       sync.Mutex
	inflight int
	retired  bool
	closed   bool
}

// forceClose bounds how long a retired client waits for its calls: a call
// stuck inside the client is released by closing it (the client then
// panics in that call, and protect turns the panic into an error).
const forceClose = 30 * time.Second

// enter registers a call; it fails on a retired client.
func (c *conn) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.retired {
		return false
	}
	c.inflight++
	return true
}

// leave ends a call registered by enter.
func (c *conn) leave() {
	c.mu.Lock()
	c.inflight--
	last := c.retired && c.inflight == 0 && !c.closed
	if last {
		c.closed = true
	}
	c.mu.Unlock()
	if last {
		closeClient(c.c)
	}
}

// retire stops new calls and closes the client when the last call leaves.
func (c *conn) retire() {
	c.mu.Lock()
	if c.retired {
		c.mu.Unlock()
		return
	}
	c.retired = true
	now := c.inflight == 0 && !c.closed
	if now {
		c.closed = true
	}
	c.mu.Unlock()
	if now {
		closeClient(c.c)
		return
	}
	time.AfterFunc(forceClose, func() {
		c.mu.Lock()
		force := !c.closed
		c.closed = true
		c.mu.Unlock()
		if force {
			closeClient(c.c)
		}
	})
}

func closeClient(c *client.Client) {
	if c != nil {
		_ = protect(c.Close)
	}
}

// conn returns a connected client with a call registered in it (the caller
// must leave), making a client if needed.
func (s *Store) conn(ctx context.Context) (*conn, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, eventstore.ErrClosed
		}
		c := s.cur
		if c == nil {
			c = s.dialLocked()
			s.cur = c
		}
		s.mu.Unlock()
		if !c.enter() {
			s.drop(c)
			continue
		}
		select {
		case <-c.ready:
		case <-ctx.Done():
			c.leave()
			return nil, ctx.Err()
		case <-s.done:
			c.leave()
			return nil, eventstore.ErrClosed
		}
		if c.err != nil {
			c.leave()
			s.discard(c)
			return nil, c.err
		}
		return c, nil
	}
}

func (s *Store) dialLocked() *conn {
	c := &conn{ready: make(chan struct{})}
	cfg := s.cfg
	cl, err := client.NewClient(&cfg)
	if err != nil {
		c.err = fmt.Errorf("esdb: new client: %w", err)
		close(c.ready)
		return c
	}
	c.c = cl
	c.inflight++ // the first connection below
	go func() {
		defer c.leave()
		defer close(c.ready)
		// GetServerVersion runs the client's discovery: for a single node,
		// the server-features call that proves the server answers.
		err := protect(func() error {
			_, err := cl.GetServerVersion()
			return err
		})
		if err != nil {
			c.err = fmt.Errorf("%w: %s: %v", eventstore.ErrUnavailable, s.cfg.Address, err)
		}
	}()
	return c
}

// drop forgets c as the current client.
func (s *Store) drop(c *conn) {
	s.mu.Lock()
	if s.cur == c {
		s.cur = nil
	}
	s.mu.Unlock()
}

// discard forgets c and retires it: the next call makes a new client.
func (s *Store) discard(c *conn) {
	s.drop(c)
	c.retire()
}

// Close closes the store and its client. Calls after Close fail with
// eventstore.ErrClosed; running reads and subscriptions end with it.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	c := s.cur
	s.cur = nil
	s.mu.Unlock()
	if c != nil {
		c.retire()
	}
	return nil
}
