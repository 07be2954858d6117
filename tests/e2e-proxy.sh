#!/usr/bin/env bash
# e2e-proxy.sh: proxy mode end to end. standin stands in front of real
# upstreams started here on port 0 (raw TCP ones from tests/upstream.py,
# and a second standin's UMS persona, reached by name), and real clients
# (curl, Python sockets) see through it what a real outage shows them:
# refused, reset, closed, cut short, silent, slow, and TLS faults.
. "$top_srcdir/tests/lib.sh"

UP=$TMP/up.json
UPID= P2=
trap 'kill $UPID $P2 2>/dev/null; cleanup' EXIT
client() { python3 "$top_srcdir/tests/proxy-client.py" "$@"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

python3 "$top_srcdir/tests/upstream.py" "$UP" &
UPID=$!
# The second standin: UMS in plain TCP, and over TLS (its certificate
# for ums.test, from the CA it writes out) for upstream_tls.
jq -n '{ standin: 1, name: "upstreams", services: {
	ums: { persona: "ums", listen: "127.0.0.1:0" },
	tlsums: { persona: "ums", listen: "127.0.0.1:0", tls: { names: ["ums.test"] } },
	tls13: { persona: "ums", listen: "127.0.0.1:0", tls: { min_version: "1.3" } } } }' >"$TMP/upstreams.json"
"$STANDIN" serve "$TMP/upstreams.json" --no-control --ready-file "$TMP/p2.json" --ca-out "$TMP/ca.pem" -q &
P2=$!
for _ in $(seq 1 200); do [ -s "$UP" ] && [ -s "$TMP/p2.json" ] && break; sleep 0.025; done
up() { jq -r --arg m "$1" '.[$m]' "$UP"; }
persona=localhost:$(jq -r '.services.ums' "$TMP/p2.json" | sed 's/.*://')
tlsums=$(jq -r '.services.tlsums' "$TMP/p2.json")
tls13=$(jq -r '.services.tls13' "$TMP/p2.json")

# An mTLS upstream: openssl s_server that requires a client certificate
# from our CA, and the certificates for it.
(
	cd "$TMP" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout mca.key \
		-out mca.pem -days 2 -subj /CN=mtls-ca &&
	for n in server client; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key \
			-out $n.csr -subj /CN=localhost &&
		openssl x509 -req -in $n.csr -CA mca.pem -CAkey mca.key -CAcreateserial \
			-out $n.pem -days 2 -extfile <(printf 'subjectAltName=DNS:localhost\n')
	done
) >/dev/null 2>&1
mport=$(free_port)
openssl s_server -accept "127.0.0.1:$mport" -cert "$TMP/server.pem" -key "$TMP/server.key" \
	-CAfile "$TMP/mca.pem" -Verify 1 -www -quiet >/dev/null 2>&1 &
MPID=$!
gone=127.0.0.1:$(free_port) gone2=127.0.0.1:$(free_port) back=$(free_port)
# An upstream whose accept queue is full: SYNs are dropped, dials hang.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
fill = [socket.socket() for _ in range(4)]
for c in fill:
    c.setblocking(False)
    try:
        c.connect(s.getsockname())
    except BlockingIOError:
        pass
print(s.getsockname()[1], flush=True)
time.sleep(600)' >"$TMP/stuck.port" &
SPID=$!
trap 'kill $UPID $P2 $SPID $MPID 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 200); do [ -s "$TMP/stuck.port" ] && break; sleep 0.025; done
stuck=127.0.0.1:$(cat "$TMP/stuck.port")

jq -n --arg persona "$persona" --arg echo "$(up echo)" --arg reset "$(up reset)" \
	--arg halfway "$(up halfway)" --arg silent "$(up silent)" --arg bulk "$(up bulk)" \
	--arg log "$(up log)" --arg stuck "$stuck" --arg tlsums "$tlsums" --arg tls13 "$tls13" \
	--arg mtls "localhost:$mport" --arg ca "$TMP/ca.pem" --arg mca "$TMP/mca.pem" \
	--arg ccert "$TMP/client.pem" --arg ckey "$TMP/client.key" --arg gone "$gone" --arg gone2 "$gone2" --arg back "127.0.0.1:$back" '
	def proxy($u): { upstream: $u, listen: "127.0.0.1:0" };
	{ standin: 1, name: "proxy", seed: 7,
	  services: {
	    ums: proxy($persona), echo: proxy($echo), rst: proxy($reset),
	    halfway: proxy($halfway), silent: proxy($silent), bulk: proxy($bulk),
	    log: proxy($log), latency: proxy($echo), connreset: proxy($echo),
	    refused: proxy($gone), back: proxy($back),
	    stuck: (proxy($stuck) + { connect_timeout: "300ms", upstream_down: "close" }),
	    down_reset: (proxy($gone2) + { upstream_down: "reset" }),
	    down_close: (proxy($gone2) + { upstream_down: "close" }),
	    tls: (proxy($persona) + { tls: {} }),
	    window: (proxy($persona) + { tls: {} }),
	    up_tls: (proxy($tlsums) + { upstream_tls: { ca: $ca, server_name: "ums.test" } }),
	    up_system: (proxy($tlsums) + { upstream_tls: {}, upstream_down: "close" }),
	    up_name: (proxy($tlsums) + { upstream_tls: { ca: $ca, server_name: "other.test" },
	      upstream_down: "close" }),
	    up_noverify: (proxy($tlsums) + { upstream_tls: { verify: false } }),
	    up_old: (proxy($tls13) + { upstream_tls: { ca: $ca, max_version: "1.2" },
	      upstream_down: "close" }),
	    both_tls: (proxy($tlsums) + { tls: {}, upstream_tls: { ca: $ca, server_name: "ums.test" } }),
	    mtls: (proxy($mtls) + { upstream_tls: { ca: $mca, cert: $ccert, key: $ckey } }),
	    mtls_nocert: (proxy($mtls) + { upstream_tls: { ca: $mca }, upstream_down: "close" })
	  },
	  faults: [
	    { service: "latency", layer: "stream", type: "latency", latency: "300ms",
	      direction: "downstream" },
	    { service: "connreset", layer: "connect", type: "reset" },
	    { service: "window", layer: "tls", type: "version_mismatch" }
	  ] }' >"$TMP/proxy.json"

start_standin "$TMP/proxy.json" --journal "$TMP/journal.jsonl" || exit 1

# A real HTTP service through the proxy, found by name (evdns), keep-alive.
http GET "http://$(addr ums)/v1/users/u1001"
expect_eq "GET through the proxy: 200" "$CODE" 200
expect_eq "GET through the proxy: the upstream's user" "$(printf '%s' "$BODY" | jq -r .id)" u1001
out=$(curl -s -o /dev/null -o /dev/null -w '%{http_code}%{num_connects} ' "http://$(addr ums)/health" "http://$(addr ums)/health")
expect_eq "keep-alive through the proxy: two answers on one connection" "$out" "2001 2000 "

# Raw bytes: echoed, and the client's FIN passed on (the echo upstream
# closes on it, and the client sees that end).
expect_eq "echo: bytes both ways, half-close passed on" "$(client echo "$(addr echo)")" "echo ok eof"
expect_match "upstream resets: the client sees a reset" "$(client talk "$(addr rst)")" '^reset '
expect_match "upstream closes midway: 100 bytes, then EOF" "$(client talk "$(addr halfway)")" '^eof 100 x'
expect_match "upstream silent: nothing, connection held" "$(client talk "$(addr silent)" 'hi' 1)" '^timeout 0 '

# The upstream delivered what the client sent (a request that reached it).
expect_match "the upstream received the request" "$(client talk "$(addr log)" "donation-42
")" '^eof 3 ok'
expect_eq "... and logged it" "$(cat "$UP.log")" "donation-42"

# Faults of the layers above work on a proxy as on a persona.
read -r how n head t < <(client talk "$(addr latency)")
expect_eq "stream latency downstream: echoed" "$how $n" "eof 7"
if awk -v t="$t" 'BEGIN { exit !(t >= 0.29 && t < 5) }'; then ok "stream latency downstream: 300ms late"
else not_ok "stream latency downstream: 300ms late" "took $t"; fi
expect_match "connect fault reset on a proxy: a reset" "$(client talk "$(addr connreset)")" '^reset '
http GET "https://$(addr tls)/v1/users/u1002" -k
expect_eq "TLS terminated by the proxy, plain upstream: 200" "$CODE $(printf '%s' "$BODY" | jq -r .id)" "200 u1002"
curl -sk -o /dev/null --max-time 5 --tls-max 1.2 "https://$(addr window)/health"
expect_eq "tls version_mismatch on a proxy: a TLS 1.2 client, curl 35" "$?" 35
curl -sk -o /dev/null --max-time 5 --tlsv1.3 "https://$(addr window)/health"
expect_eq "tls version_mismatch on a proxy: TLS 1.3 gets through" "$?" 0

# TLS toward the upstream (upstream_tls): verified against a CA file, the
# name checked, the version window, a client certificate (mTLS).
http GET "http://$(addr up_tls)/v1/users/u1001"
expect_eq "upstream_tls: a plain client reaches a TLS upstream" "$CODE $(printf '%s' "$BODY" | jq -r .id)" "200 u1001"
http GET "http://$(addr up_noverify)/health"
expect_eq "upstream_tls without verify: any certificate" "$CODE" 200
http GET "https://$(addr both_tls)/health" -k
expect_eq "TLS on both sides" "$CODE" 200
for s in up_system up_name up_old mtls_nocert; do
	curl -s -o /dev/null --max-time 5 "http://$(addr $s)/health"
	eval "rc_$s=$?"
done
expect_eq "upstream_tls: standin's CA is not in the system store: closed" "$rc_up_system" 52
expect_eq "upstream_tls: a name the certificate does not carry: closed" "$rc_up_name" 52
expect_eq "upstream_tls: TLS 1.2 at most, the upstream 1.3 only: closed" "$rc_up_old" 52
# TLS 1.3: the client's handshake is done before the server judges its
# certificate; the server's alert then ends it, passed on as a reset
# (which can reach curl before it has looked at its connect: then 7).
expect_match "mTLS: no client certificate, the upstream refuses: reset" "$rc_mtls_nocert" '^(56|7)$'
out=$(curl -s --max-time 5 "http://$(addr mtls)/" | head -c 200)
expect_match "mTLS: with the client certificate, the upstream answers" "$out" 's_server'
sleep 0.3
reason() { jq -r --arg s "$1" 'select(.event == "close" and .service == $s) | .reason' "$TMP/journal.jsonl" | head -n 1; }
expect_match "journal: why the system store failed" "$(reason up_system)" "certificate: self-signed certificate in certificate chain"
expect_match "journal: why the name failed" "$(reason up_name)" "certificate: hostname mismatch"
expect_match "journal: why the version failed" "$(reason up_old)" "protocol version"
expect_match "journal: why the mTLS upstream refused" "$(reason mtls_nocert)" "certificate required"

# Upstream down. refuse (the default): the proxy stops listening, so the
# client gets a real ECONNREFUSED; it listens again once the upstream does.
expect_match "upstream down, refuse: ECONNREFUSED" "$(client poll-refused "$(addr refused)" 3)" '^refused after'
expect_match "upstream down, reset: accepted, then a reset" "$(client talk "$(addr down_reset)")" '^reset '
expect_match "upstream down, close: accepted, then EOF" "$(client talk "$(addr down_close)")" '^eof 0 '
read -r how n _ t < <(client talk "$(addr stuck)")
expect_eq "upstream never answers the dial: closed after connect_timeout" "$how $n" "eof 0"
if awk -v t="$t" 'BEGIN { exit !(t >= 0.29 && t < 5) }'; then ok "connect_timeout: 300ms"
else not_ok "connect_timeout: 300ms" "took $t"; fi
expect_match "upstream not there yet: refused" "$(client poll-refused "$(addr back)" 3)" '^refused after'
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); time.sleep(3)' "$back" &
lpid=$!
expect_match "upstream back: the proxy listens again" "$(client poll-accepted "$(addr back)" 3)" '^accepted after'
kill $lpid 2>/dev/null; wait $lpid 2>/dev/null

# A slow reader with a fast upstream: memory stays bounded (64 MB sent).
read -r _ kb _ got how < <(client slow-reader "$(addr bulk)" "$PID" 0)
expect_eq "slow reader: every byte arrives in the end" "$got $how" "67108864 eof"
if [ "${STANDIN_WRAPPER:-}" = "" ] && [ -z "${ASAN_OPTIONS:-}" ]; then
	echo "# standin RSS $kb kB"; expect_le "slow reader: standin's RSS stays under 24 MB while 64 MB wait" "$kb" 24576
fi
# A client that resets mid-transfer: the upstream's connection is reset too,
# and standin serves on.
expect_eq "client resets midway" "$(client reset-midway "$(addr bulk)")" "reset sent"
sleep 0.3
http GET "http://$(addr ums)/health"
expect_eq "after a client reset: still serving" "$CODE" 200

# standin probe sees through a proxy as through anything else: the verdict
# is the upstream's; and a proxy whose upstream is down fails at connect.
out=$("$STANDIN" probe --as financial-engine "http://$(addr ums)" --json)
expect_eq "probe through a proxy: ok, the upstream UMS answered" "$(printf '%s' "$out" | jq -c '[.ok, .failed_layer]')" '[true,null]'
out=$("$STANDIN" probe --as ums "http://$(addr down_close)" --json --timeout 2s)
expect_match "probe through a proxy whose upstream is down: fails at connect" \
	"$(printf '%s' "$out" | jq -c '[.ok, .failed_layer]')" '^\[false,"connect"\]$'

# Faults through the control API on a proxy: a stream fault applies to the
# next connection and goes when removed; an http fault is refused, 400.
http POST "http://$(ctl_addr)/faults" -d '{"service":"echo","layer":"stream","type":"latency","latency":"300ms","direction":"downstream"}'
expect_eq "POST /faults on a proxy: 201" "$CODE" 201
fid=$(printf '%s' "$BODY" | jq -r '.ids[0] // .id // .faults[0].id')
read -r how n _ t < <(client talk "$(addr echo)")
if [ "$how $n" = "eof 7" ] && awk -v t="$t" 'BEGIN { exit !(t >= 0.29 && t < 5) }'; then ok "the API's latency fault on a proxy: 300ms late"
else not_ok "the API's latency fault on a proxy: 300ms late" "got $how $n in $t"; fi
http DELETE "http://$(ctl_addr)/faults/$fid"
read -r how n _ t < <(client talk "$(addr echo)")
if awk -v t="$t" 'BEGIN { exit !(t < 0.25) }'; then ok "removed: no latency"; else not_ok "removed: no latency" "took $t"; fi
http POST "http://$(ctl_addr)/faults" -d '{"service":"echo","layer":"http","type":"status","status":503}'
expect_eq "POST /faults: an http fault on a proxy is refused" "$CODE $(printf '%s' "$BODY" | jq -r .message)" \
	'400 POST /faults: /service: service "echo" is a proxy of bytes: http faults need "protocol": "http" on it'

# A reload that points a proxy elsewhere: new connections go to the new
# upstream, an open one stays with the one it was dialled to.
jq --arg log "$(up log)" '.services.echo.upstream = $log' "$TMP/proxy.json" >"$TMP/proxy2.json"
out=$(python3 - "$(addr echo)" "http://$(ctl_addr)/scenario" "$TMP/proxy2.json" <<'PY'
import socket, subprocess, sys
host, port = sys.argv[1].rsplit(":", 1)
a = socket.create_connection((host, int(port)), timeout=5)
a.sendall(b"one\n"); first = a.recv(100)
code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
    "--data-binary", "@" + sys.argv[3], sys.argv[2]], capture_output=True, text=True).stdout
b = socket.create_connection((host, int(port)), timeout=5)
b.sendall(b"two\n"); second = b.recv(100)
a.sendall(b"three\n"); third = a.recv(100)
print(code, first, second, third)
PY
)
expect_eq "reload: new connections to the new upstream, the open one stays" "$out" "200 b'one\\n' b'ok\\n' b'three\\n'"

# POST /reset: a proxy holds nothing to reset; a connection open across it
# goes on.
out=$(python3 - "$(addr latency)" "http://$(ctl_addr)/reset" <<'PY'
import socket, subprocess, sys
host, port = sys.argv[1].rsplit(":", 1)
a = socket.create_connection((host, int(port)), timeout=5)
a.sendall(b"one\n"); first = a.recv(100)
code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
    sys.argv[2]], capture_output=True, text=True).stdout
a.sendall(b"two\n"); second = a.recv(100)
print(code, first == second.replace(b"two", b"one"))
PY
)
expect_eq "POST /reset: 200, an open proxied connection goes on" "$out" "200 True"

# Journal and status.
expect_match "journal: upstream_connected with the dial time" \
	"$(jq -c 'select(.event == "upstream_connected" and .service == "ums") | [.upstream, (.dial_us >= 0)]' "$TMP/journal.jsonl" | head -n 1)" \
	"^\[\"localhost:[0-9]+\",true\]$"
expect_match "journal: a client reset is recorded" \
	"$(jq -r 'select(.event == "upstream_closed" and .service == "bulk") | .ended' "$TMP/journal.jsonl" | sort -u | tr '\n' ' ')" \
	'client reset'
expect_eq "journal: the echo's bytes each way" \
	"$(jq -c 'select(.event == "upstream_closed" and .service == "echo") | [.bytes_up, .bytes_down, .ended]' "$TMP/journal.jsonl" | head -n 1)" \
	'[5,5,"upstream closed"]'
http GET "http://$(ctl_addr)/status"
expect_eq "GET /status: a proxy shows its (reloaded) upstream, no persona" \
	"$(printf '%s' "$BODY" | jq -c '.services.echo | [.persona, .upstream]')" "[null,\"$(up log)\"]"

http GET "http://$(ctl_addr)/metrics"
expect_eq "metrics: the bytes a proxy passed, each way" \
	"$(printf '%s\n' "$BODY" | grep '^standin_proxied_bytes_total{service="latency"' | sort)" \
	'standin_proxied_bytes_total{service="latency",direction="downstream"} 15
standin_proxied_bytes_total{service="latency",direction="upstream"} 15'
expect_match "metrics: dials connected" "$BODY" 'standin_upstream_dials_total\{service="echo",outcome="connected"\} [1-9]'
expect_match "metrics: dials timed out" "$BODY" 'standin_upstream_dials_total\{service="stuck",outcome="timeout"\} 1'
expect_match "metrics: dials refused" "$BODY" 'standin_upstream_dials_total\{service="down_reset",outcome="refused"\} [1-9]'

stop_standin
expect_eq "stops cleanly" "$STATUS" 0
done_testing
