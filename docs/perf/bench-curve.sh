#!/bin/sh
# bench-curve.sh — the measurements behind docs/performance.md: replay at
# several log sizes, append at several account counts and, on the segmented
# log, at several offered rates (an open loop), the HTTP load; each
# RUNS times. Raw results (one JSON object a run) go to docs/perf/*.jsonl;
# docs/perf/plot-performance.sh turns them into the medians and the plot.
#
#   docs/perf/bench-curve.sh                 # everything, 3 runs each (~15 min)
#   RUNS=1 SIZES="10000 100000" docs/perf/bench-curve.sh replay
#   SIZES="10000 100000 1000000 10000000" docs/perf/bench-curve.sh replay feed
#   RATES="20000 50000" docs/perf/bench-curve.sh openloop
#
# The 10M log (≈10 GB) is built once and cached; build it apart first, on a
# quiet machine (≈15 min of one core): nice -n 10 fapiao bench replay
# --events 10000000 --build-only. At 10M the in-process replay (every read
# model in this process's heap, ≈4 GiB) is left out: --in-process=false.
#
# The logs are cached (fapiao bench replay --cache), so a second run skips
# building them.
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
SIZES=${SIZES:-"10000 100000 1000000"}
ACCOUNTS=${ACCOUNTS:-"1 16 256 1024"}
DURATION=${DURATION:-5s}
OUT=${OUT:-docs/perf}
CLIENTS=${CLIENTS:-"1 8 64"}
RATES=${RATES:-"10000 20000 30000 40000 50000 60000"}
WHAT=${*:-"replay append openloop shared http feed"}

bin=$(mktemp -d)/fapiao
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/fapiao
mkdir -p "$OUT"

for what in $WHAT; do
	case $what in
	replay)
		: >"$OUT/replay.jsonl"
		for n in $SIZES; do
			inproc=true
			[ "$n" -ge 5000000 ] && inproc=false
			for _ in $(seq "$RUNS"); do
				"$bin" bench replay --events "$n" --in-process=$inproc >>"$OUT/replay.jsonl"
			done
		done ;;
	append)
		: >"$OUT/append.jsonl"
		for a in $ACCOUNTS; do
			for _ in $(seq "$RUNS"); do
				"$bin" bench append --accounts "$a" --duration "$DURATION" >>"$OUT/append.jsonl"
			done
		done ;;
	openloop)
		# 256 accounts on the segmented log, the commands sent on a
		# schedule at each rate: the tail a server sees from clients that
		# do not wait for each other (bench append --rate).
		: >"$OUT/openloop.jsonl"
		for r in $RATES; do
			for _ in $(seq "$RUNS"); do
				"$bin" bench append --engine log --accounts 256 --rate "$r" --duration "$DURATION" >>"$OUT/openloop.jsonl"
			done
		done ;;
	shared)
		# One account written by several clients at once: the ledger's
		# per-account group commit.
		: >"$OUT/shared.jsonl"
		for c in $CLIENTS; do
			for _ in $(seq "$RUNS"); do
				"$bin" bench append --accounts 1 --clients "$c" --duration "$DURATION" >>"$OUT/shared.jsonl"
			done
		done ;;
	http)
		: >"$OUT/http.jsonl"
		for _ in $(seq "$RUNS"); do
			"$bin" bench http --duration "$DURATION" >>"$OUT/http.jsonl"
		done ;;
	feed)
		# The live feed's catch-up from a serve child, on the 1M log.
		: >"$OUT/feed.jsonl"
		for _ in $(seq "$RUNS"); do
			"$bin" bench feed --events 1000000 >>"$OUT/feed.jsonl"
		done ;;
	*) echo "unknown measurement $what (replay, append, openloop, shared, http, feed)" >&2; exit 2 ;;
	esac
done
