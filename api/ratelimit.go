package api

import (
	"crypto/sha256"
	"math"
	"sync"
	"time"
)

// limiter keeps one token bucket per bearer token. The set of keys is
// bounded by the tokens file, so buckets are never evicted. Each bucket
// has its own lock and the map is read-locked once a token has its
// bucket, so requests with different tokens do not queue on one mutex.
type limiter struct {
	rate  float64 // tokens per second; <= 0 disables limiting
	burst float64
	mu    sync.RWMutex
	b     map[[sha256.Size]byte]*bucket
}

type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), b: map[[sha256.Size]byte]*bucket{}}
}

// bucket returns key's bucket, made full on first use (at now).
func (l *limiter) bucket(key [sha256.Size]byte, now time.Time) *bucket {
	l.mu.RLock()
	b, ok := l.b[key]
	l.mu.RUnlock()
	if ok {
		return b
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.b[key]; ok {
		return b
	}
	b = &bucket{tokens: l.burst, last: now}
	l.b[key] = b
	return b
}

// take spends one token of key's bucket at now. When the bucket is empty
// it reports how long until a token is back.
func (l *limiter) take(key [sha256.Size]byte, now time.Time) (time.Duration, bool) {
	if l.rate <= 0 {
		return 0, true
	}
	b := l.bucket(key, now)
	b.mu.Lock()
	defer b.mu.Unlock()
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
