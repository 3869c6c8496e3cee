package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// The HTTP scenario's load generator. It shares the server's cores, so it
// does what wrk does and no more: each client keeps one keep-alive
// HTTP/1.1 connection, writes requests built once as bytes and reads the
// answers with a bufio.Reader — the status line, the headers it needs
// (Content-Length, Transfer-Encoding, Connection) and the whole body —
// into buffers reused from one request to the next. net/http's client did
// the same exchange for about 50 µs of CPU a request (docs/performance.md,
// "The bench's client made lean").

// wireRequest returns the bytes of one HTTP/1.1 request: the bearer token
// and, with a body, its type and length.
func wireRequest(method, host, target, token string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: fapiao-bench\r\nAuthorization: Bearer %s\r\n", method, target, host, token)
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// wireConn is one keep-alive connection to host. It is not safe for
// concurrent use: each client goroutine has its own.
type wireConn struct {
	host     string // host:port
	deadline time.Time
	conn     net.Conn
	r        *bufio.Reader
	body     []byte // the last answer's body: in buf or in r's buffer
	buf      []byte // the body's own buffer, reused
	dials    int    // connections opened (1 for a connection kept alive throughout)
}

// newWireConn returns a connection to host (dialled on first use) whose
// reads and writes fail after deadline.
func newWireConn(host string, deadline time.Time) *wireConn {
	return &wireConn{host: host, deadline: deadline}
}

// errTruncated is an answer that ended before its body did.
var errTruncated = errors.New("bench: answer truncated")

// do sends req (from wireRequest) and reads the answer; body is valid until
// the next call. After an error the connection is closed and the next call
// dials again.
func (w *wireConn) do(req []byte) (status int, body []byte, err error) {
	if w.conn == nil {
		if err := w.dial(); err != nil {
			return 0, nil, err
		}
	}
	keep := false
	defer func() {
		if !keep {
			w.close()
		}
	}()
	if _, err := w.conn.Write(req); err != nil {
		return 0, nil, err
	}
	status, keep, err = w.read(bytes.HasPrefix(req, []byte("HEAD ")))
	if err != nil {
		keep = false
		return 0, nil, err
	}
	return status, w.body, nil
}

func (w *wireConn) dial() error {
	c, err := net.Dial("tcp", w.host)
	if err != nil {
		return err
	}
	if err := c.SetDeadline(w.deadline); err != nil {
		c.Close()
		return err
	}
	w.conn, w.dials = c, w.dials+1
	if w.r == nil {
		w.r = bufio.NewReaderSize(c, 64<<10) // a page of invoices (~20 KB) in one read
	} else {
		w.r.Reset(c)
	}
	return nil
}

func (w *wireConn) close() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// read reads one answer into w.body; keep is false when the server said it
// closes the connection (or the body ran to its end).
func (w *wireConn) read(head bool) (status int, keep bool, err error) {
	line, err := w.line()
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, fmt.Errorf("bench: bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("bench: bad status line %q", line)
	}
	length, chunked, keep := int64(-1), false, line[7] == '1'
	for {
		line, err := w.line()
		if err != nil {
			return 0, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("bench: bad header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "Content-Length"):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil || length < 0 {
				return 0, false, fmt.Errorf("bench: bad Content-Length %q", value)
			}
		case asciiEqualFold(name, "Transfer-Encoding"):
			chunked = asciiEqualFold(value, "chunked")
		case asciiEqualFold(name, "Connection"):
			keep = keep && !asciiEqualFold(value, "close")
		}
	}
	w.body = w.buf[:0]
	switch {
	case head || status == 204 || status == 304 || status/100 == 1:
		return status, keep, nil
	case chunked:
		err := w.readChunked()
		w.buf = w.body[:0]
		return status, keep, err
	case length >= 0 && length <= int64(w.r.Size()):
		// Read in place: the body stays in r's buffer until the next read,
		// as long as do promises, instead of a copy of every page (a tenth
		// of the client's CPU under the GETs).
		b, err := w.r.Peek(int(length))
		if err != nil {
			return 0, false, truncated(err)
		}
		w.body = b[:len(b):len(b)]
		_, _ = w.r.Discard(len(b)) // cannot fail: the bytes are buffered
		return status, keep, nil
	case length >= 0:
		if int64(cap(w.buf)) < length {
			w.buf = make([]byte, 0, length)
		}
		w.body = w.buf[:length]
		if _, err := io.ReadFull(w.r, w.body); err != nil {
			return 0, false, truncated(err)
		}
		return status, keep, nil
	default: // the body runs to the connection's end
		var b bytes.Buffer
		_, err := b.ReadFrom(w.r)
		w.body = b.Bytes()
		return status, false, err
	}
}

// readChunked reads a chunked body (RFC 9112 section 7.1), trailers dropped.
func (w *wireConn) readChunked() error {
	for {
		line, err := w.line()
		if err != nil {
			return truncated(err)
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i] // a chunk extension
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("bench: bad chunk size %q", line)
		}
		if size == 0 {
			for { // trailers, up to the empty line
				line, err := w.line()
				if err != nil {
					return truncated(err)
				}
				if len(line) == 0 {
					return nil
				}
			}
		}
		n := len(w.body)
		w.body = append(w.body, make([]byte, size)...)
		if _, err := io.ReadFull(w.r, w.body[n:]); err != nil {
			return truncated(err)
		}
		if crlf, err := w.line(); err != nil || len(crlf) != 0 {
			if err == nil {
				err = fmt.Errorf("bench: chunk longer than its size")
			}
			return truncated(err)
		}
	}
}

// line returns the next line without its CRLF (or LF); it is valid until
// the next read.
func (w *wireConn) line() ([]byte, error) {
	line, err := w.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("bench: header line longer than %d bytes", w.r.Size())
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errTruncated
	}
	return err
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
