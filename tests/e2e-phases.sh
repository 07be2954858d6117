#!/usr/bin/env bash
# e2e-phases.sh: phases on a clock and on counts, the rule for connections
# already open, and determinism: the same seed and requests give the same
# fault decisions.
. "$top_srcdir/tests/lib.sh"

# wait_phase NAME: wait (up to 10s) until the journal says NAME began.
wait_phase() {
	# (jq -e succeeds on an empty file, so look at what it prints.)
	for i in $(seq 1 400); do
		[ -n "$(jq -c --arg p "$1" 'select(.event=="phase" and .to==$p)' \
			"$TMP/journal.jsonl" 2>/dev/null)" ] && return 0
		sleep 0.025
	done
	return 1
}

# 30s at --time-scale 100 is 300ms.
start_standin "$SCEN/faults/phases.json" --time-scale 100 --journal "$TMP/journal.jsonl" || exit 1
U=$(addr ums)

# A keep-alive connection opened in the healthy phase.
exec 4<>"/dev/tcp/${U%:*}/${U##*:}"
printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n' >&4
read -r -t 5 line <&4
expect_match "healthy phase: 200 on a kept-alive connection" "$line" '^HTTP/1.1 200'
# Read the rest of that answer (headers and a one-line JSON body).
while read -r -t 5 line <&4; do [ "$line" = $'\r' ] && break; done
read -r -t 5 line <&4

if wait_phase broken; then ok "after 30s scaled by 100: broken"; else not_ok "after 30s scaled by 100: broken"; fi
# Rule: a phase change applies to the next request, also on a connection
# opened before it.
printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n' >&4
read -r -t 5 line <&4
expect_match "open connection: its next request sees the new phase" "$line" '^HTTP/1.1 503'
exec 4<&-
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$U/health")
expect_eq "new connections see the new phase" "$code" 503
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$U/health")
expect_eq "third request of the phase: 503, and the phase ends after it" "$code" 503
wait_phase fixed
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$U/health")
expect_eq "after 3 requests: fixed" "$code" 200
stop_standin
expect_eq "journal: phase order" \
	"$(jq -r 'select(.event=="phase") | .to' "$TMP/journal.jsonl" | tr '\n' ' ')" "broken fixed "
expect_eq "journal: reasons" \
	"$(jq -r 'select(.event=="phase") | .reason' "$TMP/journal.jsonl" | tr '\n' '|')" "after 30s|after 3 requests|"

# Flapping by connection count, with repeat. A connection is counted when
# it is accepted: the phase begins with the Nth connection, whose requests
# then see the new phase.
start_standin "$SCEN/faults/flap.json" --journal "$TMP/journal.jsonl" || exit 1
codes=$(for i in 1 2 3 4 5 6 7 8; do
	curl -s -o /dev/null -w '%{http_code} ' --max-time 5 "http://$(addr ums)/health"
done)
expect_eq "after_connections with repeat: flapping" "$codes" \
	"200 503 503 200 200 503 503 200 "
stop_standin
expect_eq "flapping journaled" \
	"$(jq -r 'select(.event=="phase") | .to' "$TMP/journal.jsonl" | tr '\n' ' ')" \
	"down up down up "

# A phase lasts at least 1ms and at most 10 years at the time_scale that
# runs: --time-scale is judged too, and a scenario it makes flap (or
# overflow) is refused at start: 65, the message, no ready file.
rm -f "$TMP/ready.json"
err=$("$STANDIN" serve "$SCEN/faults/phases.json" --time-scale 1e6 --no-control \
	--ready-file "$TMP/ready.json" 2>&1)
expect_eq "--time-scale making a phase shorter than 1ms: exit 65" "$?" 65
expect_eq "... with the message" "$err" \
	"$SCEN/faults/phases.json: /phases/1/after: \"30s\" at --time-scale 1e6 is 0.03 ms; a phase must last at least 1ms (after scaling)"
expect_eq "... and nothing started" "$(ls "$TMP/ready.json" 2>/dev/null)" ""
err=$("$STANDIN" serve "$SCEN/faults/phases.json" --time-scale 1e-300 --no-control \
	--ready-file "$TMP/ready.json" 2>&1)
expect_eq "--time-scale making a phase longer than 10 years: exit 65" "$?" 65
expect_eq "... with the message" "$err" \
	"$SCEN/faults/phases.json: /phases/1/after: \"30s\" at --time-scale 1e-300 is longer than standin can wait; a phase may last at most 10 years (after scaling)"
expect_eq "... and nothing started" "$(ls "$TMP/ready.json" 2>/dev/null)" ""

# A file that flaps at its own time_scale is refused by check and serve
# alike, and --time-scale does not launder it.
jq '.time_scale = 1e5' "$SCEN/faults/phases.json" >"$TMP/fast.json"
err=$("$STANDIN" check "$TMP/fast.json" 2>&1)
expect_eq "check: a phase scaled below 1ms: exit 65" "$?" 65
expect_eq "check: ... with the message" "$err" \
	"$TMP/fast.json: /phases/1/after: \"30s\" at time_scale 1e5 is 0.3 ms; a phase must last at least 1ms (after scaling)"
"$STANDIN" serve "$TMP/fast.json" --time-scale 1 --no-control \
	--ready-file "$TMP/ready.json" 2>/dev/null
expect_eq "serve: the same file with --time-scale 1: still 65" "$?" 65

# A reload (SIGHUP) is judged at --time-scale too: refused, the running
# scenario stays.
cp "$SCEN/faults/phases.json" "$TMP/live.json"
start_standin "$TMP/live.json" --time-scale 100 || exit 1
sed -i 's/"after": "30s"/"after": "50ms"/' "$TMP/live.json"
kill -HUP "$PID"
for i in $(seq 1 200); do grep -q 'reload refused' "$LOG" && break; sleep 0.025; done
expect_match "SIGHUP: a phase shorter than 1ms at --time-scale is refused" "$(cat "$LOG")" \
	'live.json: /phases/1/after: "50ms" at --time-scale 100 is 0.5 ms; a phase must last at least 1ms'
expect_eq "SIGHUP: still running" "$(kill -0 "$PID" && echo alive)" alive
stop_standin

# Determinism: the same requests twice with seed 5, once with seed 6.
decisions() {
	rm -f "$TMP/journal.jsonl"
	start_standin "$SCEN/faults/flaky.json" --journal "$TMP/journal.jsonl" "$@" || exit 1
	for i in $(seq 1 40); do
		curl -s -o /dev/null --max-time 5 "http://$(addr ums)/v1/users/u100$((i % 8 + 1))"
	done
	stop_standin
	jq -c 'select(.event=="fault") | [.conn, .type, .draw]' "$TMP/journal.jsonl"
}
a=$(decisions)
b=$(decisions)
c=$(decisions --seed 6)
expect_match "determinism: some faults were injected" "$(printf '%s\n' "$a" | wc -l)" '^[1-9][0-9]*$'
expect_eq "determinism: same seed, same decisions" "$a" "$b"
if [ "$a" != "$c" ]; then ok "determinism: another seed, other decisions"
else not_ok "determinism: another seed, other decisions"; fi
done_testing
