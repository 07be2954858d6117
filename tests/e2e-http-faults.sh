#!/usr/bin/env bash
# e2e-http-faults.sh: every http fault, as curl sees it: its exit code,
# the status and body, the time it took, and what the persona stored.
. "$top_srcdir/tests/lib.sh"

start_standin "$SCEN/faults/http.json" --journal "$TMP/journal.jsonl" || exit 1
U=http://$(addr ums)
F=http://$(addr fin)

# fetch URL [CURL-ARGS]: sets RC (curl's exit code), CODE, BODY, TIME, SIZE.
fetch() {
	local url=$1 out
	shift
	out=$(curl -s -o "$TMP/body" -w '%{http_code} %{time_total} %{size_download}' \
		--max-time 5 "$@" "$url")
	RC=$?
	read -r CODE TIME SIZE <<<"$out"
	BODY=$(cat "$TMP/body" 2>/dev/null)
}
# secs_between TIME LOW HIGH: LOW <= TIME < HIGH (decimal seconds).
secs_between() { awk -v t="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(t >= lo && t < hi) }'; }
expect_time() {
	if secs_between "$2" "$3" "$4"; then ok "$1"; else not_ok "$1" "took ${2}s, expected $3..$4"; fi
}

fetch "$U/v1/users/u1001"
expect_eq "status: 503 from the fault" "$RC $CODE" "0 503"
expect_eq "status: the fault's body" "$(printf '%s' "$BODY" | jq -r .error)" unavailable
expect_eq "status: the fault's header" \
	"$(curl -s -D - -o /dev/null "$U/v1/users/u1001" | tr -d '\r' | sed -n 's/^Retry-After: //p')" 7

fetch "$U/v1/users/u1002"
expect_eq "delay: then 200" "$RC $CODE" "0 200"
expect_time "delay: about 300ms" "$TIME" 0.29 3
fetch "$U/v1/users/u1003"
expect_eq "delay from a distribution, at response: 200" "$RC $CODE" "0 200"
expect_time "delay: within the uniform 100-200ms" "$TIME" 0.099 3

fetch "$U/v1/users/u1004"
expect_eq "drip: complete answer" "$RC $CODE $(printf '%s' "$BODY" | jq -r .id)" "0 200 u1004"
expect_time "drip: 16-byte pieces every 20ms take a while" "$TIME" 0.2 5

fetch "$U/empty"
expect_eq "empty: curl 52 (empty reply)" "$RC" 52
fetch "$U/reset"
expect_eq "reset: curl 56 (connection reset)" "$RC" 56
fetch "$U/v1/users/u1005"
expect_eq "reset after 20 bytes: curl 56" "$RC" 56
fetch "$U/v1/users/u1006"
expect_eq "truncate: curl 18 (partial file)" "$RC" 18
expect_le "truncate: fewer bytes than promised" "$SIZE" 150

fetch "$U/malformed/status"
expect_eq "malformed status line: curl 1 (unsupported response code)" "$RC" 1
fetch "$U/malformed/header"
expect_eq "malformed header: curl 8" "$RC" 8
fetch "$U/v1/users/u1007"
expect_eq "malformed chunked encoding: curl 56" "$RC" 56
fetch "$U/garbage"
expect_match "garbage: curl fails (1 or 8)" "$RC" '^(1|8)$'

fetch "$U/timeout" --max-time 1
expect_eq "timeout: curl 28 (timed out)" "$RC" 28
fetch "$U/timeout/close"
expect_eq "timeout with close_after: curl 52" "$RC" 52
expect_time "timeout with close_after: about 400ms" "$TIME" 0.39 3

fetch "$U/v1/users/u1008"
expect_eq "schema_drift: 200" "$CODE" 200
expect_eq "schema_drift: email dropped, name renamed" \
	"$(printf '%s' "$BODY" | jq -c '[has("email"), has("name"), .full_name != null]')" "[false,false,true]"
fetch "$U/v1/users?email=$(curl -s "$U/v1/users" | jq -r '.users[] | select(.id=="u1008") | .email')"
expect_eq "schema_drift: the stored user is unchanged" "$(printf '%s' "$BODY" | jq -r '.users[0].name != null')" true

# A donation's answer is text fin.c writes itself: the drift still applies.
fetch "$F/v1/donations/d5002"
expect_eq "schema_drift on a donation: 200" "$CODE" 200
expect_eq "schema_drift on a donation: currency dropped, amount_cents renamed" \
	"$(printf '%s' "$BODY" | jq -c '[has("currency"), has("amount_cents"), .amount, .id]')" '[false,false,5000,"d5002"]'

fetch "$U/health"
expect_eq "times 1: the first request is faulted" "$CODE" 500
fetch "$U/health"
expect_eq "times 1: the second is not" "$CODE" 200

# at: response: the donation is committed, the client never hears.
before=$(curl -s "$F/v1/ledger" | jq .count)
fetch "$F/v1/donations" -H 'Idempotency-Key: lost-1' \
	--data '{"user_id":"u1001","charity_id":"c","amount_cents":100,"currency":"EUR"}'
expect_eq "at response: curl 52" "$RC" 52
expect_eq "at response: the donation was stored" "$(curl -s "$F/v1/ledger" | jq .count)" $((before + 1))

# Other clients are unaffected while one connection is held by a timeout.
exec 4<>"/dev/tcp/$(addr ums | cut -d: -f1)/$(addr ums | cut -d: -f2)"
printf 'GET /timeout HTTP/1.1\r\nHost: x\r\n\r\n' >&4
fetch "$U/v1/users/u1002"
expect_eq "others are served while a connection is held" "$CODE" 200
exec 4<&-

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
n=$(jq -c 'select(.event=="fault")' "$TMP/journal.jsonl" | wc -l)
expect_le "journal: faults recorded" 15 "$n"
expect_eq "journal: the empty faults of both services" \
	"$(jq -r 'select(.event=="response" and .fault=="empty") | .service' "$TMP/journal.jsonl" | sort -u | tr '\n' ' ')" "fin ums "
done_testing
