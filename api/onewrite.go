package api

import (
	"context"
	"net"
	"sync"

	"github.com/labstack/echo/v4"
)

// An answer larger than net/http's 4 KiB connection buffer leaves in two
// writes: the buffer (the header and the body's first part), then the
// rest. On loopback each write is a pass through the whole TCP stack and a
// wake-up of the reader, on both sides of the connection: a page of 20
// invoices (~17 KB) cost two. A connection from OneWriteListener lets blob
// hold the writes of one answer whose length it knows and send them in one
// (docs/performance.md, "HTTP mix, 30 Nov (s10-mix)").

// OneWriteListener wraps ln so that blob can send an answer in one write.
// Serve it with ConnContext set to OneWriteConnContext; without that, or
// without the wrapper, every answer is written as net/http writes it.
func OneWriteListener(ln net.Listener) net.Listener { return oneWriteListener{ln} }

type oneWriteListener struct{ net.Listener }

func (l oneWriteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &oneWriteConn{Conn: c}, nil
}

// oneWriteKey is the request context's key of its *oneWriteConn.
type oneWriteKey struct{}

// OneWriteConnContext is http.Server's ConnContext for OneWriteListener's
// connections: it hands each request its connection.
func OneWriteConnContext(ctx context.Context, c net.Conn) context.Context {
	if oc, ok := c.(*oneWriteConn); ok {
		return context.WithValue(ctx, oneWriteKey{}, oc)
	}
	return ctx
}

// oneWriteConn is a connection whose writes can be held and sent together.
// Only the goroutine serving the connection's request writes to it, as
// net/http does for HTTP/1 (streams and hijacking aside, which never hold).
type oneWriteConn struct {
	net.Conn
	held *[]byte // while holding: the bytes written since hold
}

// heldPool recycles the held bytes: at most oneWriteMax and a header.
var heldPool = sync.Pool{New: func() any { b := make([]byte, 0, 24<<10); return &b }}

// oneWriteMax is the largest body held: a larger one is written as
// net/http writes it, rather than copied.
const oneWriteMax = 64 << 10

// oneWriteMin is the smallest body held: below it the header and body fit
// net/http's 4 KiB buffer and leave in one write anyway.
const oneWriteMin = 3 << 10

func (c *oneWriteConn) Write(p []byte) (int, error) {
	if c.held == nil {
		return c.Conn.Write(p)
	}
	// net/http reuses its buffer once Write returns: keep a copy.
	*c.held = append(*c.held, p...)
	return len(p), nil
}

// hold starts holding writes.
func (c *oneWriteConn) hold() { c.held = heldPool.Get().(*[]byte) }

// send writes what was held in one write and stops holding. A failed write
// closes the connection: net/http was told the bytes were written, so the
// next read ends it rather than an answer cut short being taken for whole.
func (c *oneWriteConn) send() error {
	b := c.held
	c.held = nil
	defer func() {
		if cap(*b) <= 2*oneWriteMax {
			*b = (*b)[:0]
			heldPool.Put(b)
		}
	}()
	if len(*b) == 0 {
		return nil
	}
	if _, err := c.Conn.Write(*b); err != nil {
		c.Conn.Close()
		return err
	}
	return nil
}

// CloseWrite keeps net/http's half-close (an answer to a request whose body
// was over its limit, before the connection closes).
func (c *oneWriteConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// blobOneWrite writes the answer as c.Blob does, held and sent in one write
// when the connection allows it and the body is worth it. What was held is
// sent even if c.Blob panics: a connection left holding would swallow every
// later answer on it.
func blobOneWrite(c echo.Context, status int, contentType string, b []byte) (err error) {
	oc, _ := c.Request().Context().Value(oneWriteKey{}).(*oneWriteConn)
	if oc == nil || len(b) < oneWriteMin || len(b) > oneWriteMax || oc.held != nil {
		return c.Blob(status, contentType, b)
	}
	oc.hold()
	defer func() {
		if serr := oc.send(); err == nil {
			err = serr
		}
	}()
	return c.Blob(status, contentType, b)
}
