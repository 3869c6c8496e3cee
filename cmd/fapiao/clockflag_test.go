package main

import (
	"errors"
	"testing"
	"time"
)

// TestParseClockFlag: serve and import read --clock alike: RFC 3339 with or
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
			if !errors.As(err, &u) {
				t.Errorf("parseClockFlag(%q) = %v, %v; want a usage error", tc.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseClockFlag(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
