#!/bin/bash
# e2e-control.sh: the control API end to end, with curl: every endpoint,
# every error path (and that an error changes nothing), a fault flipped on
# and off while a client runs, tokens, and the metrics through a real
# Prometheus parser.
. "$top_srcdir/tests/lib.sh"

# api METHOD PATH [CURL-ARGS...]: a control API request (sets CODE, BODY).
api() {
	local method=$1 path=$2
	shift 2
	http "$method" "http://$CTL$path" "$@"
}

# faults_count: how many faults are active.
faults_count() {
	curl -s "http://$CTL/faults" | jq '.faults | length'
}

start_standin "$SCEN/control.json" || exit 1
CTL=$(ctl_addr)
UMS=$(addr ums)
FIN=$(addr fin)
expect_match "the ready file names the control API" "$CTL" '^127\.0\.0\.1:[0-9]+$'

# --- /health, /status, /scenario -----------------------------------------
api GET /health
expect_eq "GET /health: 200" "$CODE" 200
expect_eq "GET /health: ok" "$(jq -r '.status + " " + .service' <<<"$BODY")" "ok standin"
expect_eq "answers are JSON" "$(header Content-Type)" "application/json"

api GET /status
expect_eq "GET /status: 200" "$CODE" 200
expect_eq "status: the scenario" "$(jq -r .scenario.name <<<"$BODY")" control
expect_eq "status: the first phase" "$(jq -r '.phase.name + " " + (.phase.index|tostring) + " next " + .phase.next' <<<"$BODY")" "healthy 0 next bad-deploy"
expect_eq "status: the phases" "$(jq -c .phases <<<"$BODY")" '["healthy","bad-deploy","drill"]'
expect_eq "status: ums where the ready file says" "$(jq -r .services.ums.listen <<<"$BODY")" "$UMS"
expect_eq "status: fin's persona" "$(jq -r .services.fin.persona <<<"$BODY")" financial-engine
expect_eq "status: the scenario's faults" "$(jq -c .faults <<<"$BODY")" '{"scenario":1,"api":0}'

api GET /scenario
expect_eq "GET /scenario: 200" "$CODE" 200
expect_eq "GET /scenario: the document as loaded" "$(jq -c . <<<"$BODY")" "$(jq -c . "$SCEN/control.json")"

# --- errors of the API itself ---------------------------------------------
api GET /nowhere
expect_eq "unknown endpoint: 404" "$CODE" 404
expect_eq "unknown endpoint: not_found" "$(jq -r .error <<<"$BODY")" not_found
api PATCH /faults
expect_eq "wrong method: 405" "$CODE" 405
expect_eq "wrong method: Allow lists the methods" "$(header Allow)" "GET, POST, DELETE"
expect_eq "wrong method: method_not_allowed" "$(jq -r .error <<<"$BODY")" method_not_allowed
head -c 2000000 /dev/zero | tr '\0' 'x' >"$TMP/big"
api POST /faults --data-binary @"$TMP/big"
expect_eq "a body over 1 MiB: 413" "$CODE" 413
expect_eq "nothing added by the oversized body" "$(faults_count)" 1

# --- phases ----------------------------------------------------------------
http GET "http://$UMS/v1/users/u1001"
expect_eq "healthy: ums answers 200" "$CODE" 200
api POST /phase -d '{"name":"drill"}'
expect_eq "POST /phase by name: 200" "$CODE" 200
expect_eq "POST /phase: the phase and the one before" "$(jq -r '.phase + " " + (.index|tostring) + " from " + .previous' <<<"$BODY")" "drill 2 from healthy"
http GET "http://$UMS/v1/users/u1001"
expect_eq "a manual phase reached by the API applies at once" "$CODE" 503
api GET "/journal?event=phase"
expect_eq "the change is journaled with reason control" "$(jq -r '.events[-1] | .to + " " + .reason' <<<"$BODY")" "drill control"

api POST /phase -d '{"next":true}'
expect_eq "next after the last phase: 409" "$CODE" 409
expect_eq "next after the last phase: last_phase" "$(jq -r .error <<<"$BODY")" last_phase
api POST /phase -d '{"name":"bad-deplyo"}'
expect_eq "unknown phase: 400" "$CODE" 400
expect_eq "unknown phase: unknown_phase" "$(jq -r .error <<<"$BODY")" unknown_phase
expect_match "unknown phase: the message lists the phases" "$(jq -r .message <<<"$BODY")" '"healthy", "bad-deploy", "drill"'
api POST /phase -d '{"name":'
expect_eq "bad JSON: 400" "$CODE" 400
expect_eq "bad JSON: invalid_json" "$(jq -r .error <<<"$BODY")" invalid_json
api POST /phase -d '{"name":"healthy","next":true}'
expect_eq "both name and next: 400" "$CODE" 400
api GET /status
expect_eq "no bad phase request changed the phase" "$(jq -r .phase.name <<<"$BODY")" drill

api POST /phase -d '{"name":"healthy"}'
api POST /phase -d '{"next":true}'
expect_eq "next: the phase after" "$(jq -r .phase <<<"$BODY")" bad-deploy
http POST "http://$FIN/v1/handshake" -d '{"client":"ums","versions":["1.2"]}'
expect_eq "bad-deploy: the financial engine rejects the hello" "$CODE" 426
api POST /phase -d '{"name":"healthy"}'

# --- faults ----------------------------------------------------------------
api POST /faults -d '{"service":"ums","layer":"http","type":"status","status":418}'
expect_eq "POST /faults: 201" "$CODE" 201
ID=$(jq -r '.faults[0].id' <<<"$BODY")
expect_match "POST /faults: an id" "$ID" '^[0-9]+$'
http GET "http://$UMS/v1/users/u1001"
expect_eq "a fault added by the API is live for the next request" "$CODE" 418
http GET "http://$FIN/health"
expect_eq "it applies to its service only" "$CODE" 200
api GET /faults
expect_eq "GET /faults: the API's fault first, then the scenario's" \
	"$(jq -r '[.faults[] | .source] | join(",")' <<<"$BODY")" "api,scenario"
expect_eq "GET /faults: the fault written out, used once" \
	"$(jq -c '.faults[0] | [.id, .used, .fault.type, .fault.status, .fault.at]' <<<"$BODY")" "[\"$ID\",1,\"status\",418,\"request\"]"
expect_eq "GET /faults: the root fault's id" "$(jq -r '.faults[1].id' <<<"$BODY")" "scenario/0"

# The same bad fault in a scenario file and through the API: the same message.
cat >"$TMP/badfault.json" <<'EOF'
{"standin": 1, "services": {"ums": {"persona": "ums", "listen": "127.0.0.1:0"}},
 "faults": [{"service": "ums", "layer": "http", "type": "delay", "delay": "5x"}]}
EOF
want=$("$STANDIN" check "$TMP/badfault.json" 2>&1 | sed 's|^.*: /faults/0/delay: ||')
api POST /faults -d '{"service": "ums", "layer": "http", "type": "delay", "delay": "5x"}'
expect_eq "invalid fault: 400" "$CODE" 400
expect_eq "invalid fault: invalid_fault" "$(jq -r .error <<<"$BODY")" invalid_fault
expect_eq "invalid fault: the message standin check gives" "$(jq -r .message <<<"$BODY")" "POST /faults: /delay: $want"
api POST /faults -d '{"service":"umss","layer":"connect","type":"refuse"}'
expect_eq "unknown service: did you mean" "$(jq -r .message <<<"$BODY")" 'POST /faults: /service: no service named "umss" (did you mean "ums"?)'
api POST /faults -d '{"service":"ums","layer":"tls","type":"stall"}'
expect_match "a tls fault on a service without tls is refused" "$(jq -r .message <<<"$BODY")" 'service "ums" has no "tls"'
api POST /faults -d '[{"service":"ums","layer":"http","type":"status","status":500},{"layer":"http","type":"nope"}]'
expect_eq "an array with one bad fault: 400" "$CODE" 400
expect_match "the bad one is named by its index" "$(jq -r '.errors[0]' <<<"$BODY")" '^POST /faults: /1/type: '
api POST /faults -d '{"service":"ums",'
expect_match "a fault that is not JSON: the position" "$(jq -r .message <<<"$BODY")" '^POST /faults:1:[0-9]+: '
expect_eq "no bad fault request added anything" "$(faults_count)" 2

api DELETE /faults/999
expect_eq "unknown fault id: 404" "$CODE" 404
expect_eq "unknown fault id: unknown_fault" "$(jq -r .error <<<"$BODY")" unknown_fault
api DELETE /faults/scenario/0
expect_eq "a scenario fault cannot be deleted: 409" "$CODE" 409
expect_eq "a scenario fault: not_removable" "$(jq -r .error <<<"$BODY")" not_removable
expect_eq "the failed deletes removed nothing" "$(faults_count)" 2
api DELETE "/faults/$ID"
expect_eq "DELETE /faults/ID: 200" "$CODE" 200
expect_eq "DELETE /faults/ID: what was removed" "$(jq -c .removed <<<"$BODY")" "[\"$ID\"]"
http GET "http://$UMS/v1/users/u1001"
expect_eq "the fault is gone for the next request" "$CODE" 200

# A listener state: refuse takes effect at once, and is undone.
api POST /faults -d '{"service":"ums","layer":"connect","type":"refuse"}'
curl -s -o /dev/null --max-time 5 "http://$UMS/health"
expect_eq "refuse added by the API: connection refused (curl 7)" "$?" 7
api POST /faults -d '[{"service":"fin","layer":"http","type":"status","status":502},{"service":"fin","layer":"http","type":"delay","delay":"1ms"}]'
expect_eq "an array: every fault gets an id" "$(jq '.faults | length' <<<"$BODY")" 2
api DELETE /faults
expect_eq "DELETE /faults removes every API fault" "$(jq '.removed | length' <<<"$BODY")" 3
http GET "http://$UMS/health"
expect_eq "refuse removed: ums accepts again on the same port" "$CODE" 200
expect_eq "only the scenario's fault is left" "$(faults_count)" 1

# --- a fault flipped on and off while a client runs ------------------------
: >"$TMP/client.log"
seq0=$(curl -s "http://$CTL/journal?limit=1" | jq .seq)
(
	while :; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 \
			"http://$UMS/v1/users/u1001" >>"$TMP/client.log"
		sleep 0.01
	done
) &
LOOP=$!
# wait_lines N: until the client has logged N answers.
wait_lines() {
	local i
	for i in $(seq 1 1000); do
		[ "$(wc -l <"$TMP/client.log")" -ge "$1" ] && return 0
		sleep 0.02
	done
	return 1
}
wait_lines 5
api POST /faults -d '{"service":"ums","layer":"http","type":"status","status":503}'
FLIP=$(jq -r '.faults[0].id' <<<"$BODY")
n=$(wc -l <"$TMP/client.log")
wait_lines $((n + 6))
api DELETE "/faults/$FLIP"
n=$(wc -l <"$TMP/client.log")
wait_lines $((n + 6))
kill "$LOOP"
wait "$LOOP" 2>/dev/null
sleep 0.2
seq1=$(curl -s "http://$CTL/journal?limit=1" | jq .seq)
pattern=$(uniq "$TMP/client.log" | tr '\n' ' ')
expect_match "the client saw 200s, then only 503s, then 200s again" "$pattern" '^200 503 200 $'
client_503=$(grep -c '^503$' "$TMP/client.log")
api GET "/journal?service=ums&event=response"
resp=$BODY
api GET "/journal?event=control"
add_seq=$(jq --arg id "$FLIP" '[.events[] | select(.action == "fault_add" and (.ids | index($id)))][0].seq' <<<"$BODY")
rm_seq=$(jq --arg id "$FLIP" '[.events[] | select(.action == "fault_remove" and (.ids | index($id)))][0].seq' <<<"$BODY")
inside=$(jq --argjson a "$add_seq" --argjson b "$rm_seq" '[.events[] | select(.seq > $a and .seq < $b) | .status] | unique' <<<"$resp")
outside=$(jq --argjson a "$add_seq" --argjson b "$rm_seq" --argjson s0 "$seq0" --argjson s1 "$seq1" \
	'[.events[] | select((.seq > $s0 and .seq < $a) or (.seq > $b and .seq <= $s1)) | .status] | unique' <<<"$resp")
expect_eq "while the fault was active every response was 503" "$inside" "$(jq -n '[503]')"
expect_eq "outside it every response was 200" "$outside" "$(jq -n '[200]')"
expect_eq "the client saw each 503 the journal recorded" "$client_503" \
	"$(jq --argjson a "$add_seq" --argjson b "$rm_seq" '[.events[] | select(.seq > $a and .seq < $b)] | length' <<<"$resp")"

# --- the journal -------------------------------------------------------------
api GET "/journal?limit=2"
expect_eq "journal: limit" "$(jq '.events | length' <<<"$BODY")" 2
last=$(jq .seq <<<"$BODY")
api GET "/journal?since=$last"
expect_eq "journal: since the last seq there is nothing new" "$(jq '.events | length' <<<"$BODY")" 0
api GET "/journal?service=fin"
expect_eq "journal: one service only" "$(jq -r '[.events[].service] | unique | join(",")' <<<"$BODY")" fin
api GET "/journal?since=abc"
expect_eq "journal: a bad since: 400" "$CODE" 400
expect_eq "journal: bad_parameter" "$(jq -r .error <<<"$BODY")" bad_parameter
api GET "/journal?sinse=3"
expect_match "journal: an unknown parameter is named" "$(jq -r .message <<<"$BODY")" 'unknown parameter "sinse"'
api DELETE /journal
expect_eq "DELETE /journal: 200" "$CODE" 200
api GET /journal
expect_eq "the ring is empty after DELETE /journal" "$(jq '.events | length' <<<"$BODY")" 0

# --- reset -------------------------------------------------------------------
http POST "http://$UMS/v1/users" -d '{"email":"reset-me@example.org","name":"Reset Me"}'
NEWID=$(jq -r .id <<<"$BODY")
expect_eq "a user is created before the reset" "$CODE" 201
api POST /faults -d '{"service":"fin","layer":"http","type":"status","status":500}'
api POST /phase -d '{"name":"drill"}'
api POST /reset
expect_eq "POST /reset: 200" "$CODE" 200
expect_eq "POST /reset: the first phase, the API's faults removed" "$(jq -c '[.phase, (.removed | length)]' <<<"$BODY")" '["healthy",1]'
http GET "http://$UMS/v1/users/$NEWID"
expect_eq "reset restores the fixture data" "$CODE" 404
http GET "http://$FIN/health"
expect_eq "reset removes the API's faults" "$CODE" 200
expect_eq "reset leaves the scenario's faults" "$(faults_count)" 1

# --- metrics -------------------------------------------------------------------
api GET /metrics
expect_eq "GET /metrics: 200" "$CODE" 200
expect_match "GET /metrics: Prometheus text" "$(header Content-Type)" '^text/plain; version=0\.0\.4'
printf '%s\n' "$BODY" >"$TMP/metrics.txt"
out=$(/usr/bin/python3 "$top_srcdir/tests/prom-check.py" \
	--expect 'standin_requests_total{service="ums",route="/v1/users/{id}",status="503"}>=6' \
	--expect 'standin_faults_injected_total{service="ums",layer="http",type="status"}>=7' \
	--expect 'standin_phase{phase="healthy"}==1' \
	--expect 'standin_phase{phase="drill"}==0' \
	--expect 'standin_phase_changes_total==6' \
	--expect 'standin_connections_total{service="ums",outcome="served"}>=20' \
	--expect 'standin_hellos_total{service="fin",outcome="version_mismatch"}==1' \
	--expect 'standin_request_duration_seconds_count{service="ums"}>=20' \
	<"$TMP/metrics.txt" 2>&1)
expect_eq "the metrics parse and hold what happened" "$?" 0
[ -z "$out" ] || echo "# $out"

# --- PUT /scenario ------------------------------------------------------------
cp "$SCEN/control.json" "$TMP/bad.json"
sed -i 's/"after": "1h"/"after": "1 hour"/' "$TMP/bad.json"
want=$("$STANDIN" check "$TMP/bad.json" 2>&1 | sed "s|^$TMP/bad.json: ||")
api PUT /scenario --data-binary @"$TMP/bad.json"
expect_eq "a bad scenario: 400" "$CODE" 400
expect_eq "a bad scenario: invalid_scenario" "$(jq -r .error <<<"$BODY")" invalid_scenario
expect_eq "a bad scenario: the message standin check gives" "$(jq -r .message <<<"$BODY")" "PUT /scenario: $want"
api PUT /scenario -d '{"standin": 1,'
expect_match "a scenario that is not JSON: line and column" "$(jq -r .message <<<"$BODY")" '^PUT /scenario:1:[0-9]+: '
busy=$(addr fin)
jq --arg a "$busy" '.name = "taken" | .services.ums.listen = $a' "$SCEN/control.json" >"$TMP/taken.json"
api PUT /scenario --data-binary @"$TMP/taken.json"
expect_eq "a scenario whose port is taken: 409" "$CODE" 409
expect_eq "a scenario whose port is taken: cannot_listen" "$(jq -r .error <<<"$BODY")" cannot_listen
api GET /status
expect_eq "no bad PUT changed the scenario" "$(jq -r '.scenario.name + " " + .services.ums.listen' <<<"$BODY")" "control $UMS"

api POST /phase -d '{"name":"drill"}'
jq '.name = "replaced" | .services.extra = {"persona": "ums", "listen": "127.0.0.1:0"}' \
	"$SCEN/control.json" >"$TMP/replaced.json"
api PUT /scenario --data-binary @"$TMP/replaced.json"
expect_eq "PUT /scenario: 200" "$CODE" 200
expect_eq "PUT /scenario: starts at its first phase" "$(jq -r '.scenario + " " + .phase' <<<"$BODY")" "replaced healthy"
expect_eq "PUT /scenario: an unchanged listener keeps its port" "$(jq -r .services.ums <<<"$BODY")" "$UMS"
EXTRA=$(jq -r .services.extra <<<"$BODY")
http GET "http://$EXTRA/health"
expect_eq "PUT /scenario: a new service is bound and serves" "$CODE" 200
http GET "http://$UMS/v1/users/u1001"
expect_eq "PUT /scenario: ums serves from the first phase" "$CODE" 200
api GET /scenario
expect_eq "GET /scenario: the one put" "$(jq -r .name <<<"$BODY")" replaced
stop_standin
expect_eq "stops cleanly" "$STATUS" 0

# --- PUT /scenario at the server's --time-scale -------------------------------
# The server runs every scenario at its --time-scale, a PUT one too: a
# phase that would be shorter than 1ms there is refused (400, the message)
# and nothing changes.
start_standin "$SCEN/port0.json" --time-scale 1e7 || exit 1
CTL=$(ctl_addr)
api PUT /scenario --data-binary @"$SCEN/control.json"
expect_eq "PUT /scenario flapping at --time-scale: 400" "$CODE" 400
expect_eq "... invalid_scenario" "$(jq -r .error <<<"$BODY")" invalid_scenario
expect_eq "... the message" "$(jq -r .message <<<"$BODY")" \
	'PUT /scenario: /phases/1/after: "1h" at --time-scale 1e7 is 0.36 ms; a phase must last at least 1ms (after scaling)'
expect_eq "... and the errors array, as for any invalid scenario" "$(jq -c .errors <<<"$BODY")" \
	'["PUT /scenario: /phases/1/after: \"1h\" at --time-scale 1e7 is 0.36 ms; a phase must last at least 1ms (after scaling)"]'
jq '.time_scale = 1e9' "$SCEN/control.json" >"$TMP/fast.json"
api PUT /scenario --data-binary @"$TMP/fast.json"
expect_eq "PUT /scenario flapping at its own time_scale: 400" "$CODE" 400
expect_eq "... the message standin check gives" "$(jq -r .message <<<"$BODY")" \
	"PUT /scenario: $("$STANDIN" check "$TMP/fast.json" 2>&1 | sed "s|^$TMP/fast.json: ||")"
api GET /status
expect_eq "no PUT refused for its phases changed the scenario" "$(jq -r .scenario.name <<<"$BODY")" port0
stop_standin

# --- tokens and addresses ---------------------------------------------------------
start_standin "$SCEN/port0.json" --control-token s3cret || exit 1
CTL=$(ctl_addr)
api GET /health
expect_eq "with a token, a request without it: 401" "$CODE" 401
expect_eq "401: unauthorized" "$(jq -r .error <<<"$BODY")" unauthorized
expect_match "401: WWW-Authenticate" "$(header WWW-Authenticate)" '^Bearer'
api POST /reset -H 'Authorization: Bearer s3cre'
expect_eq "with a wrong token: 401" "$CODE" 401
api GET /health -H 'Authorization: Bearer s3cret'
expect_eq "with the token: 200" "$CODE" 200
stop_standin

err=$("$STANDIN" serve "$SCEN/port0.json" --control 0.0.0.0:0 2>&1)
expect_eq "off loopback without a token: exit 64" "$?" 64
expect_match "off loopback without a token: says why" "$err" 'not a loopback address: give --control-token'
err=$("$STANDIN" serve "$SCEN/port0.json" --control nowhere 2>&1)
expect_eq "a control address that is not HOST:PORT: exit 64" "$?" 64

start_standin "$SCEN/port0.json" --control 0.0.0.0:0 --control-token s3cret || exit 1
expect_match "off loopback with a token it starts" "$(ctl_addr)" '^0\.0\.0\.0:[0-9]+$'
stop_standin

start_standin "$SCEN/port0.json" --no-control || exit 1
expect_eq "--no-control: no control in the ready file" "$(jq -r '.control // "none"' "$READY")" none
stop_standin

# The control address in use: refused, with the address named.
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(30)' >"$TMP/port" &
HOLD=$!
for _ in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
err=$("$STANDIN" serve "$SCEN/port0.json" --control "127.0.0.1:$(cat "$TMP/port")" 2>&1)
expect_eq "control port in use: exit 71" "$?" 71
expect_match "control port in use: the address is named" "$err" "127.0.0.1:$(cat "$TMP/port").*Address already in use"
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null

done_testing
