#!/usr/bin/env bash
# bench/delay.sh STANDIN: how exact a 100 ms injected delay is, measured
# from outside (wrk's latency minus 100 ms) and from inside (GET /metrics:
# standin_hold_lateness_seconds, how late the loop's timer fired, and
# standin_hold_write_seconds, from release to the last byte in the kernel),
# at 10 and at 200 connections. Server on core 0 and wrk on core 1 where
# there are two or more. Called by bench/run.sh; runs alone too.
#
# Then the same at real-time priority (SCHED_FIFO, when the bench runs as
# root): what is left then is standin's own error, not the wait for its
# core behind other work (a scheduler tick, 4 ms at HZ=250).
#
# Environment: DELAY_SECONDS (default 10).
set -euo pipefail
STANDIN=${1:?usage: delay.sh STANDIN}
here=$(cd "$(dirname "$0")" && pwd)
secs=${DELAY_SECONDS:-10}
srv_pin= cli_pin=
if [ "$(nproc)" -ge 2 ]; then srv_pin="taskset -c 0"; cli_pin="taskset -c 1"; fi
modes="normal"
if [ "$(id -u)" -eq 0 ] && command -v chrt >/dev/null; then modes="normal fifo"; fi

tmp=$(mktemp -d /tmp/standin-delay.XXXXXX)
spid=
cleanup() {
	if [ -n "$spid" ]; then kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; fi
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT

# quantile METRICS FAMILY Q: the upper bound (ms) of the bucket holding the
# Q-quantile of a histogram in Prometheus text.
quantile() {
	awk -v fam="$2" -v q="$3" '
		index($1, fam "_bucket{") == 1 {
			match($1, /le="[^"]*"/); le = substr($1, RSTART + 4, RLENGTH - 5)
			n++; les[n] = le; cum[n] = $2
		}
		END {
			total = cum[n]
			for (i = 1; i <= n; i++)
				if (cum[i] >= q * total) { v = les[i]; break }
			if (v == "+Inf") print "inf"; else printf "%.3f", v * 1000
		}' "$1"
}

# ms V: wrk's "100.52ms" / "1.02s" / "900.00us" in milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

printf '%-12s %26s %26s %26s\n' "conns" "wrk p50/p99 error (ms)" "timer late p50/p99 (ms)" "write p50/p99 (ms)"
for mode in $modes; do
for c in 10 200; do
	rm -f "$tmp/ready.json"
	prio=
	[ "$mode" = fifo ] && prio="chrt -f 10"
	$prio $srv_pin "$STANDIN" serve "$here/delay.json" --control 127.0.0.1:0 --ready-file "$tmp/ready.json" -q &
	spid=$!
	while [ ! -s "$tmp/ready.json" ]; do sleep 0.01; done
	ums=$(jq -r .services.ums "$tmp/ready.json")
	ctl=$(jq -r .control "$tmp/ready.json")
	out=$($cli_pin wrk -t1 -c"$c" -d"${secs}s" --latency "http://$ums/v1/users/u1001")
	curl -s "http://$ctl/metrics" >"$tmp/metrics"
	kill "$spid"; wait "$spid" || true; spid=
	p50=$(ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	p99=$(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	printf '%-12s %26s %26s %26s\n' "$c${prio:+ (fifo)}" \
		"$(awk -v a="$p50" -v b="$p99" 'BEGIN { printf "+%.2f / +%.2f", a - 100, b - 100 }')" \
		"<=$(quantile "$tmp/metrics" standin_hold_lateness_seconds 0.5) / <=$(quantile "$tmp/metrics" standin_hold_lateness_seconds 0.99)" \
		"<=$(quantile "$tmp/metrics" standin_hold_write_seconds 0.5) / <=$(quantile "$tmp/metrics" standin_hold_write_seconds 0.99)"
done
done
echo "(inside figures are bucket upper bounds; target: wrk p99 error < 1 ms at 10 connections;"
echo " fifo: standin at real-time priority, so no other work delays its timers)"
