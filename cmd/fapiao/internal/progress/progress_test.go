package progress

import (
	"bytes"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestMeterTerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	m := NewMeter(&out, true, "migrate")
	m.SetTotal(4)
	m.Update(1, "events")
	m.Finish(4, "events")
	require.Equal(t, "\r\033[Kmigrate [#######.......................]  25% 1/4 events"+
		"\r\033[Kmigrate [##############################] 100% 4/4 events\n", out.String())
}

// TestMeterFitsTheTerminal: the import's bar line, with its long note,
// stays within the terminal's width less one column at every redraw (80
// when the width is unknown; at ≈96 columns every redraw of an 80-column
// terminal added a line): the bar shrinks, then goes, then the note is
// cut; a wide terminal gets the full bar.
func TestMeterFitsTheTerminal(t *testing.T) {
	t.Parallel()
	const note = "lines (posted 100000, unchanged 0, failed 12)"
	for _, tc := range []struct {
		width   int
		bar     bool // a bar is drawn
		fullBar bool // at its full 30 columns
		cut     bool // the note is cut
	}{
		{0, false, false, false}, // unknown: 80
		{80, false, false, false},
		{100, true, false, false},
		{140, true, true, false},
		{40, false, false, true},
		{1, false, false, true},
	} {
		var out bytes.Buffer
		m := NewMeter(&out, true, "import")
		m.Width = tc.width
		m.SetTotal(100000)
		m.Update(1000, note)
		m.Finish(100000, note)
		cols := tc.width
		if cols == 0 {
			cols = 80
		}
		draws := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\r\033[K")[1:]
		require.Len(t, draws, 2, "width %d: %q", tc.width, out.String())
		for _, d := range draws {
			require.LessOrEqual(t, utf8.RuneCountInString(d), max(cols-1, 1), "width %d: %q", tc.width, d)
			require.Equal(t, tc.bar, strings.Contains(d, "["), "width %d: %q", tc.width, d)
			require.Equal(t, tc.fullBar, strings.Contains(d, "["+strings.Repeat("#", 30)+"]") || strings.Contains(d, "[."+strings.Repeat(".", 29)+"]"), "width %d: %q", tc.width, d)
			require.Equal(t, tc.cut, strings.HasSuffix(d, "…"), "width %d: %q", tc.width, d)
			if !tc.cut {
				require.True(t, strings.HasSuffix(d, note), "width %d: the counts are kept: %q", tc.width, d)
			}
		}
	}
}

// TestMeterPacesItsOutput: a log gets a line every Step items or every
// Interval, whichever comes first, and a terminal's bar is redrawn at most
// every 100 ms. On synctest's clock the boundaries are exact and cost no
// real time.
func TestMeterPacesItsOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		m := NewMeter(&out, false, "import")
		m.Step = 100
		m.Update(1, "lines")
		time.Sleep(m.Interval - time.Nanosecond)
		m.Update(2, "lines")
		require.Empty(t, out.String(), "a line before a step or an interval")
		time.Sleep(time.Nanosecond)
		m.Update(3, "lines")
		m.Update(99, "lines")
		m.Update(100, "lines") // a step, well within the interval
		require.Equal(t, "import: 3 lines\nimport: 100 lines\n", out.String())

		var bar bytes.Buffer
		tty := NewMeter(&bar, true, "migrate")
		tty.Update(1, "events") // the first draw is at once
		tty.Update(2, "events")
		time.Sleep(redraw - time.Nanosecond)
		tty.Update(3, "events")
		require.Equal(t, 1, strings.Count(bar.String(), "\r"), "redrawn within 100 ms: %q", bar.String())
		time.Sleep(time.Nanosecond)
		tty.Update(4, "events")
		require.Equal(t, 2, strings.Count(bar.String(), "\r"), "%q", bar.String())
		require.True(t, strings.HasSuffix(bar.String(), " 4 events"), "%q", bar.String())
	})
}
