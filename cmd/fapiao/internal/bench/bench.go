// Package bench holds fapiao's benchmarks of record (`fapiao bench`): the
// append path through the ledger on a real store, the replay of a large
// log into every projection and a server's start-up on it, and HTTP load
// on a `fapiao serve` child process. Each scenario returns a result that
// the command prints as one JSON object.
package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// percentile returns the q-quantile (0 < q ≤ 1) of sorted durations in
// milliseconds, by the nearest-rank method.
func percentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	i = min(max(i, 0), len(sorted)-1)
	return ms(sorted[i])
}

func ms(d time.Duration) float64 { return round(float64(d) / float64(time.Millisecond)) }

// round keeps three decimals: enough for milliseconds, easy to read.
func round(f float64) float64 { return math.Round(f*1000) / 1000 }

// latencies merges per-worker samples and sorts them.
func latencies(parts [][]time.Duration) []time.Duration {
	var all []time.Duration
	for _, p := range parts {
		all = append(all, p...)
	}
	slices.Sort(all)
	return all
}

// peakRSSMB is the process's peak resident set (VmHWM) in MiB, or 0 when
// /proc is not there.
func peakRSSMB() float64 { return procPeakRSSMB("self") }

// procPeakRSSMB reads VmHWM of /proc/<pid>/status in MiB.
func procPeakRSSMB(pid string) float64 { return procStatusMB(pid, "VmHWM:") }

// procStatusMB reads a kB field of /proc/<pid>/status in MiB (0 if absent).
func procStatusMB(pid, field string) float64 {
	raw, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) >= 2 && string(f[0]) == field {
			kb, err := strconv.ParseFloat(string(f[1]), 64)
			if err != nil {
				return 0
			}
			return round(kb / 1024)
		}
	}
	return 0
}

// resetPeakRSS makes VmHWM start again from the current resident set
// (Linux ≥ 4.0), so that a scenario's peak is not an earlier one's. It is
// best effort: without it the figure is an upper bound.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// rate is n per second over d.
func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n) / d.Seconds())
}

// runID distinguishes the accounts and invoice numbers of one run from
// those of earlier runs on the same store.
func runID() string { return strconv.FormatInt(time.Now().UnixNano()/1e6%1e10, 10) }

func logf(w interface{ Write([]byte) (int, error) }, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// procCPU is the user and system CPU time of /proc/<pid> so far (pid
// "self" for this process), or 0 without /proc.
func procCPU(pid string) time.Duration {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing parenthesis, where utime and stime are the
	// 12th and 13th (fields 14 and 15 of proc(5)).
	s := string(raw)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	// Clock ticks: 100 a second on Linux (USER_HZ).
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
