#!/usr/bin/env bash
# e2e-ums.sh: every UMS endpoint and error status through curl, plus the
# shared /health, handshake and X-Protocol-Version check.
. "$top_srcdir/tests/lib.sh"

start_standin "$SCEN/port0.json" || exit 1
U=http://$(addr ums)
jqb() { printf '%s' "$BODY" | jq -r "$1"; }

http GET "$U/health"
expect_eq "health: 200" "$CODE" 200
expect_eq "health: service" "$(jqb .service)" ums
expect_eq "health: newest version" "$(jqb .version)" 1.2
expect_eq "health: JSON content type" "$(header Content-Type)" application/json

# Handshake: negotiation, 426 with both lists, 422 for bad input.
http POST "$U/v1/handshake" --data '{"client":"financial-engine","versions":["1.0","1.1","1.2","1.3"]}'
expect_eq "handshake: 200" "$CODE" 200
expect_eq "handshake: highest common version" "$(jqb .version)" 1.2
expect_eq "handshake: server" "$(jqb .server)" ums
expect_match "handshake: session" "$(jqb .session)" '^s-[0-9a-f]{16}$'
http POST "$U/v1/handshake" --data '{"client":"financial-engine","versions":["2.0"]}'
expect_eq "handshake mismatch: 426" "$CODE" 426
expect_eq "handshake mismatch: error" "$(jqb .error)" version_mismatch
expect_eq "handshake mismatch: client versions" "$(jqb '.client_versions|join(",")')" 2.0
expect_eq "handshake mismatch: server versions" "$(jqb '.server_versions|join(",")')" 1.1,1.2
http POST "$U/v1/handshake" --data '{"client":"financial-engine"}'
expect_eq "handshake without versions: 422" "$CODE" 422
expect_eq "handshake 422 names the field" "$(jqb .field)" /versions
http POST "$U/v1/handshake" --data '{"client":'
expect_eq "handshake with broken JSON: 400" "$CODE" 400
expect_eq "400 error code" "$(jqb .error)" bad_json

# X-Protocol-Version on /v1 requests.
http GET "$U/v1/users/u1001" -H 'X-Protocol-Version: 1.1'
expect_eq "supported X-Protocol-Version: 200" "$CODE" 200
http GET "$U/v1/users/u1001" -H 'X-Protocol-Version: 3.0'
expect_eq "unsupported X-Protocol-Version: 426" "$CODE" 426
expect_eq "426 lists the client's version" "$(jqb '.client_versions|join(",")')" 3.0
expect_eq "426 lists the server's versions" "$(jqb '.server_versions|join(",")')" 1.1,1.2

# Users.
http GET "$U/v1/users/u1001"
expect_eq "get user: 200" "$CODE" 200
expect_eq "get user: id" "$(jqb .id)" u1001
expect_match "get user: profile" "$(jqb .profile.display_name)" '.+'
http GET "$U/v1/users/u9999"
expect_eq "unknown user: 404" "$CODE" 404
expect_eq "unknown user: error" "$(jqb .error)" not_found
email=$(curl -s "$U/v1/users/u1001" | jq -r .email)
upper=$(printf '%s' "$email" | tr '[:lower:]' '[:upper:]')
http GET "$U/v1/users?email=$upper"
expect_eq "find by email (any case): one user" "$(jqb '.users|length') $(jqb '.users[0].id')" "1 u1001"
http GET "$U/v1/users?email=nobody%40example.com"
expect_eq "find by unknown email: empty list" "$CODE $(jqb '.users|length')" "200 0"
http GET "$U/v1/users"
n_before=$(jqb '.users|length')
expect_match "list users: fixture data" "$n_before" '^[1-9][0-9]*$'

http POST "$U/v1/users" --data '{"email":"new.person@example.com","name":"New Person","profile":{"display_name":"Newbie","locale":"fr-FR","timezone":"Europe/Paris"}}'
expect_eq "create user: 201" "$CODE" 201
id=$(jqb .id)
expect_eq "create user: Location" "$(header Location)" "/v1/users/$id"
http GET "$U/v1/users/$id"
expect_eq "created user is stored" "$(jqb .email)" new.person@example.com
http POST "$U/v1/users" --data '{"email":"NEW.PERSON@example.com","name":"Again"}'
expect_eq "duplicate email: 409" "$CODE" 409
expect_eq "409 error code" "$(jqb .error)" conflict
http POST "$U/v1/users" --data '{"email":"not-an-address","name":"X"}'
expect_eq "bad email: 422" "$CODE $(jqb .field)" "422 /email"
http POST "$U/v1/users" --data '{"email":"x@example.com"}'
expect_eq "missing name: 422" "$CODE $(jqb .field)" "422 /name"
http POST "$U/v1/users" --data '{"email":"y@example.com","name":"Y","shoe_size":44}'
expect_eq "unknown field: 422 naming it" "$CODE $(jqb .field)" "422 /shoe_size"
http POST "$U/v1/users" --data '[1,2]'
expect_eq "body not an object: 422" "$CODE $(jqb .field)" "422 /"
http POST "$U/v1/users" --data '{"email":'
expect_eq "malformed JSON: 400" "$CODE" 400

http PATCH "$U/v1/users/$id" --data '{"name":"Renamed Person","status":"suspended"}'
expect_eq "patch user: 200" "$CODE" 200
expect_eq "patch user: applied" "$(jqb .name) $(jqb .status)" "Renamed Person suspended"
http GET "$U/v1/users/$id"
expect_eq "patch is stored" "$(jqb .name)" "Renamed Person"
http PATCH "$U/v1/users/$id" --data '{"status":"sleepy"}'
expect_eq "patch bad status: 422" "$CODE $(jqb .field)" "422 /status"
http PATCH "$U/v1/users/u9999" --data '{"name":"Ghost"}'
expect_eq "patch unknown user: 404" "$CODE" 404
http PUT "$U/v1/users/$id" --data '{}'
expect_eq "PUT on a user: 405" "$CODE" 405
expect_match "405 Allow header" "$(header Allow)" PATCH
http GET "$U/v1/users"
expect_eq "list grows by one" "$(jqb '.users|length')" "$((n_before + 1))"

# Stubs override and add routes.
stop_standin
start_standin "$SCEN/stubs.json" || exit 1
U=http://$(addr ums)
F=http://$(addr fin)
http GET "$U/v1/users/u1001"
expect_eq "stub overrides a route: status" "$CODE" 503
expect_eq "stub: header" "$(header Retry-After)" 7
expect_eq "stub: body" "$(jqb .message)" maintenance
http GET "$U/v1/users/u1002"
expect_eq "stub leaves other ids alone" "$CODE" 200
http GET "$F/v1/fx/EURUSD"
expect_eq "stub adds a route with a pattern" "$CODE $(jqb .rate)" "200 1.08"
http GET "$U/v1/fx/EURUSD"
expect_eq "a service's stub stays on that service" "$CODE" 404
http GET "$F/robots.txt"
expect_eq "stub without service applies to all" "$CODE" 200
expect_eq "stub: own Content-Type" "$(header Content-Type)" text/plain
expect_match "stub: text body" "$BODY" '^User-agent'
stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0

done_testing
