package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"
)

func date(s string) time.Time {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestCalendar_BusinessDays(t *testing.T) {
	t.Parallel()
	c := DefaultCalendar()
	tests := []struct {
		day  string
		want bool
	}{
		{"2025-01-27", true},  // Monday before the Spring Festival
		{"2025-01-26", true},  // Sunday make-up day
		{"2025-01-28", false}, // 除夕 (statutory since 2025)
		{"2025-02-04", false}, // last day of the festival
		{"2025-02-05", true},
		{"2025-02-08", true}, // Saturday make-up day
		{"2025-02-09", false},
		{"2024-02-09", true}, // 2024 eve was not a holiday (only encouraged leave)
		{"2024-02-18", true}, // Sunday make-up day
		{"2026-02-23", false},
		{"2026-02-28", true}, // Saturday make-up day
		{"2026-01-04", true}, // Sunday make-up day after New Year
		{"2026-10-08", true},
		{"2026-10-10", true},
		{"2025-10-08", false}, // National Day + Mid-Autumn 2025
		{"2023-12-29", true},  // before the data: plain Mon–Fri
		{"2023-12-30", false},
		{"2028-01-03", true}, // after the data
		{"2028-01-01", false},
	}
	for _, tt := range tests {
		if got := c.IsBusinessDay(date(tt.day)); got != tt.want {
			t.Errorf("IsBusinessDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
}

func TestCalendar_AddBusinessDaysAndSLADue(t *testing.T) {
	t.Parallel()
	c := DefaultCalendar()
	tests := []struct {
		name, at, due string
	}{
		{"ordinary Monday", "2026-10-12T10:00:00+08:00", "2026-10-15"},
		{"Friday", "2026-10-16T10:00:00+08:00", "2026-10-21"},
		{"Saturday: Monday is the first day", "2026-10-17T10:00:00+08:00", "2026-10-21"},
		{"Monday 00:00 counts like Monday 23:59", "2026-10-19T00:00:00+08:00", "2026-10-22"},
		{"eve of National Day: 10-08, 10-09 and make-up Saturday 10-10", "2026-09-30T23:00:00+08:00", "2026-10-10"},
		{"during National Day: 10-08, 10-09, make-up Saturday 10-10", "2026-10-01T10:00:00+08:00", "2026-10-10"},
		{"Spring Festival week 2025", "2025-01-27T10:00:00+08:00", "2025-02-07"},
		{"Sunday make-up day is itself a business day", "2025-01-26T10:00:00+08:00", "2025-02-06"},
		{"year boundary", "2025-12-30T10:00:00+08:00", "2026-01-05"},
		{"late evening UTC is next day in Shanghai", "2026-10-11T17:00:00Z", "2026-10-15"},
	}
	for _, tt := range tests {
		if got := c.SLADue(at(tt.at)); got != tt.due {
			t.Errorf("%s: SLADue(%s) = %s, want %s", tt.name, tt.at, got, tt.due)
		}
	}
	if got := c.AddBusinessDays(date("2024-09-13"), 1); !got.Equal(date("2024-09-14")) {
		t.Errorf("Friday +1 over a Saturday make-up day: %v", got)
	}
	if got := c.AddBusinessDays(date("2024-09-13"), 0); !got.Equal(date("2024-09-13")) {
		t.Errorf("+0: %v", got)
	}
}

func TestCalendar_Load(t *testing.T) {
	t.Parallel()
	c, err := LoadCalendar(strings.NewReader("# test\n\n2030-01-07 holiday test\n2030-01-05 workday\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.IsBusinessDay(date("2030-01-07")) || !c.IsBusinessDay(date("2030-01-05")) || !c.IsBusinessDay(date("2030-01-08")) {
		t.Fatal("loaded calendar ignored")
	}
	for _, bad := range []string{"2030-01-07\n", "2030-13-01 holiday\n", "2030-01-07 rest\n", "2030-01-07 holiday\n2030-01-07 workday\n"} {
		if _, err := LoadCalendar(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if Shanghai().String() != "Asia/Shanghai" {
		t.Fatal(Shanghai())
	}
}

// TestSLADueSharedByADay: every application due on one day holds the same
// string (one object for the collector to mark, not one an invoice), and
// another day gets its own.
//
// Not parallel: the tables are the process's, and a parallel test's date
// or month in the same slot between two calls would replace the string.
func TestSLADueSharedByADay(t *testing.T) {
	c := DefaultCalendar()
	a, b := c.SLADue(at("2026-10-12T10:00:00+08:00")), c.SLADue(at("2026-10-12T16:30:00+08:00"))
	if a != "2026-10-15" || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("two applications of a day: %q at %p, %q at %p; want one 2026-10-15", a, unsafe.StringData(a), b, unsafe.StringData(b))
	}
	e := c.EInvoiceDue(at("2026-10-12T10:00:00+08:00"))
	if other := c.SLADue(at("2026-10-13T10:00:00+08:00")); other != "2026-10-16" || other == a {
		t.Errorf("the next day's application is due %q, want 2026-10-16", other)
	}
	if again := c.EInvoiceDue(at("2026-10-12T11:00:00+08:00")); unsafe.StringData(again) != unsafe.StringData(e) {
		t.Errorf("two e-invoice applications of a day hold two strings %q", e)
	}
}

// TestOneMonthListShared: the invoices of one month, as decided (Stored)
// and as decoded, share one list of statements; two months do not.
// Not parallel, as TestSLADueSharedByADay.
func TestOneMonthListShared(t *testing.T) {
	var x EventEncoder
	stored := func(months ...string) []string {
		e, ok := x.Stored(InvoiceRequested{InvoiceID: uuid.New(), Statements: months, Amount: MustMoney("1.00"), RequestedAt: time.Now()})
		if !ok {
			t.Fatal("not stored")
		}
		return e.(InvoiceRequested).Statements
	}
	a, b := stored("2026-01"), stored(strings.Clone("2026-01"))
	if !slices.Equal(a, []string{"2026-01"}) || unsafe.SliceData(a) != unsafe.SliceData(b) {
		t.Errorf("two invoices of 2026-01: %v at %p, %v at %p", a, unsafe.SliceData(a), b, unsafe.SliceData(b))
	}
	if c := stored("2026-02"); c[0] != "2026-02" || unsafe.SliceData(c) == unsafe.SliceData(a) {
		t.Errorf("2026-02's list %v is 2026-01's", c)
	}
	if two := stored("2026-01", "2026-02"); !slices.Equal(two, []string{"2026-01", "2026-02"}) {
		t.Errorf("two months: %v", two)
	}
}
