package api_test

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
	"github.com/fapiao/fapiao/internal/testkit"
)

// TestAccessLogLine: a request is one text line with its fields in order,
// stamped with the time the request ended and no source; a logger set above
// Info writes no line for a request that went well.
// Both with slog's text handler and with api.NewAccessLog (serve's, which
// writes the line itself).
func TestAccessLogLine(t *testing.T) {
	for name, logger := range map[string]func(*testkit.SyncBuffer) *slog.Logger{
		"slog":         func(b *testkit.SyncBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) },
		"NewAccessLog": func(b *testkit.SyncBuffer) *slog.Logger { return api.NewAccessLog(b) },
	} {
		t.Run(name, func(t *testing.T) { testAccessLogLine(t, logger) })
	}
}

func testAccessLogLine(t *testing.T, logger func(*testkit.SyncBuffer) *slog.Logger) {
	var buf testkit.SyncBuffer
	s := newTestServer(t, func(c *api.Config) { c.AccessLog = logger(&buf) })
	before := time.Now().Truncate(time.Millisecond)
	r := s.call("GET", "/v1/accounts/acc-1/invoiceable", tokCustomer, nil, "X-Request-Id", "line-1")
	after := time.Now()
	var line string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "request_id=line-1") {
			line = l
		}
	}
	re := regexp.MustCompile(fmt.Sprintf(`^time=(\S+) level=INFO msg="http request" method=GET route=/v1/accounts/:acc/invoiceable status=%d latency=\S+ request_id=line-1 role=customer$`, r.Status))
	m := re.FindStringSubmatch(line)
	require.NotNil(t, m, "access line %q", line)
	at, err := time.Parse(time.RFC3339Nano, m[1])
	require.NoError(t, err)
	require.False(t, at.Before(before) || at.After(after), "logged at %s, request between %s and %s", at, before, after)

	var quietBuf testkit.SyncBuffer
	q := newTestServer(t, func(c *api.Config) {
		c.AccessLog = slog.New(slog.NewTextHandler(&quietBuf, &slog.HandlerOptions{Level: slog.LevelError}))
	})
	q.must(200, "GET", "/v1/accounts/acc-1/invoiceable", tokCustomer, nil)
	require.Empty(t, quietBuf.String())
}
