#!/bin/bash
# e2e-probe.sh: standin probe against standin serve: every connect, tls and
# handshake fault (added through the control API, one at a time), every
# shipped scenario, and --matrix; the layer, the reason and the exit code.
. "$top_srcdir/tests/lib.sh"

# probe ARGS...: run standin probe; sets RC and OUT (stdout and stderr).
probe() {
	OUT=$(${STANDIN_WRAPPER:-} "$STANDIN" probe "$@" 2>&1)
	RC=$?
}
# line LAYER: the report's line for a layer.
line() {
	printf '%s\n' "$OUT" | grep -E "^  $1 " | head -n 1
}
# with_fault JSON: add a fault through the control API (sets FID).
with_fault() {
	FID=$(curl -s -X POST "http://$CTL/faults" -d "$1" | jq -r '.faults[0].id')
}
without_fault() {
	curl -s -o /dev/null -X DELETE "http://$CTL/faults/$FID"
}

start_standin "$SCEN/probe.json" --ca-out "$TMP/ca.pem" || exit 1
CTL=$(ctl_addr)
UMS=http://$(addr ums)
FIN=https://$(addr fin)
NARROW=https://$(addr narrow)
CA=(--cacert "$TMP/ca.pem")

# --- healthy -------------------------------------------------------------
probe --as financial-engine "$UMS"
expect_eq "healthy plain http: exit 0" "$RC" 0
expect_match "connect: ok" "$(line connect)" '^  connect +ok +127\.0\.0\.1:[0-9]+ in '
expect_match "tls: skipped over plain http" "$(line tls)" 'skipped +plain http'
expect_match "handshake: the agreed version" "$(line handshake)" 'ok +version 1\.2 agreed with ums'
expect_match "http: health and a read-only call" "$(line http)" 'ok +GET /health 200, GET /v1/users\?email=probe%40standin\.invalid 200'
expect_match "verdict: ok" "$OUT" 'verdict: ok'

probe --as financial-engine "$UMS" --settle 0
expect_eq "--settle 0: exit 0" "$RC" 0
expect_match "--settle 0: the connection is not held" "$(line connect)" 'ok +127\.0\.0\.1:[0-9]+ in [0-9.]+ ms$'

probe --as ums "$FIN" "${CA[@]}"
expect_eq "healthy https: exit 0" "$RC" 0
expect_match "tls: version, cipher, ALPN, verified" "$(line tls)" 'ok +TLSv1\.3 TLS_[A-Z0-9_]+, ALPN http/1\.1, certificate CN=[^,]+, verified'
expect_match "http as ums: the ledger" "$(line http)" 'GET /v1/ledger 200'

probe --as ums "$FIN" "${CA[@]}" --json
expect_eq "--json: exit 0" "$RC" 0
expect_eq "--json: ok and no failed layer" "$(jq -c '[.ok, .failed_layer, .exit]' <<<"$OUT")" '[true,null,0]'
expect_eq "--json: the layers in order" "$(jq -r '[.layers[].layer] | join(",")' <<<"$OUT")" "connect,tls,handshake,http"
expect_eq "--json: the TLS version" "$(jq -r '.layers[1].version' <<<"$OUT")" "TLSv1.3"
expect_eq "--json: the chain has the server's certificate" "$(jq '.layers[1].chain | length >= 1' <<<"$OUT")" true
expect_eq "--json: the negotiated version" "$(jq -r '.layers[2].version' <<<"$OUT")" "1.2"

probe --as ums "$FIN"
expect_eq "a CA the client does not trust: exit 11" "$RC" 11
expect_match "untrusted: verification failed, in OpenSSL's words" "$(line tls)" 'FAILED +certificate verify failed'

# --- connect faults ---------------------------------------------------------
with_fault '{"service":"ums","layer":"connect","type":"refuse"}'
probe --as financial-engine "$UMS"
expect_eq "connect refuse: exit 10" "$RC" 10
expect_match "connect refuse: Connection refused" "$(line connect)" 'FAILED +127\.0\.0\.1:[0-9]+: Connection refused'
expect_match "connect refuse: the later layers are not tried" "$(line handshake)" 'not tried'
expect_match "connect refuse: the verdict names the layer" "$OUT" 'verdict: FAILED at connect \(exit 10\)'
without_fault

with_fault '{"service":"ums","layer":"connect","type":"reset"}'
probe --as financial-engine "$UMS"
expect_eq "connect reset: exit 10" "$RC" 10
expect_match "connect reset: reset by peer" "$(line connect)" 'Connection reset by peer: the server reset the connection it had accepted'
without_fault

with_fault '{"service":"ums","layer":"connect","type":"close"}'
probe --as financial-engine "$UMS" --json
expect_eq "connect close: exit 10" "$RC" 10
expect_eq "connect close: --json names the layer and reason" "$(jq -c '[.failed_layer, .layers[0].reason]' <<<"$OUT")" '["connect","closed"]'
without_fault

with_fault '{"service":"ums","layer":"connect","type":"max_connections","limit":1}'
exec 5<>/dev/tcp/"$(addr ums | cut -d: -f1)"/"$(addr ums | cut -d: -f2)"
sleep 0.2
probe --as financial-engine "$UMS"
expect_eq "max_connections (one held open): exit 10" "$RC" 10
expect_match "max_connections: reset" "$(line connect)" 'reset the connection it had accepted'
exec 5<&-
without_fault

for t in blackhole stall_accept; do
	with_fault "{\"service\":\"ums\",\"layer\":\"connect\",\"type\":\"$t\"}"
	probe --as financial-engine "$UMS" --timeout 600ms
	expect_eq "connect $t: plain http times out at the hello (exit 12)" "$RC" 12
	expect_match "connect $t: connected, then no answer" "$(line connect)" '^  connect +ok'
	expect_match "connect $t: the hello timed out" "$(line handshake)" 'FAILED +POST /v1/handshake: timed out after 600ms'
	without_fault
done

with_fault '{"service":"fin","layer":"connect","type":"blackhole"}'
probe --as ums "$FIN" "${CA[@]}" --timeout 600ms
expect_eq "connect blackhole over https: the TLS handshake times out (exit 11)" "$RC" 11
expect_match "connect blackhole over https: timed out in tls" "$(line tls)" 'FAILED +timed out after 600ms'
without_fault

# --- tls faults ----------------------------------------------------------------
with_fault '{"service":"fin","layer":"tls","type":"version_mismatch"}'
probe --as ums "$FIN" "${CA[@]}" --tls-versions 1.2
expect_eq "tls version_mismatch (1.3 only) to a 1.2 client: exit 11" "$RC" 11
expect_match "tls version_mismatch: alert 70 protocol version" "$(line tls)" 'FAILED +.*protocol version.*alert 70 protocol version from the server; offered TLS 1\.2 to 1\.2'
probe --as ums "$FIN" "${CA[@]}"
expect_eq "tls version_mismatch: a client offering 1.3 connects" "$RC" 0
without_fault

with_fault '{"service":"fin","layer":"tls","type":"slow_handshake","delay":"1500ms"}'
probe --as ums "$FIN" "${CA[@]}" --timeout 500ms
expect_eq "tls slow_handshake past the timeout: exit 11" "$RC" 11
expect_match "tls slow_handshake: timed out in the handshake" "$(line tls)" 'FAILED +.*timed out after 500ms'
without_fault

with_fault '{"service":"fin","layer":"tls","type":"stall"}'
probe --as ums "$FIN" "${CA[@]}" --timeout 500ms
expect_eq "tls stall: exit 11" "$RC" 11
expect_match "tls stall: timed out" "$(line tls)" 'timed out after 500ms'
without_fault

with_fault '{"service":"fin","layer":"tls","type":"alert","alert":"access_denied"}'
probe --as ums "$FIN" "${CA[@]}"
expect_eq "tls alert: exit 11" "$RC" 11
expect_match "tls alert: the alert by name and number" "$(line tls)" 'alert 49 access denied'
without_fault

for kind in expired:'certificate has expired' not_yet_valid:'certificate is not yet valid' \
	wrong_host:'IP address mismatch' self_signed:'self-signed certificate [(]offered' \
	untrusted_ca:'self-signed certificate in certificate chain'; do
	k=${kind%%:*}
	with_fault "{\"service\":\"fin\",\"layer\":\"tls\",\"type\":\"cert\",\"kind\":\"$k\"}"
	probe --as ums "$FIN" "${CA[@]}"
	expect_eq "tls cert $k: exit 11" "$RC" 11
	expect_match "tls cert $k: the verification error" "$(line tls)" "certificate verify failed: ${kind#*:}"
	without_fault
done
with_fault '{"service":"fin","layer":"tls","type":"cert","kind":"expired"}'
probe --as ums "$FIN" "${CA[@]}" --insecure
expect_eq "tls cert expired with --insecure: exit 0" "$RC" 0
expect_match "--insecure: the report still says why" "$(line tls)" 'NOT verified: certificate has expired'
without_fault

with_fault '{"service":"fin","layer":"tls","type":"cipher_mismatch"}'
probe --as ums "$FIN" "${CA[@]}"
expect_eq "tls cipher_mismatch: exit 11" "$RC" 11
expect_match "tls cipher_mismatch: handshake failure" "$(line tls)" 'handshake failure'
without_fault

with_fault '{"service":"fin","layer":"tls","type":"alpn_mismatch"}'
probe --as ums "$FIN" "${CA[@]}"
expect_eq "tls alpn_mismatch: exit 11" "$RC" 11
expect_match "tls alpn_mismatch: no application protocol" "$(line tls)" 'no application protocol'
probe --as ums "$FIN" "${CA[@]}" --alpn ""
expect_eq "tls alpn_mismatch: a client offering no ALPN connects" "$RC" 0
without_fault

# --- handshake faults ------------------------------------------------------------
with_fault '{"service":"fin","layer":"handshake","type":"version_mismatch","server_versions":["3.0"]}'
probe --as ums "$FIN" "${CA[@]}"
expect_eq "handshake version_mismatch: exit 12" "$RC" 12
expect_match "handshake version_mismatch: both version lists" "$(line handshake)" \
	'FAILED +426 .*the client speaks \[1\.1, 1\.2\], the server \[3\.0\]'
expect_match "handshake version_mismatch: tls was fine" "$(line tls)" '^  tls +ok'
without_fault

with_fault '{"service":"ums","layer":"handshake","type":"slow","delay":"1500ms"}'
probe --as financial-engine "$UMS" --timeout 500ms
expect_eq "handshake slow past the timeout: exit 12" "$RC" 12
expect_match "handshake slow: timed out" "$(line handshake)" 'timed out after 500ms'
without_fault

with_fault '{"service":"ums","layer":"handshake","type":"error","status":503}'
probe --as financial-engine "$UMS"
expect_eq "handshake error: exit 12" "$RC" 12
expect_match "handshake error: the status" "$(line handshake)" 'FAILED +503'
without_fault

with_fault '{"service":"ums","layer":"handshake","type":"drop"}'
probe --as financial-engine "$UMS"
expect_eq "handshake drop: exit 12" "$RC" 12
expect_match "handshake drop: closed without an answer" "$(line handshake)" 'FAILED +POST /v1/handshake: .*clos'
without_fault

# --- http ---------------------------------------------------------------------------
with_fault '{"service":"ums","layer":"http","type":"status","status":500,"match":{"path":"/health"}}'
probe --as financial-engine "$UMS"
expect_eq "health answering 500: exit 13" "$RC" 13
expect_match "http: the failing call and its status" "$(line http)" 'FAILED +GET /health: 500'
without_fault

# --- the matrix ----------------------------------------------------------------------
probe --as ums "$NARROW" "${CA[@]}" --matrix --versions 1.1,1.2,2.0
expect_eq "matrix with an overlap: exit 0" "$RC" 0
expect_match "matrix: the TLS 1.2 row" "$(printf '%s\n' "$OUT" | grep '^TLS 1.2')" '426 +ok +ok'
expect_match "matrix: TLS 1.3 refused by a 1.2-only server" "$(printf '%s\n' "$OUT" | grep '^TLS 1.3')" 'tls: '
expect_match "matrix: what the server speaks" "$OUT" 'the server speaks protocol versions 1\.2, 2\.0'
probe --as ums "$NARROW" "${CA[@]}" --matrix --versions 1.1,1.2,2.0 --json
expect_eq "matrix --json: the combinations that work" \
	"$(jq -c '[.matrix[] | select(.ok) | .tls + "/" + .version]' <<<"$OUT")" '["1.2/1.2","1.2/2.0"]'
expect_eq "matrix --json: every cell" "$(jq '.matrix | length' <<<"$OUT")" 12
probe --as ums "$NARROW" "${CA[@]}" --matrix --versions 1.0,1.1
expect_eq "matrix without an overlap: exit 12" "$RC" 12
expect_match "matrix without an overlap: says so" "$OUT" 'verdict: FAILED, no combination works'

# --- usage ------------------------------------------------------------------------------
probe "$UMS"
expect_eq "no --as: exit 64" "$RC" 64
probe --as billing "$UMS"
expect_eq "an unknown --as: exit 64" "$RC" 64
probe --as ums ftp://x
expect_eq "not an http(s) URL: exit 64" "$RC" 64
probe --as ums "$FIN" --tls-versions 1.4
expect_eq "a bad TLS version: exit 64" "$RC" 64
probe --as ums "$FIN" --cacert "$TMP/nothere.pem"
expect_eq "an unreadable --cacert: exit 66" "$RC" 66
stop_standin

# --- the shipped scenarios ---------------------------------------------------------------
port0() {
	jq '.services[].listen = "127.0.0.1:0"' "$top_srcdir/scenarios/$1.json" >"$TMP/$1.json"
	echo "$TMP/$1.json"
}
# scheme SERVICE: http or https, from the scenario.
url() {
	if [ "$(jq -r --arg s "$1" '.services[$s] | has("tls")' "$TMP/$2.json")" = true ]; then
		echo "https://$(addr "$1")"
	else
		echo "http://$(addr "$1")"
	fi
}

start_standin "$(port0 healthy)" || exit 1
probe --as ums "$(url fin healthy)"
expect_eq "healthy: UMS can reach the financial engine" "$RC" 0
probe --as financial-engine "$(url ums healthy)"
expect_eq "healthy: the financial engine can reach UMS" "$RC" 0
stop_standin

start_standin "$(port0 connection-refused)" || exit 1
probe --as ums "$(url fin connection-refused)"
expect_eq "connection-refused: exit 10" "$RC" 10
expect_match "connection-refused: Connection refused" "$(line connect)" 'Connection refused'
stop_standin

start_standin "$(port0 version-mismatch)" || exit 1
probe --as ums "$(url fin version-mismatch)"
expect_eq "version-mismatch: exit 12" "$RC" 12
expect_match "version-mismatch: the server speaks 2.0" "$(line handshake)" 'the server \[2\.0\]'
stop_standin

start_standin "$(port0 tls-version-mismatch)" --ca-out "$TMP/ca2.pem" || exit 1
probe --as ums "$(url fin tls-version-mismatch)" --cacert "$TMP/ca2.pem" --tls-versions 1.2
expect_eq "tls-version-mismatch, healthy phase: a TLS 1.2 client connects" "$RC" 0
"$STANDIN" ctl --ready-file "$READY" phase tls13-only >/dev/null
probe --as ums "$(url fin tls-version-mismatch)" --cacert "$TMP/ca2.pem" --tls-versions 1.2
expect_eq "tls-version-mismatch, TLS 1.3 only: exit 11" "$RC" 11
expect_match "tls-version-mismatch: protocol version" "$(line tls)" 'protocol version'
stop_standin

start_standin "$(port0 slow-handshake)" || exit 1
probe --as ums "$(url fin slow-handshake)" --timeout 500ms
expect_eq "slow-handshake with a 500ms timeout: exit 12" "$RC" 12
expect_match "slow-handshake: the hello timed out" "$(line handshake)" 'timed out after 500ms'
stop_standin

start_standin "$(port0 incident-2024-04-16)" || exit 1
probe --as ums "$(url fin incident-2024-04-16)"
expect_eq "incident, healthy: exit 0" "$RC" 0
"$STANDIN" ctl --ready-file "$READY" phase bad-deploy >/dev/null
probe --as ums "$(url fin incident-2024-04-16)"
expect_eq "incident, bad-deploy: exit 12" "$RC" 12
expect_match "incident, bad-deploy: no common version" "$(line handshake)" '426 .*the server \[2\.0\]'
"$STANDIN" ctl --ready-file "$READY" phase recovered >/dev/null
probe --as ums "$(url fin incident-2024-04-16)"
expect_eq "incident, recovered: exit 0" "$RC" 0
stop_standin

# flaky: the verdict of each run must be what the journal says was injected
# into that run's connections (settle, hello, health, read).
start_standin "$(port0 flaky)" || exit 1
CTL=$(ctl_addr)
agree=0 failures=0
for i in $(seq 1 25); do
	seq0=$(curl -s "http://$CTL/journal?limit=1" | jq .seq)
	probe --as ums "$(url fin flaky)" --timeout 2s
	[ "$RC" -ne 0 ] && failures=$((failures + 1))
	want=$(curl -s "http://$CTL/journal?since=$seq0&service=fin" | jq '
		[.events[] | select(.event == "connection") | .conn] as $conns
		| [.events[] | select(.event == "fault" and (.type == "reset" or .type == "status"))][0] as $f
		| if $f == null then 0
		  else ($conns | index($f.conn)) as $n
		  | if $n == 0 then 10 elif $n == 1 then 12 else 13 end end')
	[ "$RC" = "$want" ] && agree=$((agree + 1)) || echo "# run $i: probe exit $RC, the journal says $want"
done
expect_eq "flaky: every verdict matches what the journal injected" "$agree" 25
stop_standin

done_testing
