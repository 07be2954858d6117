#!/usr/bin/env bash
# e2e-fin.sh: every financial engine endpoint and error status through curl,
# idempotency included.
. "$top_srcdir/tests/lib.sh"

start_standin "$SCEN/port0.json" || exit 1
F=http://$(addr fin)
jqb() { printf '%s' "$BODY" | jq -r "$1"; }
don='{"user_id":"u1001","charity_id":"c-wwf","amount_cents":2500,"currency":"EUR"}'

http GET "$F/health"
expect_eq "health" "$CODE $(jqb .service) $(jqb .version)" "200 financial-engine 2.0"

http GET "$F/v1/ledger"
count0=$(jqb .count)
eur0=$(jqb '.totals.EUR.amount_cents // 0')

http POST "$F/v1/donations" -H 'Idempotency-Key: key-1' --data "$don"
expect_eq "donation: 201" "$CODE" 201
id=$(jqb .id)
expect_eq "donation: fields" "$(jqb '[.user_id,.amount_cents,.currency,.status]|join(" ")')" \
	"u1001 2500 EUR succeeded"
expect_eq "donation: Location" "$(header Location)" "/v1/donations/$id"

# Same key, same body: the same donation, never a second one.
http POST "$F/v1/donations" -H 'Idempotency-Key: key-1' \
	--data '{"currency":"EUR","amount_cents":2500,"charity_id":"c-wwf","user_id":"u1001"}'
expect_eq "replay: same status" "$CODE" 201
expect_eq "replay: same donation" "$(jqb .id)" "$id"
expect_eq "replay: marked" "$(header Idempotent-Replayed)" true
# Same key, other body: 409.
http POST "$F/v1/donations" -H 'Idempotency-Key: key-1' \
	--data '{"user_id":"u1001","charity_id":"c-wwf","amount_cents":9900,"currency":"EUR"}'
expect_eq "same key, other body: 409" "$CODE $(jqb .error)" "409 idempotency_conflict"
# No key: every request is a new donation.
http POST "$F/v1/donations" --data "$don"
expect_eq "no key: 201" "$CODE" 201
id2=$(jqb .id)
if [ "$id2" != "$id" ]; then ok "no key: a new donation"; else not_ok "no key: a new donation"; fi

http GET "$F/v1/ledger"
expect_eq "ledger: two donations, not three" "$(jqb .count)" "$((count0 + 2))"
expect_eq "ledger: EUR total" "$(jqb .totals.EUR.amount_cents)" "$((eur0 + 5000))"

http GET "$F/v1/donations/$id"
expect_eq "get donation" "$CODE $(jqb .id)" "200 $id"
http GET "$F/v1/donations/d0"
expect_eq "unknown donation: 404" "$CODE $(jqb .error)" "404 not_found"
http GET "$F/v1/users/u1001/donations"
expect_match "a user's donations include the new ones" "$(jqb '[.donations[].id]|join(" ")')" "$id.*$id2"

# Validation: 422 naming the field.
check_field() {
	http POST "$F/v1/donations" --data "$2"
	expect_eq "$1" "$CODE $(jqb .field)" "422 $3"
}
check_field "amount zero" '{"user_id":"u1001","charity_id":"c","amount_cents":0,"currency":"EUR"}' /amount_cents
check_field "amount a string" '{"user_id":"u1001","charity_id":"c","amount_cents":"5","currency":"EUR"}' /amount_cents
check_field "currency lower case" '{"user_id":"u1001","charity_id":"c","amount_cents":5,"currency":"eur"}' /currency
check_field "charity missing" '{"user_id":"u1001","amount_cents":5,"currency":"EUR"}' /charity_id
check_field "unknown user (users_from ums)" '{"user_id":"u9999","charity_id":"c","amount_cents":5,"currency":"EUR"}' /user_id
check_field "unknown field" '{"user_id":"u1001","charity_id":"c","amount_cents":5,"currency":"EUR","tip":1}' /tip
http POST "$F/v1/donations" -H "Idempotency-Key: $(head -c 300 /dev/zero | tr '\0' k)" --data "$don"
expect_eq "overlong Idempotency-Key: 422" "$CODE" 422
http POST "$F/v1/donations" --data '{"user_id":'
expect_eq "malformed JSON: 400" "$CODE $(jqb .error)" "400 bad_json"
http DELETE "$F/v1/donations/$id"
expect_eq "DELETE a donation: 405" "$CODE" 405
http GET "$F/v1/ledger"
expect_eq "rejected requests stored nothing" "$(jqb .count)" "$((count0 + 2))"

# A user's donations a page at a time: ?limit=N&after=CURSOR, "next" null on
# the last page, every donation exactly once.
# walk USER LIMIT: the ids of every page in WALK, the number of pages in PAGES.
walk() {
	local cursor= q
	WALK= PAGES=0
	while [ "$PAGES" -lt 200 ]; do
		q="limit=$2${cursor:+&after=$cursor}"
		http GET "$F/v1/users/$1/donations?$q"
		[ "$CODE" = 200 ] || { WALK="HTTP $CODE on page $((PAGES + 1))"; return; }
		PAGES=$((PAGES + 1))
		WALK="$WALK $(jqb '[.donations[].id]|join(" ")')"
		WALK=${WALK# }
		cursor=$(jqb '.next // empty')
		[ -n "$cursor" ] || return 0
		[ "$(jqb '.donations|length')" = "$2" ] || { WALK="short page $PAGES with a next"; return; }
	done
}
want=d5004
for i in $(seq 1 12); do
	http POST "$F/v1/donations" -H "Idempotency-Key: page-$i" \
		--data "{\"user_id\":\"u1003\",\"charity_id\":\"c-$i\",\"amount_cents\":$i,\"currency\":\"INR\"}"
	want="$want $(jqb .id)"
	# Another user's donation in between: lists are per user.
	http POST "$F/v1/donations" --data "$don"
done
walk u1003 5
expect_eq "pages of 5: every donation once, in order" "$WALK" "$want"
expect_eq "pages of 5: 13 donations in 3 pages" "$PAGES" 3
walk u1003 13
expect_eq "a page of exactly all: one page, next null" "$PAGES $WALK" "1 $want"
http GET "$F/v1/users/u1003/donations"
expect_eq "no limit: all 13 (default page 100), next null" \
	"$(jqb '.donations|length') $(jqb .next)" "13 null"
expect_eq "donations stays the first member, next the second" "$(jqb 'keys_unsorted|join(",")')" "donations,next"

# The default page is 100: 105 donations of u1006 in one keep-alive curl.
for i in $(seq 1 105); do
	printf 'url = "%s"\noutput = "/dev/null"\n' "$F/v1/donations"
done >"$TMP/posts.cfg"
codes=$(curl -s -X POST --data '{"user_id":"u1006","charity_id":"c-bulk","amount_cents":7,"currency":"JPY"}' \
	-w '%{http_code}\n' -K "$TMP/posts.cfg" | sort | uniq -c | tr -s ' ')
expect_eq "105 donations made" "$codes" " 105 201"
http GET "$F/v1/users/u1006/donations"
expect_eq "default page: 100 and a next" "$(jqb '.donations|length') $(jqb '.next|type')" "100 string"
cursor=$(jqb .next)
http GET "$F/v1/users/u1006/donations?after=$cursor"
expect_eq "second page: the other 5, next null" "$(jqb '.donations|length') $(jqb .next)" "5 null"
http GET "$F/v1/users/u1006/donations?limit=1000"
expect_eq "limit=1000: all 105" "$(jqb '.donations|length') $(jqb .next)" "105 null"

for bad in 0 -1 1001 abc 2.5 ''; do
	http GET "$F/v1/users/u1003/donations?limit=$bad"
	expect_eq "limit=$bad: 422 naming query:limit" "$CODE $(jqb .error) $(jqb .field)" "422 invalid query:limit"
done
for bad in zzz c0 "$cursor$cursor"; do
	http GET "$F/v1/users/u1003/donations?after=$bad"
	expect_eq "after=$bad: 422 naming query:after" "$CODE $(jqb .field)" "422 query:after"
done
http GET "$F/v1/users/u1003/donations?after=$cursor"
expect_eq "another user's cursor: 422" "$CODE $(jqb .field)" "422 query:after"
http GET "$F/v1/users/u9999/donations?limit=0"
expect_eq "an unknown user is 404 before the query is read" "$CODE" 404

# POST /reset: the fixture data back; cursors of before do not outlive it.
http POST "http://$(ctl_addr)/reset"
expect_eq "reset: 200" "$CODE" 200
http GET "$F/v1/ledger"
expect_eq "reset: the fixture's ledger" "$(jqb .count)" "$count0"
walk u1003 5
expect_eq "reset: u1003 has the fixture's one donation" "$PAGES $WALK" "1 d5004"
http GET "$F/v1/users/u1006/donations?after=$cursor"
expect_eq "reset: an old cursor is 422" "$CODE $(jqb .field)" "422 query:after"
http POST "$F/v1/donations" -H 'Idempotency-Key: key-1' --data "$don"
expect_eq "reset: keys are forgotten" "$CODE $(header Idempotent-Replayed)" "201 "

# The financial engine speaks 1.2 and 2.0 here.
http POST "$F/v1/handshake" --data '{"client":"ums","versions":["1.1","1.2"]}'
expect_eq "handshake picks 1.2" "$CODE $(jqb .version)" "200 1.2"
http GET "$F/v1/ledger" -H 'X-Protocol-Version: 1.1'
expect_eq "X-Protocol-Version 1.1: 426" "$CODE" 426

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
done_testing
