// Package progress is the progress meter of fapiao's long jobs (import,
// migrate): a bar on a terminal, a line every so often in a log file.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Meter shows the progress of a long job on w: a bar redrawn in place
// (carriage return) when w is a terminal, plain lines otherwise — every Step
// items or every Interval, whichever comes first — so that a log file gets a
// readable trace rather than a wall of redraws. A nil *Meter shows nothing.
// It is safe for concurrent use.
type Meter struct {
	w     io.Writer
	tty   bool
	label string
	// Step and Interval pace the plain lines (defaults 10000 and 1 s).
	Step     int64
	Interval time.Duration
	// Width is the terminal's width in columns (0: 80). The bar line is
	// kept narrower, since a line that wraps is a new line on every redraw.
	Width int

	mu       sync.Mutex
	total    int64
	lastDraw time.Time
	lastStep int64
	lastLine string
	drawn    bool
}

// redraw bounds how often the terminal bar is redrawn.
const redraw = 100 * time.Millisecond

// NewMeter returns a meter writing to w, a terminal if tty, for a job named
// label ("migrate", "import").
func NewMeter(w io.Writer, tty bool, label string) *Meter {
	return &Meter{w: w, tty: tty, label: label, Step: 10000, Interval: time.Second, lastDraw: time.Now()}
}

// SetTotal sets the number of items expected (0: unknown); done/total then
// shows as a bar and a percentage.
func (m *Meter) SetTotal(total int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.total = total
	m.mu.Unlock()
}

// Update reports done items and a note ("posted 10, failed 1").
func (m *Meter) Update(done int64, note string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.tty {
		if now.Sub(m.lastDraw) >= redraw || !m.drawn {
			m.draw(done, note)
			m.lastDraw = now
		}
		return
	}
	if done/m.Step > m.lastStep/m.Step || now.Sub(m.lastDraw) >= m.Interval {
		m.line(done, note)
		m.lastDraw, m.lastStep = now, done
	}
}

// Finish shows the final state and ends the bar's line.
func (m *Meter) Finish(done int64, note string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tty {
		m.draw(done, note)
		fmt.Fprintln(m.w)
		return
	}
	m.line(done, note)
}

// line writes a plain progress line unless it would repeat the last one.
func (m *Meter) line(done int64, note string) {
	l := fmt.Sprintf("%s: %s\n", m.label, m.status(done, note))
	if l != m.lastLine {
		fmt.Fprint(m.w, l)
		m.lastLine = l
	}
}

// Bar widths: the bar shrinks to fit the line, and goes when it cannot
// keep minBar (the counts matter more than the bar).
const (
	maxBar = 30
	minBar = 10
)

func (m *Meter) draw(done int64, note string) {
	fmt.Fprint(m.w, "\r\033[K"+m.barLine(done, note))
	m.drawn = true
}

// barLine is the terminal line: label, bar and status in at most Width-1
// columns (the last column makes some terminals wrap), the status cut with
// "…" if even the label and status alone do not fit.
func (m *Meter) barLine(done int64, note string) string {
	cols := m.Width
	if cols <= 0 {
		cols = 80
	}
	room := cols - 1
	status := m.status(done, note)
	line := m.label + " " + status
	if m.total > 0 {
		if free := room - utf8.RuneCountInString(line) - len("[] "); free >= minBar {
			width := int64(min(free, maxBar))
			filled := int(min(done, m.total) * width / m.total)
			line = m.label + " [" + strings.Repeat("#", filled) + strings.Repeat(".", int(width)-filled) + "] " + status
		}
	}
	if utf8.RuneCountInString(line) > room {
		r := []rune(line)
		line = string(r[:max(room-1, 0)]) + "…"
	}
	return line
}

func (m *Meter) status(done int64, note string) string {
	s := fmt.Sprintf("%d", done)
	if m.total > 0 {
		s = fmt.Sprintf("%3d%% %d/%d", min(done, m.total)*100/m.total, done, m.total)
	}
	if note != "" {
		s += " " + note
	}
	return s
}
