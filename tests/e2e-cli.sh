#!/usr/bin/env bash
# e2e-cli.sh: the command line: help, version, usage errors, check, the
# ready file, the built-in default, exit codes for bad files and busy ports.
. "$top_srcdir/tests/lib.sh"

out=$("$STANDIN" --version)
expect_match "--version" "$out" '^standin [0-9]+\.[0-9]+\.[0-9]+$'
out=$("$STANDIN" --help)
expect_eq "--help exits 0" "$?" 0
expect_match "--help shows usage" "$out" 'usage: standin serve'

out=$("$STANDIN" faults)
expect_eq "faults: exits 0" "$?" 0
for t in refuse stall_accept max_connections version_mismatch drip schema_drift \
	latency bandwidth slicer limit_data slow_close corrupt; do
	expect_match "faults: lists $t" "$out" "^  $t\$"
done
"$STANDIN" faults extra >/dev/null 2>&1
expect_eq "faults with an argument: 64" "$?" 64

"$STANDIN" >/dev/null 2>&1
expect_eq "no command: 64" "$?" 64
"$STANDIN" frobnicate >/dev/null 2>&1
expect_eq "unknown command: 64" "$?" 64
"$STANDIN" serve --bogus >/dev/null 2>&1
expect_eq "unknown option: 64" "$?" 64
"$STANDIN" serve --seed banana >/dev/null 2>&1
expect_eq "bad --seed: 64" "$?" 64
"$STANDIN" serve a.json b.json >/dev/null 2>&1
expect_eq "two scenarios: 64" "$?" 64

out=$("$STANDIN" check "$SCEN/port0.json" "$SCEN/stubs.json")
expect_eq "check: good files exit 0" "$?" 0
expect_match "check: says ok" "$out" 'port0.json: ok: port0, 2 services, 0 stubs'
err=$("$STANDIN" check "$TMP/missing.json" 2>&1)
expect_eq "check: missing file exits 66" "$?" 66
expect_match "check: names the missing file" "$err" 'missing.json: cannot read: No such file or directory'

# A bad scenario: exit 65, the errors on stderr, nothing listening.
cat >"$TMP/bad.json" <<'JSON'
{ "standin": 1,
  "services": { "ums": { "persona": "ums", "listen": "127.0.0.1:18091" },
                "fin": { "persona": "financal-engine" } } }
JSON
err=$("$STANDIN" serve "$TMP/bad.json" --ready-file "$TMP/r.json" 2>&1)
expect_eq "serve: bad scenario exits 65" "$?" 65
expect_match "serve: error names file and pointer" "$err" \
	'bad.json: /services/fin/persona: .*financial-engine'
curl -s -o /dev/null --max-time 5 "http://127.0.0.1:18091/health"
expect_eq "serve: nothing started for a bad file" "$?" 7
expect_eq "serve: no ready file for a bad file" "$(ls "$TMP/r.json" 2>/dev/null)" ""
"$STANDIN" serve "$TMP/nothere.json" 2>/dev/null
expect_eq "serve: unreadable scenario exits 66" "$?" 66

# The ready file: pid, scenario, real ports for port 0.
start_standin "$SCEN/port0.json" || exit 1
expect_eq "ready file: pid" "$(jq -r .pid "$READY")" "$PID"
expect_eq "ready file: scenario" "$(jq -r .scenario "$READY")" "port0"
expect_match "ready file: ums bound port" "$(addr ums)" '^127\.0\.0\.1:[1-9][0-9]*$'
expect_match "ready file: fin bound port" "$(addr fin)" '^127\.0\.0\.1:[1-9][0-9]*$'
expect_eq "ready file: no temporary left" "$(ls "$TMP" | grep -c 'ready.json.tmp')" 0
UMS=$(addr ums)

# A port in use: exit 71, naming the service and address.
cat >"$TMP/busy.json" <<JSON
{ "standin": 1, "services": { "ums2": { "persona": "ums", "listen": "$UMS" } } }
JSON
err=$("$STANDIN" serve "$TMP/busy.json" 2>&1)
expect_eq "port in use: exit 71" "$?" 71
expect_match "port in use: names the address" "$err" \
	"ums2: cannot listen on $UMS: Address already in use"
stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
expect_eq "SIGTERM: ready file removed" "$(ls "$READY" 2>/dev/null)" ""

# JSON logs: every line on stderr is a JSON object.
start_standin "$SCEN/port0.json" --log-format json || exit 1
stop_standin
n=$(jq -c 'select(.level and .msg and .time)' "$LOG" | wc -l)
expect_eq "json logs: every line parses" "$n" "$(wc -l <"$LOG")"
expect_match "json logs: a listening line" "$(cat "$LOG")" '"msg":"ums listening on 127.0.0.1:'

# Seeds: the same seed gives the same handshake sessions, another does not.
session() {
	start_standin "$SCEN/port0.json" "$@" || exit 1
	curl -s --max-time 5 -X POST "http://$(addr fin)/v1/handshake" \
		--data '{"client":"ums","versions":["1.2"]}' | jq -r .session
	stop_standin
}
s1=$(session --seed 7)
s2=$(session --seed 7)
s3=$(session --seed 8)
expect_eq "same seed, same session id" "$s1" "$s2"
if [ "$s1" != "$s3" ] && [ -n "$s3" ]; then ok "another seed, another session id"
else not_ok "another seed, another session id" "$s1 vs $s3"; fi

# The built-in default: both personas on their fixed ports.
start_standin || exit 1
expect_eq "default: ums on 8081" "$(addr ums)" "127.0.0.1:8081"
expect_eq "default: fin on 8082" "$(addr fin)" "127.0.0.1:8082"
http GET "http://127.0.0.1:8081/health"
expect_eq "default: ums answers" "$(printf '%s' "$BODY" | jq -r .service)" "ums"
http GET "http://127.0.0.1:8082/health"
expect_eq "default: financial engine answers" "$(printf '%s' "$BODY" | jq -r .service)" \
	"financial-engine"
stop_standin
expect_eq "default: SIGTERM exit 0" "$STATUS" 0

done_testing
