#!/bin/sh
# plot-performance.sh — medians of docs/perf/*.jsonl (from
# docs/perf/bench-curve.sh) as tables on stdout and as docs/performance.png.
# Needs jq and gnuplot (Debian: apt-get install -y jq gnuplot-nox).
set -eu
cd "$(dirname "$0")/../.."
IN=${IN:-docs/perf}
PNG=${PNG:-docs/performance.png}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# median of a field over the runs of each size, one TSV row a size.
median='def med: sort | .[(length-1)/2|floor];'

jq -s -r "$median"' group_by(.events) | .[] |
	[(map(.events)|med), (map(.replay_seconds)|med), (map(.events_per_sec)|med),
	 (map(.ready_seconds)|med), (map(.peak_rss_mb)|med), (map(.peak_anon_mb)|med),
	 (map(.replay_heap_mb)|med), (map(.file_mb)|med)] | @tsv' "$IN/replay.jsonl" >"$tmp/replay.tsv"
jq -s -r "$median"' group_by(.accounts) | .[] |
	[.[0].accounts, (map(.commands_per_sec)|med), (map(.events_per_sec)|med),
	 (map(.p50_ms)|med), (map(.p99_ms)|med), (map(.peak_rss_mb)|med)] | @tsv' "$IN/append.jsonl" >"$tmp/append.tsv"

echo "events	replay_s	events_per_s	ready_s	peak_rss_mb	peak_anon_mb	heap_mb	file_mb"
cat "$tmp/replay.tsv"
echo
echo "accounts	commands_per_s	events_per_s	p50_ms	p99_ms	peak_rss_mb"
cat "$tmp/append.tsv"
if [ -s "$IN/shared.jsonl" ]; then
	echo
	echo "clients_on_one_account	commands_per_s	p50_ms	p99_ms"
	jq -s -r "$median"' group_by(.clients) | .[] | [.[0].clients, (map(.commands_per_sec)|med), (map(.p50_ms)|med), (map(.p99_ms)|med)] | @tsv' "$IN/shared.jsonl"
fi
if [ -s "$IN/http.jsonl" ]; then
	echo
	echo "get_rps	get_p99_ms	post_rps	post_p99_ms"
	jq -s -r "$median"' [(map(.get_rps)|med), (map(.get_p99_ms)|med), (map(.post_rps)|med), (map(.post_p99_ms)|med)] | @tsv' "$IN/http.jsonl"
fi

# The fit through the measured replay points (time and memory grow about
# linearly with the log) extrapolates to 10M events, drawn dashed.
gnuplot <<GP
set terminal pngcairo size 1200,420 font ",10" noenhanced
set output "$PNG"
set datafile separator "\t"
set fit quiet
set fit logfile "/dev/null"
set multiplot layout 1,2 title "fapiao performance (medians; 2 shared cores)"
set logscale xy
set xlabel "events in the log"
set grid
set key left top
set xrange [5000:20000000]
f(x) = a*x
g(x) = b*x + c
fit f(x) "$tmp/replay.tsv" using 1:2 via a
fit g(x) "$tmp/replay.tsv" using 1:5 via b, c
set ylabel "seconds / MiB"
plot "$tmp/replay.tsv" using 1:2 with linespoints lw 2 title "replay seconds", \
     "$tmp/replay.tsv" using 1:4 with linespoints lw 2 title "serve ready seconds", \
     "$tmp/replay.tsv" using 1:5 with linespoints lw 2 title "serve peak RSS MiB", \
     "$tmp/replay.tsv" using 1:6 with linespoints lw 2 title "serve peak anon MiB", \
     f(x) dashtype 2 title "replay s, linear fit", g(x) dashtype 2 title "RSS, linear fit"
unset logscale
set logscale x
set xrange [0.7:1500]
set yrange [0:*]
set xlabel "accounts written concurrently"
set ylabel "commands / s"
set y2label "p99 ms"
set y2tics
set ytics nomirror
plot "$tmp/append.tsv" using 1:2 with linespoints lw 2 title "commands/s", \
     "$tmp/append.tsv" using 1:5 axes x1y2 with linespoints lw 2 title "p99 ms"
unset multiplot
GP
echo "wrote $PNG" >&2
