#!/usr/bin/env bash
# e2e-handshake-faults.sh: every handshake fault on POST /v1/handshake and
# the X-Protocol-Version check, as curl sees it.
. "$top_srcdir/tests/lib.sh"

start_standin "$SCEN/faults/handshake.json" --journal "$TMP/journal.jsonl" || exit 1
hello='{"client":"ums","versions":["1.1","1.2"]}'
# fetch SERVICE PATH [CURL-ARGS]: RC, CODE, TIME, BODY.
fetch() {
	local svc=$1 path=$2 out
	shift 2
	out=$(curl -s -o "$TMP/body" -w '%{http_code} %{time_total}' --max-time 5 \
		"$@" "http://$(addr "$svc")$path")
	RC=$?
	read -r CODE TIME <<<"$out"
	BODY=$(cat "$TMP/body" 2>/dev/null)
}

fetch mismatch /v1/handshake --data "$hello"
expect_eq "version_mismatch: 426" "$CODE" 426
expect_eq "version_mismatch: the fault's server versions" \
	"$(printf '%s' "$BODY" | jq -c .server_versions)" '["3.0"]'
expect_eq "version_mismatch: the client's versions" \
	"$(printf '%s' "$BODY" | jq -c .client_versions)" '["1.1","1.2"]'
fetch mismatch /v1/ledger -H 'X-Protocol-Version: 1.2'
expect_eq "version_mismatch: X-Protocol-Version check 426" "$CODE" 426
fetch mismatch /v1/ledger
expect_eq "version_mismatch: requests without the header pass" "$CODE" 200
fetch mismatch /health
expect_eq "version_mismatch: /health is outside the handshake layer" "$CODE" 200

fetch slow /v1/handshake --data "$hello"
expect_eq "slow: answered" "$CODE $(printf '%s' "$BODY" | jq -r .version)" "200 1.2"
if awk -v t="$TIME" 'BEGIN { exit !(t >= 0.39 && t < 4) }'; then ok "slow: about 400ms late"
else not_ok "slow: about 400ms late" "took $TIME"; fi
fetch slow /v1/ledger
if awk -v t="$TIME" 'BEGIN { exit !(t < 0.3) }'; then ok "slow: other requests are not late"
else not_ok "slow: other requests are not late" "took $TIME"; fi

fetch error /v1/handshake --data "$hello"
expect_eq "error: the fault's status and body" "$CODE $(printf '%s' "$BODY" | jq -r .message)" \
	"500 hello failed"
fetch error /v1/ledger -H 'X-Protocol-Version: 1.2'
expect_eq "error: only the hello fails" "$CODE" 200

fetch drop /v1/handshake --data "$hello"
expect_eq "drop: curl 52 (closed during the hello)" "$RC" 52
fetch drop /v1/ledger
expect_eq "drop: other requests pass" "$CODE" 200

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
expect_eq "journal: hello events with the offered versions" \
	"$(jq -c 'select(.event=="hello" and .service=="mismatch") | [.status, .offered]' "$TMP/journal.jsonl")" \
	'[426,["1.1","1.2"]]'
done_testing
