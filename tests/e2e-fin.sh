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

# The financial engine speaks 1.2 and 2.0 here.
http POST "$F/v1/handshake" --data '{"client":"ums","versions":["1.1","1.2"]}'
expect_eq "handshake picks 1.2" "$CODE $(jqb .version)" "200 1.2"
http GET "$F/v1/ledger" -H 'X-Protocol-Version: 1.1'
expect_eq "X-Protocol-Version 1.1: 426" "$CODE" 426

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
done_testing
