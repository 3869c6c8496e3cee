package api

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// slogLine is the access line as slog's own text handler writes it.
func slogLine(at time.Time, level slog.Level, method, route string, status int, latency time.Duration, requestID, role string) string {
	var buf bytes.Buffer
	r := slog.NewRecord(at, level, "http request", 0)
	r.AddAttrs(slog.String("method", method), slog.String("route", route), slog.Int("status", status),
		slog.Duration("latency", latency), slog.String("request_id", requestID), slog.String("role", role))
	_ = slog.NewTextHandler(&buf, nil).Handle(context.Background(), r)
	return buf.String()
}

// TestAccessLineIsSlogs: the access line observe writes itself is, byte for
// byte, slog's text handler's; a value slog would quote is left to slog.
func TestAccessLineIsSlogs(t *testing.T) {
	var buf bytes.Buffer
	h := NewAccessLog(&buf).Handler().(*accessHandler)
	shanghai := time.FixedZone("CST", 8*3600)
	base := time.Date(2026, 11, 30, 4, 5, 6, 0, time.UTC)
	times := []time.Time{base, base.In(shanghai), base.Add(999_999_999), base.Add(time.Millisecond), base.Add(1_500_000).In(shanghai), time.Now()}
	latencies := []time.Duration{1, 999, time.Microsecond, 1001, 1010, 1100, 12_345, 100_000, 999_999, time.Millisecond,
		1_000_001, 1_000_010, 2_500_000, 12_345_678, 120 * time.Millisecond, 999_999_999, time.Second, 1_500_000_000, 3 * time.Minute, 0, -5}
	for range 2000 {
		latencies = append(latencies, time.Duration(rand.Int64N(int64(2*time.Second))), time.Duration(rand.Int64N(int64(time.Millisecond))))
	}
	cases := []struct {
		method, route, id, role string
		level                   slog.Level
		status                  int
		direct                  bool
	}{
		{"GET", "/v1/accounts/:acc/invoices", "3f2a-91", "customer", slog.LevelInfo, 200, true},
		{"POST", "/v1/accounts/:acc/invoices/:id/cancel", "req_1.a:b/c", "staff", slog.LevelInfo, 201, true},
		{"GET", "unmatched", "x", "-", slog.LevelInfo, 404, true},
		{"PATCH", "/v1/x", "id", "admin", slog.LevelError, 503, true},
		{"GET", "/v1/x", "with space", "customer", slog.LevelInfo, 200, false},
		{"GET", "/v1/x", "a=b", "customer", slog.LevelInfo, 200, false},
		{"GET", "/v1/x", `q"uote`, "customer", slog.LevelInfo, 200, false},
		{"GET", "/v1/x", `back\slash`, "customer", slog.LevelInfo, 200, false},
		{"GET", "/v1/x", "tab\t", "customer", slog.LevelInfo, 200, false},
		{"GET", "/v1/x", "é", "customer", slog.LevelInfo, 200, false},
		{"GET", "/v1/x", "", "customer", slog.LevelInfo, 200, false},
	}
	for i, l := range latencies {
		c := cases[i%len(cases)]
		at := times[i%len(times)]
		buf.Reset()
		direct := h.line(at, c.level, c.method, c.route, c.status, l, c.id, c.role)
		require.Equal(t, c.direct, direct, "request ID %q", c.id)
		if direct {
			require.Equal(t, slogLine(at, c.level, c.method, c.route, c.status, l, c.id, c.role), buf.String())
		} else {
			require.Zero(t, buf.Len(), "nothing written when slog must quote")
		}
	}
}

// TestAccessLogFallsBackToSlog: a line the direct path refuses, and a
// logger with attributes added, still log through slog's handler.
func TestAccessLogFallsBackToSlog(t *testing.T) {
	var buf bytes.Buffer
	l := NewAccessLog(&buf).With("k", "v")
	_, direct := l.Handler().(*accessHandler)
	require.False(t, direct, "With gives slog's handler, which writes the attributes")
	l.Info("hello")
	require.Contains(t, buf.String(), `msg=hello k=v`)
}

func BenchmarkAccessLine(b *testing.B) {
	var sink bytes.Buffer
	h := NewAccessLog(&sink).Handler().(*accessHandler)
	at := time.Now()
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink.Reset()
			h.line(at, slog.LevelInfo, "GET", "/v1/accounts/:acc/invoices", 200, 1234567, "3f2a-91c0-aa", "customer")
		}
	})
	b.Run("slog", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink.Reset()
			r := slog.NewRecord(at, slog.LevelInfo, "http request", 0)
			r.AddAttrs(slog.String("method", "GET"), slog.String("route", "/v1/accounts/:acc/invoices"), slog.Int("status", 200),
				slog.Duration("latency", 1234567), slog.String("request_id", "3f2a-91c0-aa"), slog.String("role", "customer"))
			_ = h.Handler.Handle(context.Background(), r)
		}
	})
}
