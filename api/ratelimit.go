package api

import (
	"crypto/sha256"
	"math"
	"sync"
	"time"
)

// limiter keeps one token bucket per bearer token. The set of keys is
// bounded by the tokens file, so buckets are never evicted.
type limiter struct {
	rate  float64 // tokens per second; <= 0 disables limiting
	burst float64
	mu    sync.Mutex
	b     map[[sha256.Size]byte]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), b: map[[sha256.Size]byte]*bucket{}}
}

// take spends one token of key's bucket at now. When the bucket is empty
// it reports how long until a token is back.
func (l *limiter) take(key [sha256.Size]byte, now time.Time) (time.Duration, bool) {
	if l.rate <= 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.b[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.b[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return wait, false
}
