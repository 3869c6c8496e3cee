package api

import (
	"context"
	"crypto/subtle"
	"net"
	"net/netip"
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
	_, tcp := c.(*net.TCPConn)
	return &oneWriteConn{Conn: c, vectored: tcp}, nil
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
	// vectored: the connection is the kernel's (*net.TCPConn), which sends
	// several slices in one writev.
	vectored bool
	// body is the answer's body while holding. net/http writes a body's
	// end that outgrows its buffer straight from the handler's slice: on a
	// vectored connection that tail is kept as the slice, not copied (most
	// of a large page), and sent after held.
	body, tail []byte
	bufs       [2][]byte
	vec        net.Buffers // over bufs: a field, as a local it would be allocated
	// auth is what authenticate keeps between the connection's requests.
	auth connAuth
}

// connAuth is what the requests of one connection share, so that each does
// not work it out again: the client's address key, and the last token
// Lookup accepted on it with its principal. Only the goroutine serving the
// connection reads or writes it (HTTP/1: one request at a time).
type connAuth struct {
	remote    string       // the RemoteAddr client was made of
	client    netip.Prefix // clientKey(remote)
	tokens    *Tokens      // the set token was accepted by
	token     string
	principal Principal
}

// sameToken is a == b in a time that depends on their lengths only
// (subtle.ConstantTimeCompare without converting the strings to slices).
func sameToken(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

// clientKey is clientKey(remote), made once for the connection's address.
func (a *connAuth) clientKey(remote string) netip.Prefix {
	if a.remote != remote || remote == "" {
		a.remote, a.client = remote, clientKey(remote)
	}
	return a.client
}

// lookup is t.Lookup(token), answered without hashing when token is the
// one t last accepted on this connection. The comparison takes the same
// time whatever the bytes (sameToken), so a client whose
// requests share a connection with others' (a proxy's pool) learns only
// what the answer's status tells anyway, and whether its token is as long.
func (a *connAuth) lookup(t *Tokens, token string) (Principal, bool) {
	if a.tokens == t && a.token != "" && sameToken(a.token, token) {
		return a.principal, true
	}
	p, ok := t.Lookup(token)
	if ok {
		a.tokens, a.token, a.principal = t, token, p
	}
	return p, ok
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
	if c.tail == nil && c.vectored && len(p) > 0 && len(p) <= len(c.body) && &p[len(p)-1] == &c.body[len(c.body)-1] {
		// The body's last len(p) bytes, which stay as they are until send.
		c.tail = p
		return len(p), nil
	}
	if c.tail != nil { // a write after the tail (not expected): keep the order
		*c.held = append(*c.held, c.tail...)
		c.tail = nil
	}
	// net/http reuses its buffer once Write returns: keep a copy.
	*c.held = append(*c.held, p...)
	return len(p), nil
}

// hold starts holding writes; body is the answer's body, which must not
// change until send.
func (c *oneWriteConn) hold(body []byte) {
	c.held = heldPool.Get().(*[]byte)
	c.body = body
}

// send writes what was held in one write and stops holding. A failed write
// closes the connection: net/http was told the bytes were written, so the
// next read ends it rather than an answer cut short being taken for whole.
func (c *oneWriteConn) send() error {
	b, tail := c.held, c.tail
	c.held, c.body, c.tail = nil, nil, nil
	defer func() {
		if cap(*b) <= 2*oneWriteMax {
			*b = (*b)[:0]
			heldPool.Put(b)
		}
	}()
	var err error
	switch {
	case tail == nil && len(*b) == 0:
		return nil
	case tail == nil:
		_, err = c.Conn.Write(*b)
	case len(*b) == 0:
		_, err = c.Conn.Write(tail)
	default:
		c.bufs = [2][]byte{*b, tail}
		c.vec = c.bufs[:]
		_, err = c.vec.WriteTo(c.Conn) // one writev, or as many as the kernel needs
		c.bufs, c.vec = [2][]byte{}, nil
	}
	if err != nil {
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
	oc := connOf(c)
	if oc == nil || len(b) < oneWriteMin || len(b) > oneWriteMax || oc.held != nil {
		return c.Blob(status, contentType, b)
	}
	oc.hold(b)
	defer func() {
		if serr := oc.send(); err == nil {
			err = serr
		}
	}()
	return c.Blob(status, contentType, b)
}

// connOf returns the request's connection when it is OneWriteListener's:
// requestID looks it up once for the whole chain.
func connOf(c echo.Context) *oneWriteConn {
	if rc, ok := c.(*reqContext); ok {
		return rc.st.conn
	}
	oc, _ := c.Request().Context().Value(oneWriteKey{}).(*oneWriteConn)
	return oc
}
