package ledger

import (
	"context"
	"testing"
	"time"
)

// TestDetachedIsWithoutCancel: the leader's context keeps its caller's
// values and outlives the caller's cancellation and deadline, as
// context.WithoutCancel's does, and a context derived from it can still
// be canceled on its own.
func TestDetachedIsWithoutCancel(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, "v"), time.Hour)
	w := &waiter{}
	w.detached = detached{parent: parent}
	ctx := context.Context(&w.detached)
	cancel()
	if parent.Err() == nil {
		t.Fatal("parent not canceled")
	}
	if err := ctx.Err(); err != nil {
		t.Errorf("Err() = %v after the caller canceled, want nil", err)
	}
	if ctx.Done() != nil {
		t.Error("Done() is not nil: it could be closed")
	}
	if _, ok := ctx.Deadline(); ok {
		t.Error("Deadline() reports the caller's deadline")
	}
	if got := ctx.Value(key{}); got != "v" {
		t.Errorf("Value = %v, want the caller's v", got)
	}
	child, stop := context.WithCancel(ctx)
	stop()
	if child.Err() == nil {
		t.Error("a context derived from it cannot be canceled")
	}
}
