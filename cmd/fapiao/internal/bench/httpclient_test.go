package bench

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestWireConnAnswers reads the answers net/http's server writes: with a
// Content-Length, chunked (a body written in pieces and flushed), empty,
// and statuses other than 200, all on one kept-alive connection.
func TestWireConnAnswers(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 5000) // 80 KB: more than the reader's buffer
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			io.WriteString(w, big)
		case "/page": // within the reader's buffer: read in place
			w.Header().Set("Content-Length", "20000")
			io.WriteString(w, big[:20000])
		case "/chunked":
			for i := 0; i < len(big); i += 7000 {
				io.WriteString(w, big[i:min(i+7000, len(big))])
				w.(http.Flusher).Flush()
			}
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/echo":
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusCreated)
			w.Write(body)
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	c := newWireConn(host, time.Now().Add(time.Minute))
	defer c.close()
	tests := []struct {
		method, target, token, body string
		status                      int
		want                        string
	}{
		{"GET", "/length", "tok", "", 200, big},
		{"GET", "/chunked", "tok", "", 200, big},
		{"GET", "/empty", "tok", "", 204, ""},
		{"POST", "/echo", "tok", `{"a":1}`, 201, `{"a":1}`},
		{"GET", "/length", "bad", "", 401, "no token\n"},
		{"GET", "/nowhere", "tok", "", 404, "404 page not found\n"},
		{"GET", "/chunked", "tok", "", 200, big},
		{"GET", "/page", "tok", "", 200, big[:20000]},
		{"GET", "/chunked", "tok", "", 200, big},
		{"GET", "/page", "tok", "", 200, big[:20000]},
		{"GET", "/length", "tok", "", 200, big},
		{"GET", "/page", "tok", "", 200, big[:20000]},
	}
	for _, tt := range tests {
		var body []byte
		if tt.body != "" {
			body = []byte(tt.body)
		}
		status, got, err := c.do(wireRequest(tt.method, host, tt.target, tt.token, body))
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.target, err)
		}
		if status != tt.status || string(got) != tt.want {
			t.Errorf("%s %s: %d, %d bytes; want %d, %d bytes", tt.method, tt.target, status, len(got), tt.status, len(tt.want))
		}
	}
	if c.dials != 1 || conns.Load() != 1 {
		t.Errorf("%d dials, %d connections accepted; want 1 kept alive throughout", c.dials, conns.Load())
	}
}

// TestWireConnTruncated: an answer whose connection ends before its body
// does is an error, never a short body, and the next request dials again.
func TestWireConnTruncated(t *testing.T) {
	answers := []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n5\r\nab",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n", // no last chunk
		"HTTP/1.1 200 OK\r\nContent-Le",
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for _, a := range answers {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(conn)
			for { // the request's head
				line, err := r.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
			}
			io.WriteString(conn, a)
			conn.Close()
		}
	}()
	c := newWireConn(ln.Addr().String(), time.Now().Add(time.Minute))
	defer c.close()
	req := wireRequest("GET", ln.Addr().String(), "/", "tok", nil)
	for i, a := range answers {
		status, body, err := c.do(req)
		if err == nil {
			t.Errorf("answer %d (%q): %d %q and no error", i, a, status, body)
		}
		if i < 3 && !errors.Is(err, errTruncated) {
			t.Errorf("answer %d: %v, want errTruncated", i, err)
		}
	}
	if c.dials != len(answers) {
		t.Errorf("%d dials for %d answers each on a closed connection", c.dials, len(answers))
	}
}

// TestWireConnConnectionClose: a server that says it closes is not asked
// again on the same connection.
func TestWireConnConnectionClose(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	c := newWireConn(host, time.Now().Add(time.Minute))
	defer c.close()
	for range 3 {
		status, body, err := c.do(wireRequest("GET", host, "/", "tok", nil))
		if err != nil || status != 200 || string(body) != "bye" {
			t.Fatalf("%d %q %v", status, body, err)
		}
	}
	if c.dials != 3 {
		t.Errorf("%d dials, want 3", c.dials)
	}
}
