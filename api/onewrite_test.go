package api_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fapiao/fapiao/api"
)

// newOneWriteServer serves h as serve does: on api.OneWriteListener with
// api.OneWriteConnContext (every test of the API goes through it). wrap,
// when not nil, wraps the loopback listener underneath.
func newOneWriteServer(h http.Handler, wrap func(net.Listener) net.Listener) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	ln := srv.Listener
	if wrap != nil {
		ln = wrap(ln)
	}
	srv.Listener = api.OneWriteListener(ln)
	srv.Config.ConnContext = api.OneWriteConnContext
	srv.Start()
	return srv
}

// countingListener counts the writes to its connections.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, writes: l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func (c countingConn) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

// rawGet sends a GET on conn and returns the whole answer: status line,
// headers without Date and X-Request-Id (they change), and body.
func rawGet(t *testing.T, conn net.Conn, r *bufio.Reader, target, token string) string {
	t.Helper()
	_, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", target, token)
	require.NoError(t, err)
	resp, err := http.ReadResponse(r, nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	resp.Header.Del("Date")
	resp.Header.Del("X-Request-Id")
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n", resp.Status)
	require.NoError(t, resp.Header.Write(&b))
	b.Write(body)
	return b.String()
}

// newLargeLogServer is a seeded test server with nine months' statements
// posted, so that a page of the log outgrows net/http's 4 KiB buffer, and
// with its projections caught up, so that every server over its handler
// reads the same balance.
func newLargeLogServer(t *testing.T) *testServer {
	s := newTestServer(t)
	s.seed()
	var last response
	for m := 1; m <= 9; m++ {
		last = s.must(201, "POST", "/v1/accounts/acc-1/statements", tokBilling, statementBody(fmt.Sprintf("2025-%02d", m), "10.00"))
	}
	require.NoError(t, s.proj.WaitFor(context.Background(), position(t, last)))
	return s
}

// A JSON answer larger than net/http's 4 KiB buffer leaves in one write,
// byte for byte what net/http writes in two without the wrapper; a small
// one in one write either way.
func TestOneWriteAnswer(t *testing.T) {
	s := newLargeLogServer(t)
	large := "/v1/events?from=0&limit=100"
	small := "/v1/accounts/acc-1/invoiceable"
	var held, plain atomic.Int64
	withWrapper := newOneWriteServer(s.handler, func(ln net.Listener) net.Listener { return countingListener{ln, &held} })
	defer withWrapper.Close()
	without := httptest.NewUnstartedServer(s.handler)
	without.Listener = countingListener{without.Listener, &plain}
	without.Start()
	defer without.Close()

	answers := func(srv *httptest.Server, writes *atomic.Int64) (map[string]string, map[string]int64) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		require.NoError(t, err)
		defer conn.Close()
		r := bufio.NewReader(conn)
		got, n := map[string]string{}, map[string]int64{}
		for _, target := range []string{large, small, large} {
			before := writes.Load()
			got[target] = rawGet(t, conn, r, target, tokAuditor)
			n[target] = writes.Load() - before
		}
		return got, n
	}
	gotHeld, nHeld := answers(withWrapper, &held)
	gotPlain, nPlain := answers(without, &plain)
	require.Contains(t, gotHeld[large], "200 OK")
	require.Greater(t, len(gotHeld[large]), 8<<10, "the large answer must outgrow net/http's buffer")
	require.Equal(t, gotPlain, gotHeld)
	require.Equal(t, map[string]int64{large: 1, small: 1}, nHeld)
	require.Equal(t, map[string]int64{large: 2, small: 1}, nPlain)
}

// On the kernel's connections (no wrapper underneath: the tail of a large
// body is sent with writev from the answer's slice) the answers are still
// byte for byte net/http's.
func TestOneWriteAnswerVectored(t *testing.T) {
	s := newLargeLogServer(t)
	vectored := newOneWriteServer(s.handler, nil)
	defer vectored.Close()
	plain := httptest.NewServer(s.handler)
	defer plain.Close()
	answers := func(srv *httptest.Server) []string {
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		require.NoError(t, err)
		defer conn.Close()
		r := bufio.NewReader(conn)
		var got []string
		for _, target := range []string{"/v1/events?from=0&limit=100", "/v1/accounts/acc-1/invoiceable", "/v1/events?from=0&limit=40", "/v1/events?from=0&limit=100"} {
			got = append(got, rawGet(t, conn, r, target, tokAuditor))
		}
		return got
	}
	got, want := answers(vectored), answers(plain)
	require.Greater(t, len(got[0]), 8<<10)
	require.Equal(t, want, got)
}

// One keep-alive connection carrying several callers' tokens (a proxy's
// pool): each request is authenticated as its own token, whatever the
// connection accepted before, and a refused token is refused.
func TestTokensShareAConnection(t *testing.T) {
	s := newTestServer(t)
	s.seed()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	r := bufio.NewReader(conn)
	status := func(target, token string) string {
		return strings.SplitN(rawGet(t, conn, r, target, token), "\n", 2)[0]
	}
	const mine, others = "/v1/accounts/acc-1/invoiceable", "/v1/accounts/acc-2/invoiceable"
	for range 2 {
		require.Equal(t, "200 OK", status(mine, tokCustomer))
		require.Equal(t, "404 Not Found", status(others, tokCustomer), "a customer sees only its account")
		require.Equal(t, "200 OK", status(others, tokFinance))
		require.Equal(t, "404 Not Found", status(others, tokCustomer), "the finance token accepted before is not this request's")
		require.Equal(t, "401 Unauthorized", status(mine, tokCustomer+"x"))
		require.Equal(t, "401 Unauthorized", status(mine, tokCustomer[:len(tokCustomer)-1]+"9"))
		require.Equal(t, "200 OK", status(mine, tokAuditor))
	}
}
