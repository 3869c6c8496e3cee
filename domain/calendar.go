package domain

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load even where the system has no zoneinfo.
)

// shanghai is loaded once; the location is immutable.
var shanghai = mustLoadShanghai()

func mustLoadShanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// Unreachable with time/tzdata linked in; a fixed zone keeps dates right.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Shanghai is Asia/Shanghai, where every business date lives.
func Shanghai() *time.Location { return shanghai }

// DateLayout is the layout of business dates, YYYY-MM-DD.
const DateLayout = "2006-01-02"

// MonthLayout is the layout of statement months, YYYY-MM.
const MonthLayout = "2006-01"

// BusinessDate returns the Asia/Shanghai date of t as YYYY-MM-DD.
func BusinessDate(t time.Time) string { return t.In(shanghai).Format(DateLayout) }

// BusinessMonth returns the Asia/Shanghai month of t as YYYY-MM.
func BusinessMonth(t time.Time) string { return t.In(shanghai).Format(MonthLayout) }

// ParseDate reads a YYYY-MM-DD business date as midnight Asia/Shanghai.
func ParseDate(s string) (time.Time, error) {
	return time.ParseInLocation(DateLayout, s, shanghai)
}

//go:embed calendar/cn.txt
var embeddedCalendar []byte

// defaultCalendar is parsed from embedded data at start-up and never changed.
var defaultCalendar = mustParseCalendar(embeddedCalendar)

func mustParseCalendar(b []byte) *Calendar {
	c, err := LoadCalendar(bytes.NewReader(b))
	if err != nil {
		panic("domain: embedded calendar: " + err.Error())
	}
	return c
}

// Calendar knows the PRC business days: Mon–Fri minus public holidays plus
// official make-up working days (SHIP-1). It is immutable once loaded and
// safe for concurrent use.
type Calendar struct {
	// special maps a date (yyyymmdd) to true for a make-up working day and
	// false for a public holiday. Dates not listed follow Mon–Fri.
	special map[int]bool
}

// DefaultCalendar is the embedded 2024–2027 calendar (calendar/cn.txt).
func DefaultCalendar() *Calendar { return defaultCalendar }

// LoadCalendar reads a calendar file in the format of calendar/cn.txt: one
// "YYYY-MM-DD holiday|workday [note]" a line, '#' comments.
func LoadCalendar(r io.Reader) (*Calendar, error) {
	c := &Calendar{special: map[int]bool{}}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return nil, fmt.Errorf("calendar line %d: want \"YYYY-MM-DD holiday|workday\", got %q", n, line)
		}
		d, err := time.Parse(DateLayout, f[0])
		if err != nil {
			return nil, fmt.Errorf("calendar line %d: %w", n, err)
		}
		var work bool
		switch f[1] {
		case "holiday":
		case "workday":
			work = true
		default:
			return nil, fmt.Errorf("calendar line %d: kind %q is neither holiday nor workday", n, f[1])
		}
		k := dayKey(d)
		if prev, dup := c.special[k]; dup && prev != work {
			return nil, fmt.Errorf("calendar line %d: %s listed as both holiday and workday", n, f[0])
		}
		c.special[k] = work
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return c, nil
}

func dayKey(d time.Time) int { return d.Year()*10000 + int(d.Month())*100 + d.Day() }

// day returns midnight of t's Asia/Shanghai date.
func day(t time.Time) time.Time {
	y, m, d := t.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shanghai)
}

// IsBusinessDay reports whether the date (Asia/Shanghai) is a working day.
func (c *Calendar) IsBusinessDay(t time.Time) bool {
	d := t.In(shanghai)
	if c != nil {
		if work, ok := c.special[dayKey(d)]; ok {
			return work
		}
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddBusinessDays returns the date (midnight Asia/Shanghai) that is n business
// days after day's date, counting only the business days strictly after it.
// n <= 0 returns day's date itself.
func (c *Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	d := day(t)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsBusinessDay(d) {
			n--
		}
	}
	return d
}

// NextBusinessDay returns day's date if it is a business day, else the first
// business day after it.
func (c *Calendar) NextBusinessDay(t time.Time) time.Time {
	d := day(t)
	for !c.IsBusinessDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// SLADue is the SHIP-1 due date of an application made at t: the third
// business day after the application's date, which itself is not counted
// (the seed: 开票申请发出后，纸质发票将在3个工作日内寄出). An application made
// on a weekend counts its days from the next business day on, so Saturday's
// is due the following Wednesday in an ordinary week.
func (c *Calendar) SLADue(t time.Time) string {
	return dueDate(c.AddBusinessDays(t, SLABusinessDays))
}

// dueDate is d as YYYY-MM-DD, the same string for every application due
// on d: each invoice keeps its due date while it is cached, and one
// string a day instead of one an application is fewer objects for the
// collector to mark (the decoder shares them the same way).
func dueDate(d time.Time) string {
	var buf [len(DateLayout)]byte
	return lastSLADue.of(d.AppendFormat(buf[:0], DateLayout))
}
