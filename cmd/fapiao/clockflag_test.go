package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestParseClockFlag: serve and import read --clock alike (and replay's
// --as-of and reconcile's --now are read the same way, naming their flag): RFC 3339 with or
// without fractions, empty for the system clock, anything else a usage
// error naming the flag.
func TestParseClockFlag(t *testing.T) {
	cst := time.FixedZone("", 8*3600)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"", time.Time{}, false},
		{"2026-10-05T09:30:00+08:00", time.Date(2026, 10, 5, 9, 30, 0, 0, cst), false},
		{"2026-10-05T09:30:00.25+08:00", time.Date(2026, 10, 5, 9, 30, 0, 250e6, cst), false},
		{"2026-10-05T01:30:00Z", time.Date(2026, 10, 5, 1, 30, 0, 0, time.UTC), false},
		{"2026-10-05", time.Time{}, true},
		{"2026-10-05 09:30:00", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := parseClockFlag(tc.in)
		if tc.bad {
			var u *usageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), "--clock") {
				t.Errorf("parseClockFlag(%q) = %v, %v; want a usage error naming --clock", tc.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseClockFlag(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestInstantFlagsNameTheirFlag: replay's --as-of and reconcile's --now
// refuse what is not an RFC 3339 instant as a usage error naming the flag.
func TestInstantFlagsNameTheirFlag(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"replay", "--store", "bolt://./absent.db", "--as-of", "2026-10-05"},
		{"reconcile", "--store", "bolt://./absent.db", "--month", "2026-10", "--now", "yesterday"},
	} {
		code, _, errOut := jobRun(t, args...)
		if code != exitUsage || !strings.Contains(errOut, "RFC 3339") || !strings.Contains(errOut, args[len(args)-2]) {
			t.Errorf("%v: exit %d, %q; want a usage error naming %s", args, code, errOut, args[len(args)-2])
		}
	}
}
