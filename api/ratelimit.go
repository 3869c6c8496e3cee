package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Default limits (Config and serve's flags override them).
const (
	// DefaultRateLimit and DefaultBurst: each token's requests per second
	// and bucket size.
	DefaultRateLimit = 1000
	DefaultBurst     = 2000
	// DefaultAuthFailLimit and DefaultAuthFailBurst: failed authentications
	// per second, and in one burst, from one client address. Past them the
	// address gets 429 before its token is even looked at, so guessing
	// tokens runs at this pace, not at the server's.
	DefaultAuthFailLimit = 1
	DefaultAuthFailBurst = 50
	// DefaultAccountWriteBudget is the events one account may gain per
	// minute, and at once, from its customers (and, separately, from staff):
	// far above what people do (a burst of 100 commands passes), far below
	// what a loop does (an apply→cancel loop wrote ≈900 events/s).
	DefaultAccountWriteBudget = 600
	// maxBuckets bounds each limiter's table; past it idle buckets are
	// dropped, and while every bucket is busy new keys share one.
	maxBuckets = 1 << 16
)

// keyedLimiter keeps one token bucket (a rate.Limiter) per key, at most max
// of them, so that a caller who invents keys (client addresses) cannot grow
// memory. A bucket that has refilled completely is idle: dropping it loses
// nothing, as a new one starts full. When the table is full and nothing is
// idle, new keys share the overflow bucket until something is.
type keyedLimiter[K comparable] struct {
	limit rate.Limit // rate.Inf: never limits
	burst int
	max   int

	mu        sync.RWMutex
	buckets   map[K]*rate.Limiter
	overflow  *rate.Limiter
	lastSweep time.Time
}

// newKeyedLimiter makes buckets of burst refilled at perSecond; a
// perSecond <= 0 disables limiting.
func newKeyedLimiter[K comparable](perSecond float64, burst, max int) *keyedLimiter[K] {
	l := &keyedLimiter[K]{limit: rate.Limit(perSecond), burst: max1(burst), max: max1(max), buckets: map[K]*rate.Limiter{}}
	if perSecond <= 0 || math.IsInf(perSecond, 1) {
		l.limit = rate.Inf
	}
	l.overflow = rate.NewLimiter(l.limit, l.burst)
	return l
}

func max1(n int) int { return max(n, 1) }

// disabled reports whether the limiter lets everything through.
func (l *keyedLimiter[K]) disabled() bool { return l.limit == rate.Inf }

// lookup returns key's bucket, or nil when it has none.
func (l *keyedLimiter[K]) lookup(key K) *rate.Limiter {
	l.mu.RLock()
	b := l.buckets[key]
	l.mu.RUnlock()
	return b
}

// bucket returns key's bucket, made (full) on first use.
func (l *keyedLimiter[K]) bucket(key K, now time.Time) *rate.Limiter {
	if b := l.lookup(key); b != nil {
		return b
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[key]; b != nil {
		return b
	}
	if len(l.buckets) >= l.max {
		// A sweep walks the whole table: at most one a second, so a flood
		// of new keys cannot make every request pay for one.
		if now.Sub(l.lastSweep) >= time.Second || now.Before(l.lastSweep) {
			l.lastSweep = now
			for k, b := range l.buckets {
				if b.TokensAt(now) >= float64(l.burst) {
					delete(l.buckets, k)
				}
			}
		}
		if len(l.buckets) >= l.max {
			return l.overflow
		}
	}
	b := rate.NewLimiter(l.limit, l.burst)
	l.buckets[key] = b
	return b
}

// len reports how many buckets are kept.
func (l *keyedLimiter[K]) len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.buckets)
}

// take spends n tokens of key's bucket at now if it has them; otherwise it
// spends nothing and says how long until they are back (from the
// reservation it cancels).
func (l *keyedLimiter[K]) take(key K, n int, now time.Time) (time.Duration, bool) {
	if l.disabled() {
		return 0, true
	}
	return reserve(l.bucket(key, now), min(n, l.burst), now)
}

// blocked reports whether key's bucket, if it has one, is empty, and how
// long until it holds a token again. It spends nothing.
func (l *keyedLimiter[K]) blocked(key K, now time.Time) (time.Duration, bool) {
	if l.disabled() {
		return 0, false
	}
	b := l.lookup(key)
	if b == nil || b.TokensAt(now) >= 1 {
		return 0, false
	}
	r := b.ReserveN(now, 1)
	defer r.CancelAt(now)
	return r.DelayFrom(now), true
}

// charge spends n tokens of key's bucket whether or not it has them: the
// bucket may go into debt, which later callers wait off. It records work
// already done (events already appended).
func (l *keyedLimiter[K]) charge(key K, n int, now time.Time) {
	if l.disabled() || n <= 0 {
		return
	}
	l.bucket(key, now).ReserveN(now, min(n, l.burst))
}

func reserve(b *rate.Limiter, n int, now time.Time) (time.Duration, bool) {
	// AllowN on the path every request takes: ReserveN allocates its
	// reservation, and only a refusal needs the delay.
	if b.AllowN(now, n) {
		return 0, true
	}
	r := b.ReserveN(now, n)
	if !r.OK() {
		return time.Hour, false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// retryAfter is a wait in whole seconds for Retry-After, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// clientKey is the address a failed authentication is counted against:
// the connection's peer (never a header a client can set), IPv6 by /64,
// the block one subscriber usually holds.
func clientKey(remoteAddr string) netip.Prefix {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}
	}
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// writeKey names an account's write budget: its customers' and its staff's
// are separate, so a customer who spends theirs does not stop finance from
// working the account.
type writeKey struct {
	account string
	staff   bool
}

// initLimits fills in the limits' defaults and makes the limiters.
func (s *server) initLimits() {
	c := &s.cfg
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.AuthFailLimit == 0 {
		c.AuthFailLimit = DefaultAuthFailLimit
	}
	if c.AuthFailBurst <= 0 {
		c.AuthFailBurst = DefaultAuthFailBurst
	}
	if c.AccountWriteBudget == 0 {
		c.AccountWriteBudget = DefaultAccountWriteBudget
	}
	s.limiter = newKeyedLimiter[[32]byte](c.RateLimit, c.Burst, maxBuckets)
	s.authFail = newKeyedLimiter[netip.Prefix](c.AuthFailLimit, c.AuthFailBurst, maxBuckets)
	s.writes = newKeyedLimiter[writeKey](float64(c.AccountWriteBudget)/60, c.AccountWriteBudget, maxBuckets)
}

// checkWriteBudget refuses a command on an account whose write budget is
// spent. The command's events are charged after it ran (charge): only the
// ledger knows how many it appends, so a burst may overdraw the budget by
// one command's events, which the following callers wait off.
func (s *server) checkWriteBudget(k writeKey) error {
	wait, blocked := s.writes.blocked(k, s.clock.Now())
	if !blocked {
		return nil
	}
	pr := problem(http.StatusTooManyRequests,
		fmt.Sprintf("This account's write budget (%d events a minute) is spent; wait before sending more commands.", s.cfg.AccountWriteBudget))
	pr.RetryAfter = retryAfter(wait)
	return pr
}
