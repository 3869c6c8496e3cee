package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSlowlorisCannotHoldServer opens connections to the real binary that
// send a request header one byte at a time and never finish it. The server
// must close each within ReadHeaderTimeout (the deadline does not move as
// bytes trickle in) and answer other clients meanwhile.
func TestSlowlorisCannotHoldServer(t *testing.T) {
	t.Parallel()
	srv := startFreshServer(t)
	host := strings.TrimPrefix(srv.base, "http://")

	const conns = 64
	closed := make(chan time.Duration, conns)
	start := time.Now()
	for range conns {
		c, err := net.Dial("tcp", host)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		go func() {
			_, _ = c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
			// Trickle one header byte every 200 ms until the server hangs up.
			go func() {
				for i := 0; ; i++ {
					time.Sleep(200 * time.Millisecond)
					if _, err := c.Write([]byte{"X-Slow: 1\r\n"[i%11]}); err != nil {
						return
					}
				}
			}()
			// Whatever the server sends (nothing, or a 408), it ends in EOF or
			// a reset.
			_, err := io.Copy(io.Discard, c)
			if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
				t.Errorf("slow connection: %v", err)
			}
			closed <- time.Since(start)
		}()
	}

	// The server still answers a normal client at once.
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(srv.base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	deadline := time.After(readHeaderTimeout + 5*time.Second)
	var latest time.Duration
	for range conns {
		select {
		case d := <-closed:
			latest = max(latest, d)
		case <-deadline:
			t.Fatalf("slow connections still open %v after they started (ReadHeaderTimeout %v)", time.Since(start), readHeaderTimeout)
		}
	}
	t.Logf("all %d slow connections closed by the server after at most %v (ReadHeaderTimeout %v)", conns, latest.Round(10*time.Millisecond), readHeaderTimeout)
	require.GreaterOrEqual(t, latest, readHeaderTimeout-time.Second, "closed by the header timeout, not by something else")
}

func isReset(err error) bool {
	var se *os.SyscallError
	return errors.As(err, &se) && strings.Contains(se.Error(), "reset")
}
