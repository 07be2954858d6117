#!/usr/bin/env bash
# e2e-stream-faults.sh: every stream fault, as curl and a raw socket see
# it: late bytes each way, a slow trickle, small pieces, a cut-off answer,
# a held close, damaged bytes.
. "$top_srcdir/tests/lib.sh"

start_standin "$SCEN/faults/stream.json" --journal "$TMP/journal.jsonl" || exit 1
fetch() {
	local out
	out=$(curl -s -o "$TMP/body" -w '%{http_code} %{time_total} %{size_download}' \
		--max-time 10 "http://$(addr "$1")$2")
	RC=$?
	read -r CODE TIME SIZE <<<"$out"
	BODY=$(cat "$TMP/body" 2>/dev/null)
}
expect_time() {
	if awk -v t="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(t >= lo && t < hi) }'; then
		ok "$1"
	else
		not_ok "$1" "took ${2}s, expected $3..$4"
	fi
}

fetch latency_down /health
expect_eq "latency downstream: answered" "$RC $CODE" "0 200"
expect_time "latency downstream: 300ms late" "$TIME" 0.29 5
fetch latency_up /health
expect_eq "latency upstream: answered" "$RC $CODE" "0 200"
expect_time "latency upstream: 300ms +- 50ms late" "$TIME" 0.24 5

# About 1.6 KB at 2000 bytes/s.
fetch bandwidth /v1/users
expect_eq "bandwidth: complete" "$RC $CODE $(printf '%s' "$BODY" | jq '.users | length')" "0 200 8"
expect_time "bandwidth: a slow trickle" "$TIME" 0.4 10

fetch slicer /v1/users/u1001
expect_eq "slicer: complete and intact" "$RC $CODE $(printf '%s' "$BODY" | jq -r .id)" "0 200 u1001"
expect_time "slicer: ~40 pieces 10ms apart" "$TIME" 0.2 10

fetch limit /v1/users/u1001
expect_eq "limit_data: curl 18 (the answer is cut off)" "$RC" 18
n=$(printf 'GET /v1/users/u1001 HTTP/1.1\r\nHost: x\r\n\r\n' | raw "$(addr limit)" | wc -c)
expect_eq "limit_data: exactly 200 bytes, then EOF" "$n" 200

start=$(date +%s%N)
out=$(printf 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | raw "$(addr slow_close)")
end=$(date +%s%N)
expect_match "slow_close: answered" "$out" '"status":"ok"'
expect_time "slow_close: the close held 500ms" "$(awk -v a="$start" -v b="$end" 'BEGIN { print (b - a) / 1e9 }')" 0.49 5

fetch corrupt /health
if [ "$RC" -ne 0 ] || [ "$CODE" != 200 ]; then ok "corrupt: every byte damaged, curl cannot parse it (exit $RC)"
else not_ok "corrupt: every byte damaged" "curl got $CODE"; fi

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
n=$(jq -c 'select(.event=="fault" and .layer=="stream")' "$TMP/journal.jsonl" | wc -l)
expect_le "journal: stream faults recorded per connection" 7 "$n"
done_testing
