#!/usr/bin/env bash
# e2e-proxy-http.sh: an HTTP-aware proxy ("protocol": "http") in front of
# real services: a second standin's personas (the financial engine whose
# ledger shows what was committed) and tests/upstream.py's HTTP server
# (which answers with what it received). The http faults act on the real
# service's traffic: "at": "request" never reaches it, "at": "response"
# does, and the answer is then lost, late or damaged.
. "$top_srcdir/tests/lib.sh"

UP=$TMP/up.json
UPID= P2=
trap 'kill $UPID $P2 2>/dev/null; cleanup' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

python3 "$top_srcdir/tests/upstream.py" "$UP" &
UPID=$!
"$STANDIN" serve "$SCEN/port0.json" --control 127.0.0.1:0 --ready-file "$TMP/p2.json" -q &
P2=$!
for _ in $(seq 1 200); do [ -s "$UP" ] && [ -s "$TMP/p2.json" ] && break; sleep 0.025; done
ums=$(jq -r '.services.ums' "$TMP/p2.json")
fin=$(jq -r '.services.fin' "$TMP/p2.json")
echo_http=$(jq -r '.http' "$UP")
silent=$(jq -r '.silent' "$UP")

jq -n --arg ums "$ums" --arg fin "$fin" --arg echo "$echo_http" --arg silent "$silent" --arg gone "127.0.0.1:$(free_port)" '
	def proxy($u): { upstream: $u, listen: "127.0.0.1:0", protocol: "http" };
	{ standin: 1, name: "http-proxy", seed: 3,
	  services: { ums: proxy($ums), fin: proxy($fin), echo: proxy($echo),
	              gone: (proxy($gone) + { upstream_down: "close" }),
	              silent: (proxy($silent) + { upstream_timeout: "300ms" }) },
	  faults: [
	    { service: "fin", layer: "http", type: "status", status: 503,
	      match: { method: "POST", path: "/v1/donations" }, times: 1 },
	    { service: "fin", layer: "http", type: "empty", at: "response",
	      match: { method: "POST", path: "/v1/donations" }, times: 1 },
	    { service: "ums", layer: "http", type: "schema_drift", drop: ["email"],
	      rename: { name: "full_name" }, match: { path: "/v1/users/u1003" } },
	    { service: "ums", layer: "http", type: "delay", delay: "300ms",
	      match: { path: "/v1/users/u1004" } },
	    { service: "ums", layer: "http", type: "truncate",
	      match: { path: "/v1/users/u1005" } }
	  ] }' >"$TMP/proxy.json"
start_standin "$TMP/proxy.json" --journal "$TMP/journal.jsonl" || exit 1
U=http://$(addr ums) F=http://$(addr fin) E=http://$(addr echo)
ledger() { curl -s "http://$fin/v1/ledger" | jq -r .count; }

# A request through, keep-alive, pipelining.
http GET "$U/v1/users/u1001"
expect_eq "GET through the http proxy: the upstream's answer" "$CODE $(printf '%s' "$BODY" | jq -r .id)" "200 u1001"
expect_eq "the upstream's own headers pass (its Server)" "$(header Server)" "standin/0.1.0"
out=$(curl -s -o /dev/null -o /dev/null -w '%{http_code}%{num_connects} ' "$U/health" "$U/v1/users/u1002")
expect_eq "keep-alive: two answers on one connection" "$out" "2001 2000 "
out=$(python3 - "$(addr echo)" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=5)
s.sendall(b"GET /one HTTP/1.1\r\nHost: a.test\r\n\r\nGET /two?x=1 HTTP/1.1\r\nHost: a.test\r\n\r\n")
got = b""
while got.count(b"HTTP/1.1 200") < 2 or not got.rstrip().endswith(b"}"):
    data = s.recv(65536)
    if not data:
        break
    got += data
print(got.count(b"HTTP/1.1 200"), got.find(b"GET /one") < got.find(b"GET /two?x=1"))
PY
)
expect_eq "pipelined requests: both answered, in order" "$out" "2 True"

# What the upstream receives: the target as sent, Host passed through,
# the hop-by-hop headers dropped, the body with its length.
http POST "$E/v1/things?a=%2F&b=2" -H 'Host: fin.example' -H 'Connection: keep-alive' \
	-H 'X-Trace: t1' -H 'Content-Type: application/json' -d '{"k":1}'
expect_eq "upstream saw the request line as sent" "$(printf '%s' "$BODY" | jq -r .line)" "POST /v1/things?a=%2F&b=2 HTTP/1.1"
expect_eq "upstream saw the client's Host" "$(printf '%s' "$BODY" | jq -r .host)" "fin.example"
expect_eq "upstream saw the headers but Connection, and a Content-Length" \
	"$(printf '%s' "$BODY" | jq -c '[.headers[] | ascii_downcase] | sort')" \
	'["accept","content-length","content-type","host","user-agent","x-trace"]'
expect_eq "upstream saw the body" "$(printf '%s' "$BODY" | jq -r .body)" '{"k":1}'
expect_eq "the upstream's headers come back" "$(header X-Upstream)" "yes"
code=$(curl -s -o /dev/null -w '%{http_code}' -I "$E/head")
expect_eq "HEAD through the proxy" "$code" 200

# at: request: the real service never saw it; at: response: it did.
before=$(ledger)
D='{"user_id":"u1001","charity_id":"ch-wwf","amount_cents":700,"currency":"EUR"}'
http POST "$F/v1/donations" -H 'Idempotency-Key: drill-1' -H 'Content-Type: application/json' -d "$D"
expect_eq "status 503 at request: the client gets 503" "$CODE" 503
expect_eq "... and the real financial engine stored nothing" "$(ledger)" "$before"
curl -s -o /dev/null --max-time 5 -X POST "$F/v1/donations" -H 'Idempotency-Key: drill-1' \
	-H 'Content-Type: application/json' -d "$D"
expect_eq "empty at response: the client hears nothing (curl 52)" "$?" 52
expect_eq "... but the real financial engine committed the donation" "$(ledger)" "$((before + 1))"
http POST "$F/v1/donations" -H 'Idempotency-Key: drill-1' -H 'Content-Type: application/json' -d "$D"
expect_eq "the client's retry: the same donation, replayed, nothing doubled" \
	"$CODE $(header Idempotent-Replayed) $(ledger)" "201 true $((before + 1))"

# Faults that change the real answer.
http GET "$U/v1/users/u1003"
expect_eq "schema_drift on the real service's JSON" \
	"$(printf '%s' "$BODY" | jq -c '[has("email"), has("name"), .full_name != null, .id]')" '[false,false,true,"u1003"]'
t=$(curl -s -o /dev/null -w '%{time_total}' "$U/v1/users/u1004")
if awk -v t="$t" 'BEGIN { exit !(t >= 0.29 && t < 5) }'; then ok "delay: 300ms late"; else not_ok "delay: 300ms late" "took $t"; fi
curl -s -o /dev/null --max-time 5 "$U/v1/users/u1005"
expect_eq "truncate (the real answer, cut): fewer bytes than Content-Length (curl 18)" "$?" 18

# The upstream down: a 502 that says why.
http GET "http://$(addr gone)/health"
expect_eq "upstream down: 502 bad_gateway" "$CODE $(printf '%s' "$BODY" | jq -r .error)" "502 bad_gateway"
expect_match "... naming the upstream and the error" "$(printf '%s' "$BODY" | jq -r .message)" 'upstream 127\.0\.0\.1:[0-9]+: Connection refused'

# An upstream that takes the request and never answers: 504 past
# upstream_timeout.
read -r code t < <(curl -s -o "$TMP/slow" -w '%{http_code} %{time_total}' --max-time 5 "http://$(addr silent)/slow")
body=$(cat "$TMP/slow")
expect_eq "upstream silent: 504 gateway_timeout" "$code $(printf '%s' "$body" | jq -r .error)" "504 gateway_timeout"
if awk -v t="$t" 'BEGIN { exit !(t >= 0.29 && t < 4) }'; then ok "... after upstream_timeout, 300ms"
else not_ok "... after upstream_timeout, 300ms" "took $t"; fi

# The journal: requests and responses of a proxied service.
sleep 0.2
expect_match "journal: each proxied answer, its status and the fault that took it" \
	"$(jq -r 'select(.service == "fin" and .event == "response") | "\(.status)/\(.fault // "-")"' "$TMP/journal.jsonl" | tr '\n' ' ')" \
	'^503/status 201/empty 201/- $'

expect_eq "journal: the upstream's latency on each answer it gave" \
	"$(jq -r 'select(.service == "ums" and .event == "response" and .status == 200) | (.upstream_us > 0)' "$TMP/journal.jsonl" | sort -u)" true
expect_eq "journal: none where it was never asked" \
	"$(jq -r 'select(.service == "fin" and .event == "response" and .status == 503) | has("upstream_us")' "$TMP/journal.jsonl")" false

stop_standin
expect_eq "stops cleanly" "$STATUS" 0
done_testing
