#!/usr/bin/env bash
# bench/proxy.sh STANDIN: proxy mode against going direct and against
# HAProxy, in one run. nginx is the upstream (`return 200` with a 199-byte
# body, and a 100 MB file for bulk transfer); standin (a proxy service)
# and HAProxy (`mode tcp`, one thread) stand in front of it.
#
# Per target, in ROUNDS shuffled rounds: req/s and p50/p99 at PROXY_CONNS
# connections, and p50 at one connection (what a proxy adds to a request).
# Then a 100 MB body through each, and 10,000 idle proxied connections
# (RSS per client/upstream connection pair). The proxy is on core 0; wrk
# and the upstream nginx share core 1 (for the one-connection runs the
# proxy joins them there, so that what it adds is its own work).
#
# Environment: PROXY_ROUNDS (3), PROXY_SECONDS (5), PROXY_CONNS (50),
# PROXY_HOLD (10000 connections), PROXY_HOLD_SECONDS (10).
set -euo pipefail
STANDIN=${1:?usage: proxy.sh STANDIN}
here=$(cd "$(dirname "$0")" && pwd)
rounds=${PROXY_ROUNDS:-3}
secs=${PROXY_SECONDS:-5}
conns=${PROXY_CONNS:-50}
hold_n=${PROXY_HOLD:-10000}
# Each pair is two descriptors in the proxy: stay inside the hard limit.
fd_max=$(ulimit -Hn)
if [ "$fd_max" != unlimited ] && [ $((hold_n * 2 + 200)) -gt "$fd_max" ]; then
	hold_n=$(((fd_max - 200) / 2))
	echo "proxy: holding $hold_n connections (the descriptor limit is $fd_max)" >&2
fi
hold_s=${PROXY_HOLD_SECONDS:-10}
. "$here/lib.sh"
bench_setup proxy

# The upstream: nginx, one worker, on core 1 (beside wrk).
up=$(free_port)
head -c 100000000 /dev/zero >"$tmp/bulk"
nginx_upstream "$up"

# standin: one proxy service in front of it.
sp=$(free_port)
cat >"$tmp/proxy.json" <<JSON
{ "standin": 1, "name": "bench-proxy",
  "services": { "api": { "upstream": "127.0.0.1:$up", "listen": "127.0.0.1:$sp",
                         "idle_timeout": "1h" } } }
JSON
$pin0 "$STANDIN" serve "$tmp/proxy.json" --no-control -q &
spid=$!
pids+=($spid)
wait_port "$sp"

# standin as an HTTP-aware proxy ("protocol": "http"): it parses each
# request and answer, so that http faults could act on them.
shp=$(free_port)
cat >"$tmp/proxy-http.json" <<JSON
{ "standin": 1, "name": "bench-proxy-http",
  "services": { "api": { "upstream": "127.0.0.1:$up", "listen": "127.0.0.1:$shp",
                         "protocol": "http", "idle_timeout": "1h" } } }
JSON
$pin0 "$STANDIN" serve "$tmp/proxy-http.json" --no-control -q &
shpid=$!
pids+=($shpid)
wait_port "$shp"

# HAProxy: mode tcp, one thread, the same upstream.
hp=$(free_port)
cat >"$tmp/haproxy.cfg" <<CFG
global
	nbthread 1
	maxconn $((hold_n + 50))
defaults
	mode tcp
	timeout connect 5s
	timeout client 1h
	timeout server 1h
listen api
	bind 127.0.0.1:$hp
	server up 127.0.0.1:$up
CFG
$pin0 haproxy -f "$tmp/haproxy.cfg" -db &
hpid=$!
pids+=($hpid)
wait_port "$hp"

port_of() { case $1 in direct) echo "$up" ;; standin) echo "$sp" ;; standin-http) echo "$shp" ;; haproxy) echo "$hp" ;; esac; }
us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) ; else if (v ~ /ms$/) n *= 1000; else if (v ~ /s$/) n *= 1000000; printf "%.0f", n }'; }

: >"$tmp/results"
for r in $(seq 1 "$rounds"); do
	for t in $(printf '%s\n' direct standin standin-http haproxy | shuf); do
		url="http://127.0.0.1:$(port_of "$t")/"
		out=$($pin1 wrk -t1 -c"$conns" -d"${secs}s" --latency "$url")
		# One connection, everything on core 1: what the proxy's own
		# work adds, not the cost of waking another core.
		[ -n "$pin1" ] && for p in $spid $shpid $hpid; do taskset -pc 1 "$p" >/dev/null; done
		c1=$($pin1 wrk -t1 -c1 -d2s --latency "$url")
		[ -n "$pin0" ] && for p in $spid $shpid $hpid; do taskset -pc 0 "$p" >/dev/null; done
		echo "$t $r $(awk '/^Requests\/sec/ {print $2}' <<<"$out") \
$(us "$(awk '$1 == "50%" {print $2}' <<<"$out")") $(us "$(awk '$1 == "99%" {print $2}' <<<"$out")") \
$(us "$(awk '$1 == "50%" {print $2}' <<<"$c1")")" >>"$tmp/results"
	done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v t="$1" -v c="$2" '$1 == t { print $c }' "$tmp/results" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "proxy mode: wrk -t1 -c$conns -d${secs}s and -c1 -d2s, $rounds shuffled rounds; upstream nginx (return 200, ${#user_body}+1 bytes)"
printf '%-13s %10s %9s %9s %9s\n' median req/s p50us p99us c1-p50us
for t in direct standin standin-http haproxy; do
	printf '%-13s %10s %9s %9s %9s\n' "$t" "$(col "$t" 3)" "$(col "$t" 4)" "$(col "$t" 5)" "$(col "$t" 6)"
done
echo "  standin vs direct, req/s:   $(ratio "$(col standin 3)" "$(col direct 3)")x (goal >= 0.7)"
echo "  standin vs HAProxy, req/s:  $(ratio "$(col standin 3)" "$(col haproxy 3)")x (goal >= 0.9)"
echo "  standin http-aware vs direct, req/s: $(ratio "$(col standin-http 3)" "$(col direct 3)")x"
echo "  added c1 p50 (standin - direct): $(( $(col standin 6) - $(col direct 6) )) us (goal < 50); HAProxy's: $(( $(col haproxy 6) - $(col direct 6) )) us"

# 100 MB through each, PROXY_BULK_ROUNDS (7) rounds of one transfer each,
# interleaved (this machine's speed drifts between runs): the medians, and
# the median of each round's ratio to going direct.
bulk_rounds=${PROXY_BULK_ROUNDS:-7}
: >"$tmp/bulk.txt"
for _ in $(seq 1 "$bulk_rounds"); do
	line=
	for t in direct standin haproxy; do
		line="$line $($pin1 curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$(port_of "$t")/bulk")"
	done
	echo "$line" >>"$tmp/bulk.txt"
done
bulk_median() { awk "{ print $1 }" "$tmp/bulk.txt" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1e6 }'; }
echo "100 MB body, median of $bulk_rounds interleaved rounds: direct $(mb "$(bulk_median '$1')") MB/s," \
	"standin $(mb "$(bulk_median '$2')") MB/s ($(printf '%.2f' "$(bulk_median '$2 / $1')")x, goal >= 0.8)," \
	"HAProxy $(mb "$(bulk_median '$3')") MB/s ($(printf '%.2f' "$(bulk_median '$3 / $1')")x)"

# Idle proxied connections: RSS per client/upstream pair, standin and HAProxy.
for t in standin haproxy; do
	pid=$spid; [ "$t" = haproxy ] && pid=$(pgrep -n -P "$hpid" haproxy || echo "$hpid")
	read -r before held _ ok tries _ < <(python3 "$here/hold.py" "127.0.0.1:$(port_of "$t")" "$hold_n" "$hold_s" \
		"http://127.0.0.1:$(port_of "$t")/" "$pid")
	echo "$hold_n idle proxied connections through $t: RSS $before kB before, $held kB holding:" \
		"$(awk -v a="$before" -v b="$held" -v n="$hold_n" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }') bytes per pair" \
		"$( [ "$t" = standin ] && echo "(goal < 8192)")" "($ok of $tries requests answered meanwhile)"
done
