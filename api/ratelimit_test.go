package api

import (
	"crypto/sha256"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
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
			l := newKeyedLimiter[[32]byte](0.001, burst, maxBuckets)
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
						if _, ok := l.take(key, 1, now); ok {
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
			wait, ok := l.take(sha256.Sum256([]byte{0}), 1, now)
			if ok || wait <= 0 {
				t.Fatalf("empty bucket: ok %v wait %v", ok, wait)
			}
		})
	}
}

// TestLimiterRetryAfterFromReservation: the wait a refused caller is told is
// the reservation's delay, and after waiting that long (on synctest's fake
// clock) the caller passes; before it, not.
func TestLimiterRetryAfterFromReservation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newKeyedLimiter[string](0.5, 2, maxBuckets) // a token every 2 s
		for i := range 2 {
			if _, ok := l.take("k", 1, time.Now()); !ok {
				t.Fatalf("take %d refused within the burst", i)
			}
		}
		wait, ok := l.take("k", 1, time.Now())
		if ok || wait != 2*time.Second {
			t.Fatalf("empty bucket: ok %v wait %v, want refused for 2s", ok, wait)
		}
		if got := retryAfter(wait); got != 2 {
			t.Fatalf("Retry-After %d, want 2", got)
		}
		time.Sleep(wait - time.Millisecond)
		if _, ok := l.take("k", 1, time.Now()); ok {
			t.Fatal("passed before the wait was over")
		}
		time.Sleep(time.Millisecond)
		if _, ok := l.take("k", 1, time.Now()); !ok {
			t.Fatal("refused after waiting what it was told")
		}
	})
}

// TestLimiterBucketsBounded: however many keys a caller invents, the table
// holds at most max buckets; new keys share the overflow bucket while all
// are busy, and idle (refilled) buckets make room again.
func TestLimiterBucketsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const max = 8
		l := newKeyedLimiter[int](1, 2, max)
		for k := range 10_000 {
			l.take(k, 2, time.Now()) // every bucket left empty: busy
			if n := l.len(); n > max {
				t.Fatalf("%d buckets after %d keys, want at most %d", n, k+1, max)
			}
		}
		// The overflow bucket was spent by the keys past max: a new key is refused.
		if _, ok := l.take(-1, 1, time.Now()); ok {
			t.Fatal("a new key passed while the table was full of busy buckets")
		}
		time.Sleep(3 * time.Second) // every bucket refills: idle
		if _, ok := l.take(-1, 1, time.Now()); !ok {
			t.Fatal("a new key was refused though every bucket was idle")
		}
		if l.lookup(-1) == nil {
			t.Fatal("the new key did not get its own bucket after idle ones were dropped")
		}
		if n := l.len(); n > max {
			t.Fatalf("%d buckets, want at most %d", n, max)
		}
	})
}

// TestLimiterChargeGoesIntoDebt: work already done is charged in full, so
// a caller who overspent waits it off before the next check passes.
func TestLimiterChargeGoesIntoDebt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newKeyedLimiter[string](1, 10, maxBuckets)
		l.charge("acc", 10, time.Now())
		l.charge("acc", 5, time.Now())
		wait, blocked := l.blocked("acc", time.Now())
		if !blocked || wait != 6*time.Second {
			t.Fatalf("blocked %v wait %v, want 6s (5 in debt, 1 to spend)", blocked, wait)
		}
		time.Sleep(wait)
		if _, blocked := l.blocked("acc", time.Now()); blocked {
			t.Fatal("still blocked after the debt was waited off")
		}
	})
}

func TestLimiterDisabled(t *testing.T) {
	l := newKeyedLimiter[string](-1, 1, 1)
	now := time.Now()
	for range 1000 {
		if _, ok := l.take("k", 1, now); !ok {
			t.Fatal("a disabled limiter refused")
		}
	}
	l.charge("k", 1000, now)
	if _, blocked := l.blocked("k", now); blocked || l.len() != 0 {
		t.Fatal("a disabled limiter keeps buckets")
	}
}

// TestClientKey: failed authentications count against the peer address,
// IPv6 by /64 (one subscriber's block), IPv4-mapped as IPv4.
func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:5555", "192.0.2.7/32"},
		{"[::ffff:192.0.2.7]:5555", "192.0.2.7/32"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
	} {
		if got := clientKey(tc.remote); got != netip.MustParsePrefix(tc.want) {
			t.Errorf("clientKey(%q) = %v, want %s", tc.remote, got, tc.want)
		}
	}
}
