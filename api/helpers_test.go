package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
)

func sha256Hex(s string) string {
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:])
}

func fmtSscan(s string, n *uint64) (int, error) { return fmt.Sscan(s, n) }

// lastPosition is the store's head, for Fapiao-Min-Position.
func (s *testServer) lastPosition() string { return fmt.Sprint(s.store.LastPosition()) }

var quiet = slog.New(slog.DiscardHandler)
