package eventstore_test

import (
	"testing"
	"time"

	"github.com/fapiao/fapiao/eventstore"
)

func TestBackoffDoublesUpToMax(t *testing.T) {
	b := eventstore.Backoff{Min: 50 * time.Millisecond, Max: 2 * time.Second}
	want := []time.Duration{50, 100, 200, 400, 800, 1600, 2000, 2000}
	for try, ms := range want {
		if got := b.Delay(try); got != ms*time.Millisecond {
			t.Errorf("Delay(%d) = %v, want %v", try, got, ms*time.Millisecond)
		}
	}
	for _, try := range []int{30, 63, 64, 1 << 30} {
		if got := b.Delay(try); got != b.Max {
			t.Errorf("Delay(%d) = %v, want Max (no overflow)", try, got)
		}
	}
	if got := (eventstore.Backoff{Min: time.Second, Max: time.Millisecond}).Delay(0); got != time.Millisecond {
		t.Errorf("Min above Max: Delay(0) = %v, want Max", got)
	}
}
