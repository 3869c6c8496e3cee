package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

func sha256Hex(s string) string {
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:])
}

func fmtSscan(s string, n *uint64) (int, error) { return fmt.Sscan(s, n) }

// lastPosition is the store's head, for Fapiao-Min-Position.
func (s *testServer) lastPosition() string { return fmt.Sprint(s.store.LastPosition()) }

var quiet = slog.New(slog.DiscardHandler)

// caughtUpHandler is the projections runner's logger in tests: it signals
// when the runner reports it caught up, so tests wait for readiness instead
// of polling it.
type caughtUpHandler struct {
	once sync.Once
	ch   chan struct{}
}

func (h *caughtUpHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *caughtUpHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *caughtUpHandler) WithGroup(string) slog.Handler            { return h }
func (h *caughtUpHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "caught up") {
		h.once.Do(func() { close(h.ch) })
	}
	return nil
}
