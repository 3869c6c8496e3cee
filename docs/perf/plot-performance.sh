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

# Sizes are grouped by the nearest power of ten (the generator overshoots
# a little: 1 000 120 events for 1M). Figures a run does not have (restart
# on views before issue 16, the in-process replay with --in-process=false)
# are 0 there, and left out of their medians.
jq -s -r "$median"' def m(f): map(f // 0 | select(. > 0)) | if length == 0 then 0 else med end;
	group_by(.events | log10 | round) | .[] |
	[(map(.events)|med), m(.replay_seconds), m(.events_per_sec),
	 m(.ready_seconds), m(.peak_rss_mb), m(.peak_anon_mb),
	 m(.replay_heap_mb), m(.file_mb),
	 m(.restart_ready_seconds), m(.restart_peak_rss_mb), m(.views_file_mb)] | @tsv' "$IN/replay.jsonl" >"$tmp/replay.tsv"
# The measured sizes up to 10M; a size not measured (10M until its log is
# built and run) is extrapolated from the fits below and drawn apart.
awk -F'\t' '$4 > 0' "$tmp/replay.tsv" >"$tmp/ready.tsv"
awk -F'\t' '$9 > 0' "$tmp/replay.tsv" >"$tmp/restart.tsv"
measured10m=$(awk -F'\t' '$1 >= 5000000 && $4 > 0' "$tmp/replay.tsv" | wc -l)
jq -s -r "$median"' group_by(.accounts) | .[] |
	[.[0].accounts, (map(.commands_per_sec)|med), (map(.events_per_sec)|med),
	 (map(.p50_ms)|med), (map(.p99_ms)|med), (map(.peak_rss_mb)|med)] | @tsv' "$IN/append.jsonl" >"$tmp/append.tsv"

if [ -s "$IN/openloop.jsonl" ]; then
	jq -s -r "$median"' group_by(.rate) | .[] |
		[.[0].rate, (map(.commands_per_sec)|med), (map(.p50_ms)|med), (map(.p90_ms)|med),
		 (map(.p99_ms)|med), (map(.p999_ms)|med), (map(.cpu_us_per_command)|med)] | @tsv' "$IN/openloop.jsonl" >"$tmp/openloop.tsv"
else
	: >"$tmp/openloop.tsv"
fi

echo "events	replay_s	events_per_s	ready_s	peak_rss_mb	peak_anon_mb	heap_mb	file_mb	restart_ready_s	restart_peak_rss_mb	views_file_mb"
cat "$tmp/replay.tsv"
echo
echo "accounts	commands_per_s	events_per_s	p50_ms	p99_ms	peak_rss_mb"
cat "$tmp/append.tsv"
if [ -s "$tmp/openloop.tsv" ]; then
	echo
	echo "offered_per_s	answered_per_s	p50_ms	p90_ms	p99_ms	p999_ms	cpu_us_per_command	(256 accounts, segmented log, open loop)"
	cat "$tmp/openloop.tsv"
fi
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

if [ -s "$IN/feed.jsonl" ]; then
	echo
	echo "feed_events_per_s	server_cpu_us_per_event	client_cpu_us_per_event"
	jq -s -r "$median"' [(map(.events_per_sec)|med), (map(.server_cpu_us_per_event)|med), (map(.client_cpu_us_per_event)|med)] | @tsv' "$IN/feed.jsonl"
fi

# The fit through the measured replay points (time and memory grow about
# linearly with the log) extrapolates to 10M events, drawn dashed.
gnuplot <<GP
set terminal pngcairo size 1800,420 font ",10" noenhanced
set output "$PNG"
set datafile separator "\t"
set fit quiet
set fit logfile "/dev/null"
set multiplot layout 1,3 title "fapiao performance (medians; 2 shared cores)"
set logscale xy
set xlabel "events in the log"
set grid
set key left top
set xrange [5000:20000000]
f(x) = a*x
g(x) = b*x + c
h(x) = d*x
fit f(x) "$tmp/ready.tsv" using 1:(\$2 > 0 ? \$2 : 1/0) via a
fit h(x) "$tmp/ready.tsv" using 1:4 via d
fit g(x) "$tmp/ready.tsv" using 1:5 via b, c
set ylabel "seconds / MiB"
set xtics ("10k" 10000, "100k" 100000, "1M" 1000000, "10M" 10000000)
# The 10M points, extrapolated from the fits unless measured: open symbols.
ext = $measured10m == 0
plot "$tmp/ready.tsv" using 1:(\$2 > 0 ? \$2 : 1/0) with linespoints lw 2 pt 7 lc 1 title "replay seconds (in process)", \
     "$tmp/ready.tsv" using 1:4 with linespoints lw 2 pt 7 lc 2 title "serve ready seconds (cold)", \
     "$tmp/ready.tsv" using 1:5 with linespoints lw 2 pt 7 lc 3 title "serve peak RSS MiB", \
     "$tmp/ready.tsv" using 1:6 with linespoints lw 2 pt 7 lc 4 title "serve peak anon MiB", \
     "$tmp/restart.tsv" using 1:9 with linespoints lw 2 pt 5 lc 6 title "restart ready s, views present", \
     "$tmp/restart.tsv" using 1:10 with linespoints lw 2 pt 5 lc 7 title "restart peak RSS MiB, views present", \
     f(x) dashtype 2 lc 1 notitle, h(x) dashtype 2 lc 2 notitle, g(x) dashtype 2 lc 3 title "linear fits (dashed)", \
     (ext ? "+" : "/dev/null") using (1e7):(f(1e7)) every ::0::0 with points pt 6 ps 2 lc 1 title "10M extrapolated (open)", \
     (ext ? "+" : "/dev/null") using (1e7):(h(1e7)) every ::0::0 with points pt 6 ps 2 lc 2 notitle, \
     (ext ? "+" : "/dev/null") using (1e7):(g(1e7)) every ::0::0 with points pt 6 ps 2 lc 3 notitle
unset xtics
set xtics
unset logscale
set logscale x
set xrange [0.7:1500]
set yrange [0:*]
set xlabel "accounts written concurrently (bolt, the default store; closed loop)"
set ylabel "commands / s"
set y2label "p99 ms"
set y2tics
set ytics nomirror
plot "$tmp/append.tsv" using 1:2 with linespoints lw 2 title "commands/s", \
     "$tmp/append.tsv" using 1:5 axes x1y2 with linespoints lw 2 title "p99 ms"
unset logscale
unset y2tics
unset y2label
set ytics mirror
set xrange [0:*]
set yrange [0.1:*]
set logscale y
set xlabel "commands/s offered (256 accounts, segmented log, open loop)"
set ylabel "latency ms"
set key left top
plot "$tmp/openloop.tsv" using 1:3 with linespoints lw 2 title "p50", \
     "$tmp/openloop.tsv" using 1:4 with linespoints lw 2 title "p90", \
     "$tmp/openloop.tsv" using 1:5 with linespoints lw 2 title "p99", \
     10 dashtype 2 lc rgb "gray" title "issue 17's p99 goal"
unset multiplot
GP
echo "wrote $PNG" >&2
