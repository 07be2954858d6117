#!/usr/bin/env bash
# e2e-scenarios.sh: every shipped scenario runs and tells its story. Each is
# run on ports the OS chooses (its listen addresses rewritten to port 0).
. "$top_srcdir/tests/lib.sh"

# port0 NAME: the shipped scenario with every service on port 0.
port0() {
	jq '.services[].listen = "127.0.0.1:0"' "$top_srcdir/scenarios/$1.json" >"$TMP/$1.json"
	echo "$TMP/$1.json"
}
hello='{"client":"ums","versions":["1.1","1.2"]}'
hs() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "http://$(addr fin)/v1/handshake" --data "$hello"; }
wait_phase() {
	# (jq -e succeeds on an empty file, so look at what it prints.)
	for i in $(seq 1 400); do
		[ -n "$(jq -c --arg p "$1" 'select(.event=="phase" and .to==$p)' \
			"$TMP/j.jsonl" 2>/dev/null)" ] && return 0
		sleep 0.025
	done
	return 1
}

for s in "$top_srcdir"/scenarios/*.json; do
	out=$("$STANDIN" check "$s")
	expect_eq "$(basename "$s") passes standin check" "$?" 0
	expect_match "$(basename "$s") has a description" "$(jq -r .description "$s")" '.{20,}'
done

start_standin "$(port0 healthy)" || exit 1
expect_eq "healthy: hello succeeds" "$(hs)" 200
stop_standin

start_standin "$(port0 connection-refused)" || exit 1
curl -s -o /dev/null --max-time 5 "http://$(addr fin)/health"
expect_eq "connection-refused: the financial engine refuses (curl 7)" "$?" 7
expect_eq "connection-refused: UMS answers" \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://$(addr ums)/health")" 200
stop_standin

start_standin "$(port0 version-mismatch)" || exit 1
expect_eq "version-mismatch: UMS's hello gets 426" "$(hs)" 426
expect_eq "version-mismatch: the 426 names 2.0" \
	"$(curl -s -X POST "http://$(addr fin)/v1/handshake" --data "$hello" | jq -c .server_versions)" '["2.0"]'
stop_standin

# TLS 1.2 works until the upgrade (30s at --time-scale 100), then only 1.3.
rm -f "$TMP/j.jsonl"
start_standin "$(port0 tls-version-mismatch)" --time-scale 100 --ca-out "$TMP/ca.pem" \
	--journal "$TMP/j.jsonl" || exit 1
curl -s -o /dev/null --max-time 5 --cacert "$TMP/ca.pem" --tls-max 1.2 "https://$(addr fin)/health"
expect_eq "tls-version-mismatch: a TLS 1.2 client connects at first" "$?" 0
if wait_phase tls13-only; then ok "tls-version-mismatch: the upgrade happens"; else not_ok "tls-version-mismatch: the upgrade happens"; fi
curl -s -o /dev/null --max-time 5 --cacert "$TMP/ca.pem" --tls-max 1.2 "https://$(addr fin)/health"
expect_eq "tls-version-mismatch: then the TLS 1.2 client fails (curl 35)" "$?" 35
expect_match "tls-version-mismatch: openssl s_client sees the protocol version alert" \
	"$(timeout 5 openssl s_client -connect "$(addr fin)" -tls1_2 </dev/null 2>&1)" 'alert protocol version'
curl -s -o /dev/null --max-time 5 --cacert "$TMP/ca.pem" --tlsv1.3 "https://$(addr fin)/health"
expect_eq "tls-version-mismatch: a TLS 1.3 client still connects" "$?" 0
stop_standin

start_standin "$(port0 slow-handshake)" || exit 1
t=$(curl -s -o /dev/null -w '%{time_total}' --max-time 20 -X POST "http://$(addr fin)/v1/handshake" --data "$hello")
if awk -v t="$t" 'BEGIN { exit !(t >= 0.5 && t < 15) }'; then ok "slow-handshake: the hello is late"; else not_ok "slow-handshake: the hello is late" "took $t"; fi
stop_standin

start_standin "$(port0 flaky)" --journal "$TMP/j.jsonl" || exit 1
codes=$(for i in $(seq 1 60); do curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 "http://$(addr ums)/v1/users/u1001"; done | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
stop_standin
expect_match "flaky: mostly 200" "$codes" ' [0-9]+ 200'
expect_match "flaky: some faults injected" "$(jq -r 'select(.event=="fault") | .type' "$TMP/j.jsonl" | sort -u | tr '\n' ' ')" 'delay|status|reset'

# The incident at --time-scale 600: healthy 1.5s, bad deploy 4.5s, fix 3s.
rm -f "$TMP/j.jsonl"
start_standin "$(port0 incident-2024-04-16)" --time-scale 600 --journal "$TMP/j.jsonl" || exit 1
expect_eq "incident: healthy at first" "$(hs)" 200
if wait_phase bad-deploy; then ok "incident: the deploy happens"; else not_ok "incident: the deploy happens"; fi
expect_eq "incident: UMS cannot connect after the deploy" "$(hs)" 426
if wait_phase fix-deployed; then ok "incident: the fix is deployed"; else not_ok "incident: the fix is deployed"; fi
expect_eq "incident: UMS connects after the fix" "$(hs)" 200
if wait_phase recovered; then ok "incident: recovered"; else not_ok "incident: recovered"; fi
stop_standin
expect_eq "incident: the journal tells the story" \
	"$(jq -r 'select(.event=="phase") | .to' "$TMP/j.jsonl" | tr '\n' ' ')" "bad-deploy fix-deployed recovered "
expect_eq "incident: the 426 hello is journaled" \
	"$(jq -r 'select(.event=="hello" and .status==426) | .server_versions[0]' "$TMP/j.jsonl" | head -n 1)" "2.0"
done_testing
