#!/usr/bin/env bash
# run.sh TARGET...: run libFuzzer targets built by configure --enable-fuzz
# (make fuzz calls it with every target; run it from the build directory).
#
# Each target fuzz_NAME reads the seeds in $top_srcdir/tests/fuzz/NAME/
# and the dictionary tests/fuzz/NAME.dict. Everything it finds stays in
# the build directory, under fuzz-out/NAME/:
#   corpus/   inputs that reached new code (kept for the next run)
#   crashes/  crash-*, leak-*, timeout-*, oom-*: inputs that failed
#   log       libFuzzer's output of the last run
#
# Environment:
#   FUZZ_SECONDS=N  fuzz each target for N seconds; without it (or 0), only
#                   replay the seeds and the saved corpus once (a quick check
#                   that none of them fails)
#   FUZZ_JOBS=N     N fuzzing processes per target (libFuzzer's -fork=N)
#   FUZZ_ARGS=...   more libFuzzer flags (-max_len=65536, -only_ascii=1, ...)
#   FUZZ_OUT=DIR    where findings go (default: fuzz-out)
#
# Exits 1 if any target failed, naming the input that made it fail.
set -uo pipefail

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
seconds=${FUZZ_SECONDS:-0}
jobs=${FUZZ_JOBS:-1}
out=${FUZZ_OUT:-fuzz-out}
failed=0

if [ $# -eq 0 ]; then
	echo "usage: tests/fuzz/run.sh TARGET..." >&2
	exit 64
fi

# The last value of a libFuzzer status field ("cov: 123") in a log.
field() {
	grep -aoE "$1: [0-9]+" "$2" | tail -n 1 | awk '{print $2}'
}

for target in "$@"; do
	name=${target##*/fuzz_}
	dir=$out/$name
	mkdir -p "$dir/corpus" "$dir/crashes"
	args=(-artifact_prefix="$dir/crashes/" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1)
	[ -f "$srcdir/tests/fuzz/$name.dict" ] &&
		args+=(-dict="$srcdir/tests/fuzz/$name.dict")
	if [ "$seconds" -gt 0 ]; then
		args+=(-max_total_time="$seconds")
		[ "$jobs" -gt 1 ] && args+=(-fork="$jobs")
		what="fuzzing for ${seconds}s"
	else
		args+=(-runs=0)
		what="replaying the corpus"
	fi
	# shellcheck disable=SC2086
	if "$target" "${args[@]}" ${FUZZ_ARGS:-} "$dir/corpus" \
		"$srcdir/tests/fuzz/$name" >"$dir/log" 2>&1; then
		status=ok
	else
		status=FAILED
		failed=1
	fi
	# The last figures: one process's final stats, or (-fork) the
	# parent's last line, "#RUNS: cov: C ft: F corp: N exec/s E ..."
	# (which counts cov its own way).
	runs=$(grep -aoE 'stat::number_of_executed_units: +[0-9]+' "$dir/log" |
		awk '{print $2}' | tail -n 1)
	rate=$(grep -aoE 'stat::average_exec_per_sec: +[0-9]+' "$dir/log" |
		awk '{print $2}' | tail -n 1)
	forked=$(grep -aE '^#[0-9]+: cov: ' "$dir/log" | tail -n 1)
	if [ -n "$forked" ]; then
		runs=$(printf '%s\n' "$forked" | sed -E 's/^#([0-9]+):.*/\1/')
		rate=$(printf '%s\n' "$forked" | sed -E 's/.*exec\/s ([0-9]+).*/\1/')
	fi
	printf '%-9s %-6s %s: %s runs, %s exec/s, cov %s, ft %s, corpus %s\n' \
		"$name" "$status" "$what" "${runs:-0}" "${rate:-0}" \
		"$(field cov "$dir/log")" "$(field ft "$dir/log")" \
		"$(find "$dir/corpus" -type f | wc -l) saved"
	if [ "$status" = FAILED ]; then
		grep -aE 'ERROR|SUMMARY|fuzz_[a-z]+: ' "$dir/log" | head -n 5 | sed 's/^/    /'
		grep -aE 'Test unit written to' "$dir/log" | sed 's/^/    /'
		echo "    log: $dir/log; reproduce: $target CRASH-FILE"
	fi
done
exit $failed
