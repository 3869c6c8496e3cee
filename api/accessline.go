package api

import (
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// NewAccessLog returns the access logger serve gives Config.AccessLog: a
// slog text logger on w whose "http request" lines observe writes itself,
// byte for byte what slog.NewTextHandler(w, nil) writes, without building a
// slog.Record (slog's text handler was ~6 % of the server's CPU in the
// bench's mix of GETs and POSTs: docs/performance.md, "The mix, morning of
// 30 Nov"). Any other record, and a line with a value slog would quote (a
// client's request ID with a space, say), goes through slog's own handler.
func NewAccessLog(w io.Writer) *slog.Logger {
	return slog.New(&accessHandler{Handler: slog.NewTextHandler(w, nil), w: w})
}

// accessHandler is slog's text handler on w, with a direct path for the
// access line (line).
type accessHandler struct {
	slog.Handler
	w io.Writer
}

// accessBufs holds line buffers: Write may keep nothing of p (io.Writer),
// so a buffer is reused as soon as Write returns.
var accessBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// accessTimeLayout is RFC 3339 with milliseconds, as slog's text handler
// writes a record's time (truncated, not rounded, and always three digits).
const accessTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// accessStamp is the text of one millisecond in one location: requests
// ending in the same millisecond (tens of them under load) share it, since
// formatting a time was a third of the line's cost.
type accessStamp struct {
	ms   int64
	loc  *time.Location
	text []byte
}

var lastStamp atomic.Pointer[accessStamp]

// appendAccessTime appends at in accessTimeLayout.
func appendAccessTime(b []byte, at time.Time) []byte {
	ms, loc := at.UnixMilli(), at.Location()
	if st := lastStamp.Load(); st != nil && st.ms == ms && st.loc == loc {
		return append(b, st.text...)
	}
	n := len(b)
	b = at.AppendFormat(b, accessTimeLayout)
	lastStamp.Store(&accessStamp{ms: ms, loc: loc, text: slices.Clone(b[n:])})
	return b
}

// line writes the access line of one request and reports whether it did;
// false means a value needs slog's quoting, and nothing was written.
func (h *accessHandler) line(at time.Time, level slog.Level, method, route string, status int, latency time.Duration, requestID, role string) bool {
	if !plain(method) || !plain(route) || !plain(requestID) || !plain(role) {
		return false
	}
	bp := accessBufs.Get().(*[]byte)
	b := append((*bp)[:0], "time="...)
	b = appendAccessTime(b, at)
	b = append(b, " level="...)
	b = append(b, level.String()...)
	b = append(b, ` msg="http request" method=`...)
	b = append(b, method...)
	b = append(b, " route="...)
	b = append(b, route...)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, " latency="...)
	b = appendDuration(b, latency)
	b = append(b, " request_id="...)
	b = append(b, requestID...)
	b = append(b, " role="...)
	b = append(b, role...)
	b = append(b, '\n')
	_, _ = h.w.Write(b) // as slog's handler: a log that cannot be written is not the client's error
	*bp = b
	accessBufs.Put(bp)
	return true
}

// plain reports whether s is written as is by slog's text handler: not
// empty, printable ASCII without space, '=', '"' or '\' (slog leaves a
// backslash alone; excluding it too keeps the test simple and costs
// nothing, request IDs being tokens).
func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '=' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendDuration appends d as d.String() writes it, without the string:
// exactly for the latencies of requests (under a second), through
// d.String() otherwise.
func appendDuration(b []byte, d time.Duration) []byte {
	var unit string
	var scale time.Duration
	var digits int
	switch {
	case d <= 0 || d >= time.Second:
		return append(b, d.String()...)
	case d < time.Microsecond:
		return append(strconv.AppendInt(b, int64(d), 10), "ns"...)
	case d < time.Millisecond:
		unit, scale, digits = "µs", time.Microsecond, 3
	default:
		unit, scale, digits = "ms", time.Millisecond, 6
	}
	b = strconv.AppendInt(b, int64(d/scale), 10)
	if frac := int64(d % scale); frac != 0 {
		for frac%10 == 0 { // no trailing zeros
			frac /= 10
			digits--
		}
		b = append(b, '.')
		n := len(b)
		b = strconv.AppendInt(b, frac, 10)
		if pad := digits - (len(b) - n); pad > 0 { // leading zeros
			b = append(b, "000000"[:pad]...)
			copy(b[n+pad:], b[n:len(b)-pad])
			copy(b[n:n+pad], "000000")
		}
	}
	return append(b, unit...)
}

// WithAttrs and WithGroup give up the direct path: the line would have to
// carry the added attributes.
func (h *accessHandler) WithAttrs(as []slog.Attr) slog.Handler { return h.Handler.WithAttrs(as) }

// WithGroup: see WithAttrs.
func (h *accessHandler) WithGroup(name string) slog.Handler { return h.Handler.WithGroup(name) }
