#!/usr/bin/env bash
# bench/run.sh STANDIN: `make bench`. Measures standin against nginx
# serving a body of the same size on loopback, in the same run, and prints
# a table: req/s, p50/p99 latency, ratio to nginx, time-to-ready, RSS.
#
# Not part of `make check`: timings live here, never in tests.
# Environment: BENCH_SECONDS (default 10), BENCH_CONNS (default 50),
# BENCH_COST=0 skips the cost table (bench/cost.sh, COST_* settings),
# BENCH_PROXY=0 the proxy figures (bench/proxy.sh, PROXY_* settings),
# BENCH_TOXIPROXY=0 the Toxiproxy API's (bench/toxiproxy.sh, TOXI_*).
set -euo pipefail
STANDIN=${1:?usage: run.sh STANDIN}
here=$(cd "$(dirname "$0")" && pwd)
secs=${BENCH_SECONDS:-10}
# Every POST stores a new donation and the store holds 100,000: keep the
# POST run short enough to stay under that.
post_secs=${BENCH_POST_SECONDS:-2}
conns=${BENCH_CONNS:-50}

need() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "bench: installing ${missing[*]}" >&2
	local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}
need wrk nginx-light haproxy curl jq procps python3

tmp=$(mktemp -d /tmp/standin-bench.XXXXXX)
chmod 755 "$tmp" # nginx's worker runs as another user
spid= npid= tnpid=
cleanup() {
	if [ -n "$spid" ]; then kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; fi
	if [ -n "$npid" ]; then kill "$npid" 2>/dev/null; fi
	if [ -n "$tnpid" ]; then kill "$tnpid" 2>/dev/null; fi
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT

now_ns() { date +%s%N; }

# Time from exec to the ready file, best of 10 starts (ms).
ready_ms=()
for i in $(seq 1 10); do
	rm -f "$tmp/ready.json"
	t0=$(now_ns)
	"$STANDIN" serve "$here/scenario.json" --control 127.0.0.1:0 --ready-file "$tmp/ready.json" -q &
	spid=$!
	while [ ! -s "$tmp/ready.json" ]; do :; done
	t1=$(now_ns)
	ready_ms+=("$(( (t1 - t0) / 1000 ))")
	kill "$spid"; wait "$spid" || true; spid=
done
ready_best=$(printf '%s\n' "${ready_ms[@]}" | sort -n | head -n 1)
ready_median=$(printf '%s\n' "${ready_ms[@]}" | sort -n | sed -n 5p)

"$STANDIN" serve "$here/scenario.json" --control 127.0.0.1:0 --ready-file "$tmp/ready.json" -q &
spid=$!
while [ ! -s "$tmp/ready.json" ]; do sleep 0.01; done
ums=$(jq -r .services.ums "$tmp/ready.json")
fin=$(jq -r .services.fin "$tmp/ready.json")
sleep 0.2
idle_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$spid/status")

# nginx: one worker, serving the same bytes as GET /v1/users/u1001.
mkdir -p "$tmp/www/v1/users" "$tmp/nginx"
curl -s "http://$ums/v1/users/u1001" >"$tmp/www/v1/users/u1001"
body_bytes=$(wc -c <"$tmp/www/v1/users/u1001")
# A port the kernel has just handed out free (nginx cannot listen on 0).
nport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$nport;
		root $tmp/www;
		default_type application/json;
	}
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
npid=$!
for i in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$nport/v1/users/u1001" && break; sleep 0.05; done

# run_wrk NAME URL [WRK-ARGS]: one wrk run; prints "req/s p50 p99".
run_wrk() {
	local out
	out=$(wrk -t1 -c"$conns" -d"${WRK_SECONDS:-$secs}s" --latency "${@:3}" "$2")
	echo "$out" >"$tmp/wrk-$1.txt"
	local rps p50 p99
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	if grep -q 'Non-2xx' <<<"$out"; then
		echo "bench: $1: $(grep 'Non-2xx' <<<"$out" | sed 's/^ *//') (the figures are not valid)" >&2
	fi
	echo "$rps $p50 $p99"
}

read -r n_rps n_p50 n_p99 < <(run_wrk nginx "http://127.0.0.1:$nport/v1/users/u1001")
read -r g_rps g_p50 g_p99 < <(run_wrk get "http://$ums/v1/users/u1001")
read -r p_rps p_p50 p_p99 < <(WRK_SECONDS=$post_secs run_wrk post "http://$fin/v1/donations" -s "$here/post-donation.lua")
peak_rss=$(awk '/^VmHWM/ {print $2}' "/proc/$spid/status")
donations=$(curl -s "http://$fin/v1/ledger" | jq -r .count)

# Healthy throughput with the journal on, in a second standin.
kill "$spid"; wait "$spid" || true; spid=
"$STANDIN" serve "$here/scenario.json" --control 127.0.0.1:0 --ready-file "$tmp/ready.json" -q \
	--journal "$tmp/journal.jsonl" &
spid=$!
while [ ! -s "$tmp/ready.json" ] || [ "$(jq -r .pid "$tmp/ready.json")" != "$spid" ]; do sleep 0.01; done
ums=$(jq -r .services.ums "$tmp/ready.json")
read -r j_rps j_p50 j_p99 < <(run_wrk journal "http://$ums/v1/users/u1001")
journal_lines=$(wc -l <"$tmp/journal.jsonl")
kill "$spid"; wait "$spid" || true; spid=

# Healthy throughput while a client polls the control API (status, the last
# 1,000 journal events, metrics) every 10 ms on a keep-alive connection.
"$STANDIN" serve "$here/scenario.json" --control 127.0.0.1:0 --ready-file "$tmp/ready.json" -q &
spid=$!
while [ ! -s "$tmp/ready.json" ] || [ "$(jq -r .pid "$tmp/ready.json")" != "$spid" ]; do sleep 0.01; done
ums=$(jq -r .services.ums "$tmp/ready.json")
python3 "$here/poll-control.py" "$(jq -r .control "$tmp/ready.json")" "$secs" >"$tmp/poll.txt" &
poller=$!
read -r c_rps c_p50 c_p99 < <(run_wrk control "http://$ums/v1/users/u1001")
wait "$poller"
read -r c_polls c_worst < <(cat "$tmp/poll.txt")
kill "$spid"; wait "$spid" || true; spid=

# An injected 100ms delay at 10 and 200 connections: how exact is it, from
# outside (wrk) and from inside (the hold metrics)?
DELAY_SECONDS=$secs bash "$here/delay.sh" "$STANDIN" >"$tmp/delay.txt"

# Connections held open by a blackhole, with health checks meanwhile.
hold_n=${BENCH_HOLD_CONNS:-10000}
hold_s=${BENCH_HOLD_SECONDS:-60}
rm -f "$tmp/ready.json"
"$STANDIN" serve "$here/blackhole.json" --control 127.0.0.1:0 --ready-file "$tmp/ready.json" -q &
spid=$!
while [ ! -s "$tmp/ready.json" ]; do sleep 0.01; done
read -r h_before h_held h_peak h_ok h_tries h_worst < <(python3 "$here/hold.py" \
	"$(jq -r .services.hole "$tmp/ready.json")" "$hold_n" "$hold_s" \
	"http://$(jq -r .services.ums "$tmp/ready.json")/health" "$spid")
kill "$spid"; wait "$spid" || true; spid=

# TLS: the same certificate and protocol (TLS 1.3, P-256) for standin and
# nginx; keep-alive GET throughput, and full handshakes per second
# (Connection: close, so every request is a new TLS connection).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj /CN=localhost \
	-addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
chmod 644 "$tmp/key.pem"
jq -n --arg c "$tmp/cert.pem" --arg k "$tmp/key.pem" '{standin: 1, name: "bench-tls",
	services: {ums: {persona: "ums", listen: "127.0.0.1:0",
	tls: {min_version: "1.3", max_version: "1.3", cert: {cert: $c, key: $k}}}}}' \
	>"$tmp/tls.json"
tport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/nginx/nginx-tls.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx-tls.pid;
error_log $tmp/nginx/error-tls.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$tport ssl;
		ssl_certificate $tmp/cert.pem;
		ssl_certificate_key $tmp/key.pem;
		ssl_protocols TLSv1.3;
		ssl_session_tickets off;
		ssl_session_cache off;
		root $tmp/www;
		default_type application/json;
	}
}
CONF
nginx -c "$tmp/nginx/nginx-tls.conf" -p "$tmp/nginx" &
tnpid=$!
rm -f "$tmp/ready.json"
"$STANDIN" serve "$tmp/tls.json" --control 127.0.0.1:0 --ready-file "$tmp/ready.json" -q &
spid=$!
while [ ! -s "$tmp/ready.json" ]; do sleep 0.01; done
tums=$(jq -r .services.ums "$tmp/ready.json")
for i in $(seq 1 100); do curl -sk -o /dev/null "https://127.0.0.1:$tport/v1/users/u1001" && break; sleep 0.05; done
read -r tn_rps tn_p50 tn_p99 < <(run_wrk tls-nginx "https://127.0.0.1:$tport/v1/users/u1001")
read -r ts_rps ts_p50 ts_p99 < <(run_wrk tls-standin "https://$tums/v1/users/u1001")
read -r hn_rps hn_p50 hn_p99 < <(run_wrk hs-nginx "https://127.0.0.1:$tport/v1/users/u1001" -H 'Connection: close')
read -r hs_rps hs_p50 hs_p99 < <(run_wrk hs-standin "https://$tums/v1/users/u1001" -H 'Connection: close')
kill "$spid"; wait "$spid" || true; spid=
kill "$tnpid" 2>/dev/null; wait "$tnpid" 2>/dev/null || true; tnpid=

# ms: wrk's "100.52ms" / "1.02s" / "900.00us" in milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo
echo "standin bench: wrk -t1 -c$conns -d${secs}s (POST ${post_secs}s), one standin process vs one nginx worker, body $body_bytes bytes"
printf '%-34s %12s %10s %10s %10s\n' "target" "req/s" "p50" "p99" "vs nginx"
printf '%-34s %12s %10s %10s %10s\n' "nginx static (baseline)" "$n_rps" "$n_p50" "$n_p99" "1.00"
printf '%-34s %12s %10s %10s %10s\n' "standin GET /v1/users/{id}" "$g_rps" "$g_p50" "$g_p99" "$(ratio "$g_rps" "$n_rps")"
printf '%-34s %12s %10s %10s %10s\n' "standin POST /v1/donations" "$p_rps" "$p_p50" "$p_p99" "$(ratio "$p_rps" "$n_rps")"
echo
echo "time to ready:  best ${ready_best} us, median ${ready_median} us of 10 starts (target < 50 ms)"
echo "idle RSS:       ${idle_rss} kB (target < 8192 kB)"
echo "peak RSS:       ${peak_rss} kB after the runs ($donations donations stored)"
echo
printf '%-34s %12s %10s %10s %10s\n' "standin GET, journal on" "$j_rps" "$j_p50" "$j_p99" "$(ratio "$j_rps" "$g_rps") of off"
echo "                  ($journal_lines journal lines written)"
printf '%-34s %12s %10s %10s %10s\n' "standin GET, control API polled" "$c_rps" "$c_p50" "$c_p99" "$(ratio "$c_rps" "$g_rps") of quiet"
echo "                  ($c_polls control requests answered, slowest $c_worst ms)"
echo
echo "TLS 1.3 (same P-256 certificate for both):"
printf '%-34s %12s %10s %10s %10s\n' "nginx TLS GET (keep-alive)" "$tn_rps" "$tn_p50" "$tn_p99" "1.00"
printf '%-34s %12s %10s %10s %10s\n' "standin TLS GET (keep-alive)" "$ts_rps" "$ts_p50" "$ts_p99" "$(ratio "$ts_rps" "$tn_rps")"
printf '%-34s %12s %10s %10s %10s\n' "nginx full handshakes/s" "$hn_rps" "$hn_p50" "$hn_p99" "1.00"
printf '%-34s %12s %10s %10s %10s\n' "standin full handshakes/s" "$hs_rps" "$hs_p50" "$hs_p99" "$(ratio "$hs_rps" "$hn_rps")"
echo
echo "injected delay 100ms (bench/delay.sh):"
sed 's/^/  /' "$tmp/delay.txt"
echo
echo "blackhole holding $hold_n connections for ${hold_s}s:"
echo "  RSS ${h_before} kB before, ${h_held} kB holding, ${h_peak} kB at the end:" \
	"$(awk -v a="$h_before" -v b="$h_peak" -v n="$hold_n" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }') bytes per held connection (target < 4096)"
echo "  health checks answered meanwhile: $h_ok of $h_tries, slowest ${h_worst} ms"

# The financial engine's store filled with 100,000 donations (each with its
# own 36-character Idempotency-Key, pipelined on one connection): RSS per
# donation, the time of one page of 1,000 of the user's donations, and of
# POST /reset, which drops the whole store and reloads the fixture.
fill_n=${BENCH_FILL_DONATIONS:-100000}
rm -f "$tmp/ready.json"
"$STANDIN" serve "$here/scenario.json" --control 127.0.0.1:0 --ready-file "$tmp/ready.json" -q &
spid=$!
while [ ! -s "$tmp/ready.json" ]; do sleep 0.01; done
fin=$(jq -r .services.fin "$tmp/ready.json")
ctl=$(jq -r .control "$tmp/ready.json")
sleep 0.2
f_rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$spid/status")
read -r f_secs f_made < <(python3 - "$fin" "$fill_n" <<'PY'
import re, socket, sys, time

host, port = sys.argv[1].rsplit(":", 1)
n = int(sys.argv[2])
body = b'{"user_id":"u1001","charity_id":"c-wwf","amount_cents":1500,"currency":"EUR"}'
head = (b"POST /v1/donations HTTP/1.1\r\nHost: fin\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n"
        b"Idempotency-Key: fill-%%08d-7b44-4d0a-9c1e-5a2b8e\r\n\r\n" % len(body))
length = re.compile(rb"content-length: *(\d+)", re.I)
s = socket.create_connection((host, int(port)))
batches = [(i, min(256, n - i)) for i in range(0, n, 256)]


def send(b):
    s.sendall(b"".join(head % (b[0] + j) + body for j in range(b[1])))


# One batch ahead: the next requests go out while the answers to the last
# come in, so neither side waits on a delayed ACK.
buf, made, t0 = bytearray(), 0, time.monotonic()
send(batches[0])
for i, (start, k) in enumerate(batches):
    if i + 1 < len(batches):
        send(batches[i + 1])
    pos = got = 0
    while got < k:
        end = buf.find(b"\r\n\r\n", pos)
        m = length.search(buf, pos, end) if end >= 0 else None
        if end < 0 or len(buf) < end + 4 + (int(m.group(1)) if m else 0):
            chunk = s.recv(1 << 16)
            if not chunk:
                sys.exit("bench: fill: the connection closed")
            buf += chunk
            continue
        made += buf.startswith(b"HTTP/1.1 201", pos)
        pos = end + 4 + (int(m.group(1)) if m else 0)
        got += 1
    del buf[:pos]
print("%.2f %d" % (time.monotonic() - t0, made))
PY
)
f_rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$spid/status")
f_count=$(curl -s "http://$fin/v1/ledger" | jq -r .count)
f_page=$(curl -s -o "$tmp/page.json" -w '%{time_total}' "http://$fin/v1/users/u1001/donations?limit=1000")
f_page_bytes=$(wc -c <"$tmp/page.json")
f_reset=$(curl -s -o /dev/null -w '%{time_total}' -X POST "http://$ctl/reset")
f_after=$(curl -s "http://$fin/v1/ledger" | jq -r .count)
f_rss2=$(awk '/^VmRSS/ {print $2}' "/proc/$spid/status")
kill "$spid"; wait "$spid" || true; spid=

echo
echo "financial engine filled with $fill_n donations in ${f_secs}s ($f_made created, $f_count stored):"
echo "  RSS ${f_rss0} kB before, ${f_rss1} kB full:" \
	"$(awk -v a="$f_rss0" -v b="$f_rss1" -v n="$f_made" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }') bytes per donation (target < 300)"
echo "  GET a page of the user's donations (limit=1000): $(awk -v t="$f_page" 'BEGIN { printf "%.1f", t * 1000 }') ms, $f_page_bytes bytes"
echo "  POST /reset on the full store: $(awk -v t="$f_reset" 'BEGIN { printf "%.1f", t * 1000 }') ms" \
	"($f_after donations after it, RSS ${f_rss2} kB)"

# Proxy mode against going direct and against HAProxy (bench/proxy.sh).
if [ "${BENCH_PROXY:-1}" != 0 ]; then
	echo
	bash "$here/proxy.sh" "$STANDIN"
fi

# A proxy made through Toxiproxy's API: a latency toxic's error, the API's
# rate while traffic flows (bench/toxiproxy.sh).
if [ "${BENCH_TOXIPROXY:-1}" != 0 ]; then
	echo
	bash "$here/toxiproxy.sh" "$STANDIN"
fi

# What a request costs (CPU per request against nginx's `return 200` of the
# same bytes, pinned, shuffled rounds) and the performance goals' ratios.
if [ "${BENCH_COST:-1}" != 0 ]; then
	echo
	bash "$here/cost.sh" "$STANDIN"
fi
