#!/usr/bin/env bash
# e2e-toxiproxy-state.sh: Toxiproxy's API and standin's own see one state.
# A proxy made through it is a service (GET /status, the ready file, GET
# /scenario, the journal, /metrics under both names); a toxic is a fault
# (`standin ctl faults` lists it, `ctl fault rm` removes it from
# Toxiproxy's view too); a scenario's proxy takes toxics; PUT /scenario
# replaces all of it. Then --toxiproxy-config (toxics included), the
# seeded toxicity (the same seed, the same connections delayed), and
# --control-insecure-no-token.
. "$top_srcdir/tests/lib.sh"

start_upstreams
ECHO=$(jq -r .echo "$UP")

# One round trip through HOST:PORT: prints the milliseconds it took, or
# "error: ...".
rtt() {
	python3 - "$1" <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
t = time.monotonic()
try:
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"ping")
    got = b""
    while len(got) < 4:
        d = s.recv(4)
        if not d:
            break
        got += d
    s.close()
    print("%d" % ((time.monotonic() - t) * 1000) if got == b"ping"
          else "error: got %r" % got)
except OSError as e:
    print("error: %s" % e)
PY
}

cat >"$TMP/scen.json" <<JSON
{ "standin": 1, "name": "toxi-state", "seed": 11,
  "services": {
    "ums": { "persona": "ums", "listen": "127.0.0.1:0" },
    "scen": { "upstream": "$ECHO", "listen": "127.0.0.1:0" } } }
JSON
start_standin "$TMP/scen.json" --journal "$TMP/journal.jsonl" || exit 1
C=$(ctl_addr)
ctl() { "$STANDIN" ctl --ready-file "$READY" "$@"; }

http POST "http://$C/proxies" -d "{\"name\":\"api1\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"$ECHO\"}"
expect_eq "POST /proxies: 201" "$CODE" 201
L1=$(printf '%s' "$BODY" | jq -r .listen)
expect_match "... bound to a port of its own" "$L1" '^127\.0\.0\.1:[1-9][0-9]*$'

# The proxy is a service.
http GET "http://$C/status"
expect_eq "GET /status shows it as a proxy service" \
	"$(printf '%s' "$BODY" | jq -c '.services.api1 | [.persona, .upstream, .listen]')" \
	"[null,\"$ECHO\",\"$L1\"]"
# The ready file follows within moments (a burst of changes, one write).
for _ in $(seq 1 100); do [ "$(jq -r .services.api1 "$READY")" = "$L1" ] && break; sleep 0.02; done
expect_eq "the ready file names it, a moment later" "$(jq -r .services.api1 "$READY")" "$L1"
http GET "http://$C/scenario"
expect_eq "GET /scenario holds it (drop, live stream faults)" \
	"$(printf '%s' "$BODY" | jq -c '.services.api1 | [.upstream, .upstream_down, .live_stream_faults]')" \
	"[\"$ECHO\",\"drop\",true]"
expect_eq "a round trip through it" "$(rtt "$L1" | sed 's/^[0-9]*$/ok/')" ok

# A scenario's proxy is a Toxiproxy proxy too; a persona is not.
http GET "http://$C/proxies"
expect_eq "GET /proxies: both proxies, sorted, no persona" \
	"$(printf '%s' "$BODY" | jq -c 'keys')" '["api1","scen"]'

# The toxic is a fault.
http POST "http://$C/proxies/api1/toxics" -d '{"type":"latency","attributes":{"latency":400}}'
expect_eq "add a latency toxic: 200" "$CODE" 200
faults=$(ctl --json faults)
id=$(printf '%s' "$faults" | jq -r '.faults[] | select(.fault.service == "api1") | .id')
expect_match "standin ctl faults lists it, with an id" "$id" '^[0-9]+$'
expect_eq "... naming the toxic it is" \
	"$(printf '%s' "$faults" | jq -c '.faults[] | select(.fault.service == "api1") | .toxic')" \
	'{"proxy":"api1","name":"latency_downstream"}'
expect_eq "... as the stream fault it is" \
	"$(printf '%s' "$faults" | jq -c '.faults[] | select(.fault.service == "api1") | .fault | [.layer, .type, .latency, .direction]')" \
	'["stream","latency","400ms","downstream"]'
ms=$(rtt "$L1")
expect_match "a connection through it is slowed (400 ms)" "$ms" '^([4-9][0-9]{2}|[1-9][0-9]{3})$'
ctl fault rm "$id" >/dev/null
expect_eq "standin ctl fault rm: exit 0" "$?" 0
http GET "http://$C/proxies/api1/toxics"
expect_eq "... and Toxiproxy's view forgets the toxic" "$BODY" "[]"
ms=$(rtt "$L1")
expect_match "... and a connection is fast again" "$ms" '^[0-9]{1,3}$'
[ "${ms:-999}" -lt 300 ] 2>/dev/null
expect_eq "... under 300 ms ($ms)" "$?" 0

# Toxics on the scenario's own proxy.
http POST "http://$C/proxies/scen/toxics" -d '{"type":"latency","attributes":{"latency":400}}'
expect_eq "a toxic on the scenario's proxy: 200" "$CODE" 200
ms=$(rtt "$(addr scen)")
expect_match "... slows it" "$ms" '^([4-9][0-9]{2}|[1-9][0-9]{3})$'

# The journal and the metrics.
ev=$(jq -c 'select(.event == "control" and .api == "toxiproxy") | [.service, .action, .toxic]' "$TMP/journal.jsonl" 2>/dev/null | head -n 3 | tr '\n' ' ')
expect_eq "the journal: each change, a control event" "$ev" \
	'["api1","proxy_create",null] ["api1","toxic_add","latency_downstream"] ["scen","toxic_add","latency_downstream"] '
expect_match "... and api1's connections" "$(jq -r 'select(.service == "api1") | .event' "$TMP/journal.jsonl" | sort -u | tr '\n' ' ')" 'connection .*upstream_connected'
http GET "http://$C/metrics"
expect_match "/metrics: Toxiproxy's received bytes, labelled as Toxiproxy labels them" "$BODY" \
	"toxiproxy_proxy_received_bytes_total\\{direction=\"upstream\",listener=\"$L1\",proxy=\"api1\",upstream=\"$ECHO\"\\} 12"
expect_match "... and its sent bytes" "$BODY" \
	"toxiproxy_proxy_sent_bytes_total\\{direction=\"downstream\",listener=\"$L1\",proxy=\"api1\",upstream=\"$ECHO\"\\} 12"
expect_match "... beside standin's own" "$BODY" 'standin_proxied_bytes_total\{service="api1",direction="upstream"\} 12'

# PUT /scenario replaces it all: API proxies and toxics go.
http PUT "http://$C/scenario" --data-binary "@$TMP/scen.json"
expect_eq "PUT /scenario: 200" "$CODE" 200
http GET "http://$C/proxies"
expect_eq "... the API's proxy is gone, the scenario's stays" "$(printf '%s' "$BODY" | jq -c 'keys')" '["scen"]'
expect_eq "... without its toxic" "$(printf '%s' "$BODY" | jq -c '.scen.toxics')" '[]'
r=$(rtt "$L1")
expect_match "... and api1's port is closed" "$r" '^error: .*(refused|Connection)'

# A reload (SIGHUP) reads the file again, which has no API proxies: the
# proxy goes, and its toxic's fault with it (API faults survive a reload).
http POST "http://$C/proxies" -d "{\"name\":\"api2\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"$ECHO\"}"
http POST "http://$C/proxies/api2/toxics" -d '{"type":"timeout"}'
expect_eq "a toxic on api2: a fault" "$(curl -s "http://$C/faults" | jq -c '[.faults[] | select(.fault.service == "api2")] | length')" 1
kill -HUP "$PID"
for _ in $(seq 1 100); do curl -s "http://$C/status" | jq -e '.services.api2 == null' >/dev/null && break; sleep 0.02; done
http GET "http://$C/proxies"
expect_eq "SIGHUP: the API's proxy is gone" "$(printf '%s' "$BODY" | jq -c 'keys')" '["scen"]'
expect_eq "... and so is its toxic's fault" "$(curl -s "http://$C/faults" | jq -c '[.faults[] | select(.fault.service == "api2")] | length')" 0
stop_standin

# --toxiproxy-config: Toxiproxy's -config file, toxics included (#447).
cat >"$TMP/toxiproxy.json" <<JSON
[ { "name": "one", "listen": "127.0.0.1:0", "upstream": "$ECHO" },
  { "name": "two", "listen": "127.0.0.1:0", "upstream": "$ECHO", "enabled": false },
  { "name": "three", "listen": "127.0.0.1:0", "upstream": "$ECHO",
    "toxics": [ { "type": "latency", "stream": "upstream", "attributes": { "latency": 300 } } ] } ]
JSON
start_standin "$SCEN/port0.json" --toxiproxy-config "$TMP/toxiproxy.json" || exit 1
C=$(ctl_addr)
http GET "http://$C/proxies"
expect_eq "--toxiproxy-config: its proxies, as it says" \
	"$(printf '%s' "$BODY" | jq -c '[.one.enabled, .two.enabled, .two.listen, .three.toxics[0].name, .three.toxics[0].attributes.latency]')" \
	'[true,false,"127.0.0.1:0","latency_upstream",300]'
ms=$(rtt "$(printf '%s' "$BODY" | jq -r .three.listen)")
expect_match "... its toxic applies" "$ms" '^([3-9][0-9]{2}|[1-9][0-9]{3})$'
stop_standin
printf '[ { "name": "bad" } ]' >"$TMP/bad.json"
start_standin "$SCEN/port0.json" --toxiproxy-config "$TMP/bad.json" || exit 1
http GET "http://$(ctl_addr)/health"
expect_eq "a bad --toxiproxy-config: standin serves on (as Toxiproxy)" "$CODE" 200
expect_match "... and logs why" "$(cat "$LOG")" 'toxiproxy-config .*bad.json: missing required field: upstream at proxy 1'
stop_standin

# toxicity from the seeded generator: the same seed, the same connections
# delayed; toxicity 0 never, 1 always.
pattern() {
	local seed=$1 tox=$2 i p="" ms l
	start_standin "$SCEN/port0.json" --seed "$seed" || return 1
	C=$(ctl_addr)
	curl -s -X POST "http://$C/proxies" -d "{\"name\":\"p\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"$ECHO\"}" >/dev/null
	curl -s -X POST "http://$C/proxies/p/toxics" -d "{\"type\":\"latency\",\"toxicity\":$tox,\"attributes\":{\"latency\":250}}" >/dev/null
	l=$(curl -s "http://$C/proxies/p" | jq -r .listen)
	for i in $(seq 1 12); do
		ms=$(rtt "$l")
		case $ms in
		error*) p="${p}E" ;;
		*) if [ "$ms" -ge 200 ]; then p="${p}1"; else p="${p}0"; fi ;;
		esac
	done
	stop_standin
	echo "$p"
}
a=$(pattern 7 0.5) b=$(pattern 7 0.5)
expect_eq "toxicity 0.5, seed 7, twice: the same connections delayed" "$a" "$b"
expect_match "... some of them, not all ($a)" "$a" '^[01]*(01|10)[01]*$'
expect_eq "toxicity 0: none delayed" "$(pattern 7 0)" "000000000000"
expect_eq "toxicity 1: all delayed" "$(pattern 7 1)" "111111111111"

# Off loopback: a token, or the flag that says it is insecure.
"$STANDIN" serve "$SCEN/port0.json" --control 0.0.0.0:0 >"$TMP/out" 2>&1
expect_eq "--control 0.0.0.0:0 without a token: exit 64" "$?" 64
expect_match "... naming the flag that allows it" "$(cat "$TMP/out")" 'control-insecure-no-token'
start_standin "$SCEN/port0.json" --control 0.0.0.0:0 --control-insecure-no-token || exit 1
port=$(ctl_addr | sed 's/.*://')
http GET "http://127.0.0.1:$port/version"
expect_eq "--control-insecure-no-token: /version answers without a token" "$CODE $BODY" '200 {"version": "2.12.0"}'
expect_match "... and standin warns" "$(cat "$LOG")" 'WITHOUT A TOKEN'
stop_standin

done_testing
