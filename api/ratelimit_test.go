package api

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLimiterConcurrentTokens: goroutines racing on several tokens get
// exactly each bucket's burst when no time passes, however they interleave,
// and a token's bucket is unaffected by the others.
func TestLimiterConcurrentTokens(t *testing.T) {
	const burst, workers, tries = 50, 8, 40
	tests := []struct {
		name   string
		tokens int
	}{
		{"one token", 1},
		{"four tokens", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLimiter(0.001, burst)
			now := time.Unix(1_700_000_000, 0)
			allowed := make([]atomic.Int64, tt.tokens)
			var wg sync.WaitGroup
			for w := range workers * tt.tokens {
				wg.Add(1)
				go func() {
					defer wg.Done()
					k := w % tt.tokens
					key := sha256.Sum256([]byte{byte(k)})
					for range tries {
						if _, ok := l.take(key, now); ok {
							allowed[k].Add(1)
						}
					}
				}()
			}
			wg.Wait()
			for k := range allowed {
				if got := allowed[k].Load(); got != burst {
					t.Fatalf("token %d: %d allowed, want the burst %d", k, got, burst)
				}
			}
			wait, ok := l.take(sha256.Sum256([]byte{0}), now)
			if ok || wait <= 0 {
				t.Fatalf("empty bucket: ok %v wait %v", ok, wait)
			}
		})
	}
}
