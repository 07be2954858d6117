#!/usr/bin/env bash
# bench/toxiproxy.sh STANDIN: a proxy made through Toxiproxy's API, in one
# run. nginx is the upstream (`return 200`, a 199-byte body); standin is on
# core 0, wrk and nginx on core 1.
#
#  1. quiet: wrk at TOXI_CONNS connections through the proxy, p50/p99;
#  2. a latency toxic of 100 ms on the downstream: p50/p99 again, and the
#     toxic's error: each percentile less 100 ms less the quiet run's same
#     percentile, and as a bound the p99 less the quiet p50 (Toxiproxy
#     holds each chunk on a Go timer; the goal is a p99 error under 1 ms);
#  3. churn: the same wrk run while a client (on core 1, beside wrk, so
#     that standin's core is standin's alone) makes and deletes proxies and
#     adds and removes toxics on another proxy as fast as the API answers:
#     API calls per second, and the data plane's p99 against quiet (goal:
#     within 2x).
#
# Environment: TOXI_SECONDS (5), TOXI_CONNS (50).
set -euo pipefail
STANDIN=${1:?usage: toxiproxy.sh STANDIN}
here=$(cd "$(dirname "$0")" && pwd)
secs=${TOXI_SECONDS:-5}
conns=${TOXI_CONNS:-50}
. "$here/lib.sh"
bench_setup toxi

up=$(free_port)
nginx_upstream "$up"

cat >"$tmp/scenario.json" <<'JSON'
{ "standin": 1, "name": "toxiproxy-bench",
  "services": { "ums": { "persona": "ums", "listen": "127.0.0.1:0" } } }
JSON
$pin0 "$STANDIN" serve "$tmp/scenario.json" -q --control 127.0.0.1:0 \
	--ready-file "$tmp/ready.json" &
pids+=($!)
for _ in $(seq 1 200); do [ -s "$tmp/ready.json" ] && break; sleep 0.02; done
ctl=$(jq -r .control "$tmp/ready.json")
api() { curl -sf -X "$1" "http://$ctl$2" ${3:+-d "$3"}; }

api POST /proxies "{\"name\":\"bench\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"127.0.0.1:$up\"}" >/dev/null
listen=$(api GET /proxies/bench | jq -r .listen)

# wrk's p50 and p99, in milliseconds, from its --latency table.
wrk_run() {
	$pin1 wrk -t1 -c"$conns" -d"${secs}s" --latency "http://$listen/" >"$1"
}
pct() { awk -v p="$2" '$1 == p"%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) sub(/ms/, "", v); else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }' "$1"; }
rps() { awk '/^Requests\/sec/ { print $2 }' "$1"; }

wrk_run "$tmp/quiet.txt"
api POST /proxies/bench/toxics '{"type":"latency","attributes":{"latency":100}}' >/dev/null
wrk_run "$tmp/latency.txt"
api DELETE /proxies/bench/toxics/latency_downstream >/dev/null

# Churn: the API as fast as it answers, one keep-alive client, while wrk runs.
wrk_run "$tmp/churn.txt" &
wrk_pid=$!
$pin1 python3 "$here/toxiproxy-churn.py" "$ctl" "$secs" >"$tmp/churn-api.txt"
wait "$wrk_pid"

q50=$(pct "$tmp/quiet.txt" 50) q99=$(pct "$tmp/quiet.txt" 99)
l50=$(pct "$tmp/latency.txt" 50) l99=$(pct "$tmp/latency.txt" 99)
c50=$(pct "$tmp/churn.txt" 50) c99=$(pct "$tmp/churn.txt" 99)
calls=$(cat "$tmp/churn-api.txt")
echo "== a proxy made through Toxiproxy's API ($conns connections, ${secs}s a run; standin on core 0, wrk and nginx on core 1)"
printf '%-34s %10s %10s %10s\n' "run" "req/s" "p50 ms" "p99 ms"
printf '%-34s %10s %10s %10s\n' "quiet" "$(rps "$tmp/quiet.txt")" "$q50" "$q99"
printf '%-34s %10s %10s %10s\n' "latency toxic 100 ms" "$(rps "$tmp/latency.txt")" "$l50" "$l99"
printf '%-34s %10s %10s %10s\n' "quiet, API churning" "$(rps "$tmp/churn.txt")" "$c50" "$c99"
awk -v q50="$q50" -v l50="$l50" -v l99="$l99" -v q99="$q99" -v c99="$c99" -v calls="$calls" 'BEGIN {
	printf "latency toxic, its error (what it adds beyond 100 ms, percentile against percentile): p50 %+.3f ms, p99 %+.3f ms (goal: p99 < 1 ms)\n", l50 - 100 - q50, l99 - 100 - q99
	printf "  (bound: its p99 against the quiet p50, counting the path'"'"'s own tail as error too: %+.3f ms)\n", l99 - 100 - q50
	printf "API: %s calls/s (create+delete proxy, add+remove toxic) while proxied traffic flows\n", calls
	printf "data plane p99 under churn / quiet: %.2fx (goal: within 2x)\n", c99 / q99
}'
