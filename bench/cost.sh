#!/usr/bin/env bash
# bench/cost.sh STANDIN: what a request costs standin, against nginx
# answering the same bytes with `return 200` (no file I/O: the fair limit
# for a canned answer), all in one run.
#
# Each target is a fresh server pinned to core 0 with wrk pinned to core 1
# (where there are two cores or more), in ROUNDS rounds whose order is
# shuffled. For each it records requests per second and p50/p99 latency at
# COST_CONNS connections, and the server's CPU per request: user + system
# time from /proc over the run divided by the requests it served. Then a
# one-connection run (c1) for latency. Prints per-round figures and the
# medians, and the ratios the performance goals are stated in.
#
# The c1 goal (p99 against nginx's, every round) is measured paired
# (c1pair.py): one client alternates requests between nginx and standin,
# both up at once, so that the machine's moments of noise fall on both.
# One server after the other, an nginx against an identical nginx ranged
# 0.69x-1.96x per round on a 2-vCPU VM.
#
# Environment: COST_ROUNDS (5), COST_SECONDS (5), COST_CONNS (50),
# COST_C1_SECONDS (3), COST_C1_REQUESTS (paired c1: 5000 each),
# COST_TARGETS (all; a space-separated subset).
set -euo pipefail
STANDIN=${1:?usage: cost.sh STANDIN}
here=$(cd "$(dirname "$0")" && pwd)
rounds=${COST_ROUNDS:-5}
secs=${COST_SECONDS:-5}
conns=${COST_CONNS:-50}
c1secs=${COST_C1_SECONDS:-3}
c1reqs=${COST_C1_REQUESTS:-5000}
targets=${COST_TARGETS:-"nginx-get nginx-health get health post journal faults50 nginx-tls tls"}
srv_pin= cli_pin=
if [ "$(nproc)" -ge 2 ]; then srv_pin="taskset -c 0"; cli_pin="taskset -c 1"; fi
tck=$(getconf CLK_TCK)

tmp=$(mktemp -d /tmp/standin-cost.XXXXXX)
chmod 755 "$tmp" # nginx's worker runs as another user
spid=
cleanup() {
	if [ -n "$spid" ]; then kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true; fi
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT

# The bytes nginx answers: the same bodies standin's persona serves.
"$STANDIN" serve "$here/scenario.json" --no-control --ready-file "$tmp/ready.json" -q &
spid=$!
while [ ! -s "$tmp/ready.json" ]; do sleep 0.01; done
ums=$(jq -r .services.ums "$tmp/ready.json")
curl -s "http://$ums/v1/users/u1001" | tr -d '\n' >"$tmp/user.body"
curl -s "http://$ums/health" | tr -d '\n' >"$tmp/health.body"
kill "$spid"; wait "$spid" || true; spid=

# 50 http faults that never match GET /v1/users/{id} or /health.
jq -n '{standin: 1, name: "cost-faults", services: {ums: {persona: "ums",
	listen: "127.0.0.1:0"}}, faults: [range(50) | {layer: "http",
	type: "status", status: 503, match: {method: "DELETE",
	path: ("/nowhere/" + tostring)}}]}' >"$tmp/faults50.json"

# TLS: the same P-256 certificate for both, TLS 1.3.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj /CN=localhost \
	-addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
chmod 644 "$tmp/key.pem"
jq -n --arg c "$tmp/cert.pem" --arg k "$tmp/key.pem" '{standin: 1, name: "cost-tls",
	services: {ums: {persona: "ums", listen: "127.0.0.1:0",
	tls: {min_version: "1.3", max_version: "1.3", cert: {cert: $c, key: $k}}}}}' \
	>"$tmp/tls.json"

# A port the kernel has just handed out free (nginx cannot listen on 0).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# nginx_conf NAME LISTEN-SUFFIX: a one-worker nginx answering both paths
# with `return 200` and standin's own headers' shape.
nginx_conf() {
	cat >"$tmp/$1.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/$1.pid;
error_log $tmp/$1.err;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $tmp;
	proxy_temp_path $tmp;
	fastcgi_temp_path $tmp;
	uwsgi_temp_path $tmp;
	scgi_temp_path $tmp;
	keepalive_requests 10000000;
	default_type application/json;
	server {
		listen 127.0.0.1:$port $2;
		ssl_certificate $tmp/cert.pem;
		ssl_certificate_key $tmp/key.pem;
		ssl_protocols TLSv1.3;
		location = /v1/users/u1001 { return 200 '$(cat "$tmp/user.body")\n'; }
		location = /health { return 200 '$(cat "$tmp/health.body")\n'; }
	}
}
CONF
}
nginx_conf nginx ""
nginx_conf nginx-tls "ssl"

# start TARGET: the server for a target; sets spid (the process whose CPU
# counts: nginx's worker), url, and wrk's extra arguments in wargs.
start() {
	local scen=$here/scenario.json extra=() path=/v1/users/u1001 svc=ums scheme=http
	wargs=()
	case $1 in
	nginx-get | nginx-health | nginx-tls)
		local conf=nginx
		[ "$1" = nginx-tls ] && conf=nginx-tls && scheme=https
		[ "$1" = nginx-health ] && path=/health
		$srv_pin nginx -c "$tmp/$conf.conf" -p "$tmp" &
		npid=$!
		for _ in $(seq 1 200); do
			curl -sk -o /dev/null "$scheme://127.0.0.1:$port$path" && break
			sleep 0.02
		done
		spid=$(pgrep -P "$npid" | head -n 1)
		url="$scheme://127.0.0.1:$port$path"
		return ;;
	health) path=/health ;;
	post) svc=fin; path=/v1/donations; wargs=(-s "$here/post-donation.lua") ;;
	journal) extra=(--journal "$tmp/journal.jsonl") ;;
	faults50) scen=$tmp/faults50.json ;;
	tls) scen=$tmp/tls.json; scheme=https ;;
	esac
	rm -f "$tmp/ready.json"
	$srv_pin "$STANDIN" serve "$scen" --no-control --ready-file "$tmp/ready.json" -q "${extra[@]}" &
	spid=$!
	npid=
	while [ ! -s "$tmp/ready.json" ]; do sleep 0.01; done
	url="$scheme://$(jq -r ".services.$svc" "$tmp/ready.json")$path"
}

stop() {
	if [ -n "${npid:-}" ]; then kill "$npid"; wait "$npid" 2>/dev/null || true
	else kill "$spid"; wait "$spid" 2>/dev/null || true; fi
	spid= npid=
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# us V: wrk's "100.52ms" / "1.02s" / "900.00us" in microseconds.
us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) ; else if (v ~ /ms$/) n *= 1000; else if (v ~ /s$/) n *= 1000000; printf "%.0f", n }'; }

# measure TARGET ROUND: one c$conns run and one c1 run; appends a line.
measure() {
	local out t0 t1 reqs
	start "$1"
	sleep 0.2
	t0=$(ticks "$spid")
	out=$($cli_pin wrk -t1 -c"$conns" -d"${secs}s" --latency "${wargs[@]}" "$url")
	t1=$(ticks "$spid")
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	if grep -q 'Non-2xx' <<<"$out"; then
		echo "cost: $1: $(grep 'Non-2xx' <<<"$out" | sed 's/^ *//') (its figures are not valid)" >&2
	fi
	local c1
	c1=$($cli_pin wrk -t1 -c1 -d"${c1secs}s" --latency "${wargs[@]}" "$url")
	stop
	echo "$1 $2 $(awk '/^Requests\/sec/ {print $2}' <<<"$out") \
$(us "$(awk '$1 == "50%" {print $2}' <<<"$out")") \
$(us "$(awk '$1 == "99%" {print $2}' <<<"$out")") \
$(awk -v t="$((t1 - t0))" -v r="$reqs" -v hz="$tck" 'BEGIN { printf "%.2f", t / hz * 1e6 / r }') \
$(us "$(awk '$1 == "99%" {print $2}' <<<"$c1")")" >>"$tmp/results"
}

: >"$tmp/results"
: >"$tmp/pairs"
# pair TARGET NGINX-TARGET ROUND: c1 p50/p99 of both, paired; appends a line.
pair() {
	local n_pid n_url
	start "$2"
	n_pid=$npid n_url=$url
	start "$1"
	sleep 0.2
	echo "$1 $3 $($cli_pin python3 "$here/c1pair.py" "$n_url" "$url" "$c1reqs")" >>"$tmp/pairs"
	stop
	kill "$n_pid"; wait "$n_pid" 2>/dev/null || true
}
has() { [[ " $targets " == *" $1 "* ]]; }
for r in $(seq 1 "$rounds"); do
	for t in $(printf '%s\n' $targets | shuf); do
		measure "$t" "$r"
	done
	if has get && has nginx-get; then pair get nginx-get "$r"; fi
	if has health && has nginx-health; then pair health nginx-health "$r"; fi
done

echo "cost per request: wrk -t1 -c$conns -d${secs}s (c1: -c1 -d${c1secs}s), $rounds shuffled rounds${srv_pin:+, server on core 0, wrk on core 1}"
printf '%-13s %5s %10s %9s %9s %9s %9s\n' target round req/s p50us p99us cpu-us c1-p99us
sort -k1,1 -k2,2n "$tmp/results" | while read -r t r rps p50 p99 cpu c1; do
	printf '%-13s %5s %10s %9s %9s %9s %9s\n' "$t" "$r" "$rps" "$p50" "$p99" "$cpu" "$c1"
done
echo
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v t="$1" -v c="$2" '$1 == t { print $c }' "$tmp/results" | median; }
printf '%-13s %10s %9s %9s %9s %9s\n' median req/s p50us p99us cpu-us c1-p99us
for t in $targets; do
	printf '%-13s %10s %9s %9s %9s %9s\n' "$t" "$(col "$t" 3)" "$(col "$t" 4)" "$(col "$t" 5)" "$(col "$t" 6)" "$(col "$t" 7)"
done
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "goals (medians):"
if has get && has nginx-get; then
	echo "  GET CPU/request vs nginx:     $(ratio "$(col get 6)" "$(col nginx-get 6)")x (goal <= 1.15)"
	echo "  GET req/s vs nginx:           $(ratio "$(col get 3)" "$(col nginx-get 3)")x (goal >= 0.9)"
fi
if has health && has nginx-health; then
	echo "  /health CPU/request vs nginx: $(ratio "$(col health 6)" "$(col nginx-health 6)")x (goal <= 1.15)"
	echo "  /health req/s vs nginx:       $(ratio "$(col health 3)" "$(col nginx-health 3)")x (goal >= 0.9)"
fi
has post && has get && echo "  POST CPU/request vs GET:      $(ratio "$(col post 6)" "$(col get 6)")x (goal <= 1.5)"
has journal && has get && echo "  journal on vs off (CPU):      $(ratio "$(col journal 6)" "$(col get 6)")x (goal <= 1.2)"
has faults50 && has get && echo "  50 faults vs none (CPU):      $(ratio "$(col faults50 6)" "$(col get 6)")x (goal <= 1.1)"
has tls && has nginx-tls && echo "  TLS GET CPU/request vs nginx: $(ratio "$(col tls 6)" "$(col nginx-tls 6)")x"
# c1 p99 against nginx's, paired (c1pair.py), every round.
for t in get health; do
	grep -q "^$t " "$tmp/pairs" || continue
	awk -v t="$t" -v n="$c1reqs" '$1 == t { x = $6 / $4; if (x > w) w = x
		printf "    round %s: c1 p99 %s vs nginx %s us (p50 %s vs %s): %.2fx\n", $2, $6, $4, $5, $3, x }
		END { printf "  %s c1 p99 vs nginx (paired, %d requests each), worst round: %.2fx (goal <= 1.2 in every round)\n", t, n, w }' "$tmp/pairs"
done
