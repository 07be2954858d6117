#!/usr/bin/env bash
# e2e-connect-faults.sh: every connect fault, as curl and raw sockets see
# it: refused, reset, closed, held without an answer; and the socket back
# when the fault ends.
. "$top_srcdir/tests/lib.sh"

start_standin "$SCEN/faults/connect.json" --journal "$TMP/journal.jsonl" || exit 1
url() { printf 'http://%s/health' "$(addr "$1")"; }
fetch() {
	local out
	out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time "${2:-5}" "$(url "$1")")
	RC=$?
	read -r CODE TIME <<<"$out"
}

fetch refuse
expect_eq "refuse: curl 7 (connection refused)" "$RC" 7
fetch reset
expect_eq "reset: curl 56 (connection reset by peer)" "$RC" 56
fetch close
expect_eq "close: curl 52 (empty reply)" "$RC" 52
fetch blackhole 1
expect_eq "blackhole: curl 28 (timed out)" "$RC" 28
fetch stall 1
expect_eq "stall_accept: curl 28 (connected, never answered)" "$RC" 28

# max_connections 1: one connection held open, the next one is reset.
hp=$(addr max)
exec 4<>"/dev/tcp/${hp%:*}/${hp##*:}"
sleep 0.2
fetch max
expect_eq "max_connections: beyond the limit, reset" "$RC" 56
exec 4<&-

# The only request so far moves the scenario to "healed" (after_requests 1).
fetch healthy
expect_eq "healthy service unaffected" "$CODE" 200
sleep 0.2
fetch refuse
expect_eq "refuse ended: the socket is back" "$RC $CODE" "0 200"
fetch stall
expect_eq "stall_accept ended: accepting again" "$RC $CODE" "0 200"
fetch reset
expect_eq "reset ended" "$CODE" 200
fetch max
expect_eq "max_connections ended" "$CODE" 200

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
expect_eq "journal: phase change to healed" \
	"$(jq -r 'select(.event=="phase") | .to' "$TMP/journal.jsonl")" healed
for t in reset close blackhole max_connections; do
	n=$(jq -c --arg t "$t" 'select(.event=="fault" and .type==$t)' "$TMP/journal.jsonl" | wc -l)
	expect_eq "journal: the $t fault" "$n" 1
done
done_testing
