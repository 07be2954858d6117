#!/usr/bin/env bash
# e2e-http.sh: HTTP/1.1 done properly, seen by curl and raw sockets:
# keep-alive, pipelining, request bodies, limits, errors, isolation.
. "$top_srcdir/tests/lib.sh"

start_standin "$SCEN/port0.json" || exit 1
UMS=$(addr ums)
FIN=$(addr fin)

# Keep-alive: curl reuses one connection for two requests.
n=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' \
	"http://$UMS/health" "http://$UMS/v1/users/u1001")
expect_eq "keep-alive: second request reuses the connection" "$n" "1 0 "

http GET "http://$UMS/health" -H 'Connection: close'
expect_eq "Connection: close is honoured" "$(header Connection)" "close"
# The headers every answer carries, in their standard forms.
expect_match "Date is an HTTP date (RFC 9110 IMF-fixdate)" "$(header Date)" \
	'^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
expect_match "Server names standin" "$(header Server)" '^standin/[0-9]'
expect_eq "Content-Length is the body's" "$(header Content-Length)" "$(wc -c <"$TMP/body" | tr -d ' ')"

# Pipelining: three requests in one write, answered in order.
out=$(printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/users/nobody HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/users/u1001 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	raw "$UMS" | tr -d '\r' | grep '^HTTP/1.1' | tr '\n' ' ')
expect_eq "pipelined requests are answered in order" "$out" \
	"HTTP/1.1 200 OK HTTP/1.1 404 Not Found HTTP/1.1 200 OK "

# Request bodies: Content-Length and chunked.
http POST "http://$UMS/v1/users" -H 'Content-Type: application/json' \
	--data '{"email":"cl@example.com","name":"Content Length"}'
expect_eq "Content-Length body accepted" "$CODE" 201
http POST "http://$UMS/v1/users" -H 'Transfer-Encoding: chunked' \
	-H 'Content-Type: application/json' \
	--data '{"email":"chunked@example.com","name":"Chunked Body"}'
expect_eq "chunked body accepted" "$CODE" 201
expect_eq "chunked body decoded" "$(printf '%s' "$BODY" | jq -r .email)" \
	"chunked@example.com"

# Expect: 100-continue is answered, so curl does not wait its 1s.
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 \
	-H 'Expect: 100-continue' -H 'Content-Type: application/json' \
	--data '{"email":"expect@example.com","name":"Expect"}' "http://$UMS/v1/users")
expect_eq "Expect: 100-continue then 201" "${t% *}" 201
expect_match "no 1s wait for 100 Continue" "${t#* }" '^0\.[0-8]'

# Limits: 431 for huge headers, 413 for a huge body.
big=$(head -c 20000 /dev/zero | tr '\0' 'a')
http GET "http://$UMS/health" -H "X-Big: $big"
expect_eq "oversized headers: 431" "$CODE" 431
expect_eq "431 has a JSON error" "$(printf '%s' "$BODY" | jq -r .error)" \
	"headers_too_large"
head -c 1100000 /dev/zero | tr '\0' 'x' >"$TMP/big"
http POST "http://$FIN/v1/donations" --data-binary "@$TMP/big"
expect_eq "oversized body (Content-Length): 413" "$CODE" 413
http POST "http://$FIN/v1/donations" -H 'Transfer-Encoding: chunked' \
	--data-binary "@$TMP/big"
expect_eq "oversized body (chunked): 413" "$CODE" 413

# Garbage gets 400 and the connection is closed.
out=$(printf 'THIS IS NOT HTTP\r\n\r\n' | raw "$UMS" | tr -d '\r')
expect_match "garbage: 400" "$(printf '%s' "$out" | head -n 1)" '^HTTP/1.1 400 '
expect_match "garbage: JSON error body" "$out" '"error":"bad_request"'
out=$(printf 'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n' |
	raw "$UMS" | head -n 1 | tr -d '\r')
expect_match "bad Content-Length: 400" "$out" '^HTTP/1.1 400 '

# 404 and 405 with JSON bodies.
http GET "http://$UMS/no/such/route"
expect_eq "unknown route: 404" "$CODE" 404
expect_eq "404 body" "$(printf '%s' "$BODY" | jq -r .error)" "not_found"
http DELETE "http://$UMS/health"
expect_eq "wrong method: 405" "$CODE" 405
expect_eq "405 body" "$(printf '%s' "$BODY" | jq -r .error)" "method_not_allowed"
expect_match "405 names the allowed methods" "$(header Allow)" GET

# HEAD: headers, Content-Length, no body.
out=$(printf 'HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	raw "$UMS" | tr -d '\r')
expect_match "HEAD: 200" "$(printf '%s' "$out" | head -n 1)" '^HTTP/1.1 200 '
expect_match "HEAD: Content-Length of the GET body" "$out" 'Content-Length: [1-9]'
expect_eq "HEAD: no body" "$(printf '%s' "$out" | sed '1,/^$/d')" ""

# HTTP/1.0: answered, then closed.
out=$(printf 'GET /health HTTP/1.0\r\n\r\n' | raw "$UMS" | tr -d '\r')
expect_match "HTTP/1.0 request answered" "$out" '"status":"ok"'
expect_match "HTTP/1.0 without keep-alive closes" "$out" 'Connection: close'

# Misbehaving clients do not affect the others: one holds a half-sent
# request, one sent garbage; a normal client is still served at once.
exec 4<>"/dev/tcp/${UMS%:*}/${UMS##*:}"
printf 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' >&4
exec 5<>"/dev/tcp/${UMS%:*}/${UMS##*:}"
printf '\001\002\003garbage\r\n\r\n' >&5
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 "http://$UMS/health")
expect_eq "others served while a client stalls" "${t% *}" 200
expect_match "and without delay" "${t#* }" '^0\.[0-4]'
exec 4<&- 5<&-

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
done_testing
