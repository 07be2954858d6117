#!/usr/bin/env bash
# e2e-ctl.sh: `standin ctl` against a real `standin serve`: every command,
# readable and --json, journal --follow, where the address and the token
# come from, and every exit code: 64 usage, 65 refused by the API, 66 an
# unreadable file, 69 no API, 70 an answer that is not the API's.
. "$top_srcdir/tests/lib.sh"

# ctl ARGS...: run standin ctl (under STANDIN_WRAPPER too).
ctl() {
	${STANDIN_WRAPPER:-} "$STANDIN" ctl "$@"
}

# run ARGS...: run standin ctl on the running standin; sets OUT, ERR, RC.
run() {
	OUT=$(ctl --ready-file "$READY" "$@" 2>"$TMP/err" </dev/null)
	RC=$?
	ERR=$(cat "$TMP/err")
}

# wait_for FILE REGEX: wait (up to 10s) until a line of FILE matches.
wait_for() {
	local _
	for _ in $(seq 1 400); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.025
	done
	return 1
}

start_standin "$SCEN/ctl.json" || exit 1
CTL=$(ctl_addr)
UMS=$(addr ums)

# --- status ----------------------------------------------------------------
run status
expect_eq "status: exit 0" "$RC" 0
expect_match "status: the scenario and its file" "$OUT" \
	"^scenario: ctl \(.*tests/scenarios/ctl\.json\), seed 3$"
expect_match "status: the phase, its place and the next one" "$OUT" \
	'phase: +healthy \(1 of 3, for [0-9.]+m?s\), next: bad-deploy'
expect_match "status: each service where the ready file says" "$OUT" \
	"  ums +ums +$UMS +tcp +[0-9]+ connections \([0-9]+ open\), [0-9]+ requests"
expect_match "status: the financial engine's persona" "$OUT" \
	"  fin +financial-engine +$(addr fin) +tcp "
expect_match "status: the fault counts" "$OUT" 'faults: +2 from the scenario, 0 added'
run --json status
expect_eq "status --json: exit 0" "$RC" 0
expect_eq "status --json: the API's JSON" \
	"$(jq -c '[.scenario.name, .phase.name, .phase.next, .services.ums.listen, .faults]' <<<"$OUT")" \
	"[\"ctl\",\"healthy\",\"bad-deploy\",\"$UMS\",{\"scenario\":2,\"api\":0}]"

# --- where the address comes from ----------------------------------------
OUT=$(ctl --control "$CTL" status 2>&1)
expect_eq "--control ADDR: exit 0" "$?" 0
OUT=$(STANDIN_CONTROL=$CTL ctl status 2>&1)
expect_eq "STANDIN_CONTROL: exit 0" "$?" 0
OUT=$(STANDIN_CONTROL=127.0.0.1:1 ctl --ready-file "$READY" status 2>&1)
expect_eq "--ready-file before STANDIN_CONTROL" "$?" 0
OUT=$(ctl --control 127.0.0.1:1 --ready-file "$READY" status 2>&1)
expect_eq "--control before --ready-file: exit 69" "$?" 69
expect_match "--control before --ready-file: its address is the one tried" "$OUT" \
	'cannot reach the control API at 127\.0\.0\.1:1:'

# --- phases ----------------------------------------------------------------
run phase drill
expect_eq "phase NAME: exit 0" "$RC" 0
expect_eq "phase NAME: from and to" "$OUT" "phase: healthy -> drill"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$UMS/health")
expect_eq "phase NAME: the service sees the phase's fault" "$code" 503
run next
expect_eq "next in the last phase: exit 65" "$RC" 65
expect_match "next in the last phase: the API's message" "$ERR" '^standin: .*last'
run phase nope
expect_eq "unknown phase: exit 65" "$RC" 65
expect_match "unknown phase: the API's message" "$ERR" '^standin: no phase "nope" in scenario ctl'
run --json phase healthy
expect_eq "phase --json: exit 0" "$RC" 0
expect_eq "phase --json: the API's JSON" "$(jq -c '[.phase, .index, .previous]' <<<"$OUT")" \
	'["healthy",0,"drill"]'
run next
expect_eq "next: exit 0" "$RC" 0
expect_eq "next: from and to" "$OUT" "phase: healthy -> bad-deploy"
run --json next
expect_eq "next --json" "$(jq -c '[.phase, .previous]' <<<"$OUT")" '["drill","bad-deploy"]'
run phase healthy

# --- faults ----------------------------------------------------------------
run faults
expect_eq "faults: exit 0" "$RC" 0
expect_eq "faults: one line per fault" "$(printf '%s\n' "$OUT" | wc -l)" 2
expect_match "faults: id, source, layer/type, service, parameters" "$OUT" \
	'^scenario/1 +scenario +http/status +ums +used 0 status=410 .*match=\{"path":"/v1/never-asked"\}'
expect_match "faults: a fault without parameters" "$OUT" \
	'^scenario/0 +scenario +connect/blackhole +hole +used 0( |$)'
run --json faults
expect_eq "faults --json: the API's JSON" "$(jq -c '[.faults[].id]' <<<"$OUT")" '["scenario/0","scenario/1"]'

run fault add '{"service":"fin","layer":"http","type":"status","status":503,"probability":0.5}'
expect_eq "fault add JSON: exit 0" "$RC" 0
expect_match "fault add JSON: the new id" "$OUT" '^added fault [^ ]+$'
id1=${OUT#added fault }
run faults
expect_match "faults: the added fault first, as api" "$OUT" \
	"^$id1 +api +http/status +fin +used 0 status=503 probability=0.5"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$(addr fin)/health")
expect_match "fault add: the service sees it" "$code" '^(200|503)$'

echo '[{"service":"ums","layer":"http","type":"delay","delay":"1ms"},
       {"service":"ums","layer":"http","type":"status","status":418,"probability":0}]' >"$TMP/faults.json"
run fault add @"$TMP/faults.json"
expect_eq "fault add @FILE: exit 0" "$RC" 0
expect_eq "fault add @FILE: two new ids" "$(printf '%s\n' "$OUT" | grep -c '^added fault ')" 2
OUT=$(echo '{"service":"ums","layer":"http","type":"delay","delay":"2ms"}' |
	ctl --ready-file "$READY" --json fault add - 2>&1)
expect_eq "fault add - (stdin): exit 0" "$?" 0
expect_eq "fault add --json: the API's entries" "$(jq -r '.faults[0].source + " " + .faults[0].fault.delay' <<<"$OUT")" "api 2ms"
id4=$(jq -r '.faults[0].id' <<<"$OUT")
run status
expect_match "status: the added faults counted" "$OUT" 'faults: +2 from the scenario, 4 added'

run fault add @"$TMP/missing.json"
expect_eq "fault add @FILE that is missing: exit 66" "$RC" 66
expect_match "fault add @FILE that is missing: names it" "$ERR" "^standin: $TMP/missing.json: No such file or directory$"
run fault add '{"layer":"http","type":"delay","delay":"5x"}'
expect_eq "bad fault: exit 65" "$RC" 65
expect_eq "bad fault: the validator's message" "$ERR" \
	'standin: POST /faults: /delay: "5x" is not a duration (use 250ms, 1.5s, 2m)'
run fault add '[{"layer":"http","type":"delay","delay":"5x"},{"layer":"htp","type":"status"}]'
expect_eq "bad faults: exit 65" "$RC" 65
expect_eq "bad faults: every error, one a line" "$(printf '%s\n' "$ERR" | grep -c '^standin: POST /faults: /[01]/')" 2
run fault add 'not json'
expect_eq "fault add with text that is not JSON: exit 65" "$RC" 65
run --json faults
expect_eq "nothing added by the refused requests" "$(jq '.faults | length' <<<"$OUT")" 6

run fault rm "$id1"
expect_eq "fault rm ID: exit 0" "$RC" 0
expect_eq "fault rm ID: what was removed" "$OUT" "removed fault $id1"
run fault rm "$id1"
expect_eq "fault rm of an unknown id: exit 65" "$RC" 65
expect_match "fault rm of an unknown id: the API's message" "$ERR" "^standin: .*\"$id1\""
run fault rm scenario/0
expect_eq "fault rm of a scenario fault: exit 65" "$RC" 65
expect_match "fault rm of a scenario fault: the API's message" "$ERR" '^standin: .*scenario/0'
run --json fault rm "$id4"
expect_eq "fault rm --json: the API's JSON" "$(jq -c .removed <<<"$OUT")" "[\"$id4\"]"

# --- reset -------------------------------------------------------------------
run phase drill
run reset
expect_eq "reset: exit 0" "$RC" 0
expect_match "reset: back to the first phase" "$OUT" '^phase: healthy$'
expect_eq "reset: the added faults removed" "$(printf '%s\n' "$OUT" | grep -c '^removed fault ')" 2
run reset
expect_eq "reset with nothing added" "$OUT" "$(printf 'phase: healthy\nno faults to remove')"
run --json reset
expect_eq "reset --json: the API's JSON" "$(jq -c . <<<"$OUT")" '{"phase":"healthy","removed":[]}'

# --- journal -----------------------------------------------------------------
curl -s -o /dev/null "http://$UMS/health"
run journal
expect_eq "journal: exit 0" "$RC" 0
expect_match "journal: SEQ TIME SERVICE EVENT key=value" "$OUT" \
	'^[0-9]+ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z ums request conn=[0-9]+ method=GET path=/health'
expect_match "journal: events without a service" "$OUT" \
	'[0-9]+ [^ ]+ - phase from=healthy to=drill .*reason=control'
run --json journal
expect_eq "journal --json: one JSON object a line" \
	"$(jq -s 'map(type == "object" and has("seq")) | all' <<<"$OUT")" true
expect_eq "journal --json: as many events as lines" \
	"$(printf '%s\n' "$OUT" | wc -l)" "$(curl -s "http://$CTL/journal" | jq '.events | length')"
last=$(curl -s "http://$CTL/journal" | jq .seq)
run --json journal --since $((last - 2))
expect_eq "journal --since SEQ" "$(jq -s -c 'map(.seq)' <<<"$OUT")" "[$((last - 1)),$last]"
run --json journal --limit 1
expect_eq "journal --limit N" "$(jq -s -c 'map(.seq)' <<<"$OUT")" '[1]'
run --json journal --service ums --event request
expect_eq "journal --service --event" "$(jq -s -c 'map(.service + " " + .event) | unique' <<<"$OUT")" '["ums request"]'

# --follow: what there is, then what comes, until SIGINT. (Started
# without the ctl function, so that $! is standin's pid.)
${STANDIN_WRAPPER:-} "$STANDIN" ctl --ready-file "$READY" journal --follow --event request >"$TMP/follow" 2>&1 &
fpid=$!
wait_for "$TMP/follow" 'path=/health'
curl -s -o /dev/null "http://$UMS/v1/users/u1001"
if wait_for "$TMP/follow" 'path=/v1/users/u1001'; then ok "journal --follow: new events"; else not_ok "journal --follow: new events" "$(cat "$TMP/follow")"; fi
# The ring emptied under it: it goes on from the answer's seq.
curl -s -o /dev/null -X DELETE "http://$CTL/journal"
curl -s -o /dev/null "http://$UMS/v1/users/u1002"
if wait_for "$TMP/follow" 'path=/v1/users/u1002'; then ok "journal --follow: goes on after DELETE /journal"; else not_ok "journal --follow: goes on after DELETE /journal" "$(cat "$TMP/follow")"; fi
kill -INT $fpid
wait $fpid
expect_eq "journal --follow: SIGINT: exit 0" "$?" 0
expect_eq "journal --follow: each event once" "$(grep -c 'path=/v1/users/u1001' "$TMP/follow")" 1

${STANDIN_WRAPPER:-} "$STANDIN" ctl --ready-file "$READY" --json journal --follow --since "$(curl -s "http://$CTL/journal" | jq .seq)" >"$TMP/follow" 2>&1 &
fpid=$!
sleep 0.3
curl -s -o /dev/null "http://$UMS/v1/users/u1003"
wait_for "$TMP/follow" '"path":"/v1/users/u1003"'
kill -TERM $fpid
wait $fpid
expect_eq "journal --follow --json: SIGTERM: exit 0" "$?" 0
expect_eq "journal --follow --json: one JSON object a line" \
	"$(jq -s -c 'map(.event) | unique' "$TMP/follow")" '["close","connection","request","response"]'

# --- answers that are not the control API's -----------------------------
OUT=$(ctl --control "$(addr imposter)" status 2>&1)
expect_eq "a 200 that is not JSON: exit 70" "$?" 70
expect_match "a 200 that is not JSON: says so" "$OUT" \
	"^standin: unexpected answer from the control API at $(addr imposter): not JSON"
OUT=$(ctl --control "$(addr imposter)" faults 2>&1)
expect_eq "a 500: exit 70" "$?" 70
expect_eq "a 500: its message" "$OUT" \
	"$(printf 'standin: the control API at %s failed with 500:\nstandin: the imposter broke' "$(addr imposter)")"
OUT=$(ctl --control "$(addr hole)" --timeout 300ms status 2>&1)
expect_eq "no answer: exit 69" "$?" 69
expect_eq "no answer: the timeout" "$OUT" \
	"standin: no answer from the control API at $(addr hole): timed out after 300ms"

# The API goes away under journal --follow: 69.
${STANDIN_WRAPPER:-} "$STANDIN" ctl --ready-file "$READY" journal --follow >"$TMP/follow" 2>&1 &
fpid=$!
wait_for "$TMP/follow" 'request'
stop_standin
wait $fpid
expect_eq "journal --follow: the API gone: exit 69" "$?" 69
expect_match "journal --follow: the API gone: says so" "$(tail -n 1 "$TMP/follow")" \
	"^standin: (cannot reach|no answer from) the control API at $CTL: "

# --- nothing listening -------------------------------------------------------
OUT=$(ctl --control "$CTL" status 2>&1)
expect_eq "unreachable: exit 69" "$?" 69
expect_eq "unreachable: the message" "$OUT" \
	"standin: cannot reach the control API at $CTL: Connection refused (is standin serve running with --control?)"
OUT=$(ctl --control "$CTL" --json faults 2>&1)
expect_eq "unreachable with --json: exit 69" "$?" 69

# --- tokens and the ready file --------------------------------------------
start_standin "$SCEN/ctl.json" --control-token s3cret || exit 1
run status
expect_eq "no token: exit 65" "$RC" 65
expect_match "no token: unauthorized" "$ERR" 'unauthorized'
run --token wrong status
expect_eq "bad token: exit 65" "$RC" 65
expect_match "bad token: unauthorized" "$ERR" 'unauthorized'
run --token s3cret status
expect_eq "--token: exit 0" "$RC" 0
OUT=$(STANDIN_CONTROL_TOKEN=s3cret ctl --ready-file "$READY" faults 2>&1)
expect_eq "STANDIN_CONTROL_TOKEN: exit 0" "$?" 0
stop_standin

start_standin "$SCEN/ctl.json" --no-control || exit 1
run status
expect_eq "a ready file without the control API: exit 69" "$RC" 69
expect_match "a ready file without the control API: says so" "$ERR" 'names no "control" address'
stop_standin
OUT=$(ctl --ready-file "$READY" status 2>&1)
expect_eq "the ready file of a standin that stopped (removed): exit 69" "$?" 69
expect_match "a missing ready file: standin is not running" "$OUT" 'no ready file .* \(is standin serve running\?\)'
echo '{"control":' >"$TMP/broken-ready.json"
OUT=$(ctl --ready-file "$TMP/broken-ready.json" status 2>&1)
expect_eq "a ready file that is not JSON: exit 66" "$?" 66

# --- usage -------------------------------------------------------------------
for args in "" "frobnicate" "phase" "phase a b" "fault" "fault edit 1" "fault add" \
	"fault rm" "status --follow" "faults --since 3" "journal --since x" \
	"journal --limit 0" "--timeout 5x status" "--bogus status" "--control nowhere status" \
	"status extra"; do
	# shellcheck disable=SC2086
	OUT=$(ctl $args 2>&1)
	code=$?
	expect_eq "usage: 'ctl $args': exit 64" "$code" 64
	expect_match "usage: 'ctl $args': a usage line" "$OUT" '^usage: standin ctl '
done
OUT=$(ctl --help)
expect_eq "ctl --help: exit 0" "$?" 0
expect_match "ctl --help: documents the exit codes" "$OUT" '65 the API refused the request'
expect_match "standin --help: names ctl" "$("$STANDIN" --help)" 'standin ctl '

done_testing
