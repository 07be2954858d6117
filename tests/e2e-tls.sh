#!/usr/bin/env bash
# e2e-tls.sh: TLS on a service with certificates made at start: curl with
# the CA from --ca-out, the protocol window as curl and openssl s_client
# see it (old versions really offered, a window the client does not share
# fails with OpenSSL's own alert), ALPN, and the journal's tls events.
. "$top_srcdir/tests/lib.sh"

start_standin "$SCEN/tls.json" --ca-out "$TMP/ca.pem" --journal "$TMP/journal.jsonl" || exit 1
UMS=$(addr ums)
FIN=$(addr fin)
expect_match "--ca-out writes the CA" "$(head -n 1 "$TMP/ca.pem")" 'BEGIN CERTIFICATE'

code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$TMP/ca.pem" "https://$FIN/health")
expect_eq "https with --cacert: 200" "$code" 200
curl -s -o /dev/null --max-time 5 "https://$FIN/health"
expect_eq "without the CA: curl 60 (certificate not trusted)" "$?" 60
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$TMP/ca.pem" \
	--resolve "ums.test:${UMS##*:}:127.0.0.1" "https://ums.test:${UMS##*:}/health")
expect_eq "the certificate carries the names asked for" "$code" 200
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$TMP/ca.pem" \
	--resolve "localhost:${FIN##*:}:127.0.0.1" "https://localhost:${FIN##*:}/v1/ledger")
expect_eq "localhost is in every automatic certificate" "$code" 200

# The window: the financial engine speaks only TLS 1.3.
curl -s -o /dev/null --max-time 5 --cacert "$TMP/ca.pem" --tls-max 1.2 "https://$FIN/health"
expect_eq "TLS 1.2 client against a 1.3-only server: curl 35" "$?" 35
out=$(openssl s_client -connect "$FIN" -tls1_2 </dev/null 2>&1)
expect_match "openssl s_client sees the protocol version alert" "$out" 'alert protocol version'
out=$(openssl s_client -connect "$FIN" -tls1_3 -CAfile "$TMP/ca.pem" -alpn http/1.1 </dev/null 2>&1)
expect_match "TLS 1.3 negotiated" "$out" 'TLSv1\.3'
expect_match "ALPN http/1.1 selected" "$out" 'ALPN protocol: http/1.1'
expect_match "the chain verifies against the CA" "$out" 'Verify return code: 0 \(ok\)'
out=$(openssl s_client -connect "$FIN" -tls1_3 -alpn h2 </dev/null 2>&1)
expect_match "ALPN without a common protocol: no_application_protocol alert" "$out" \
	'no application protocol'

# UMS goes down to TLS 1.0, which OpenSSL 3 only offers at security level 0.
out=$(openssl s_client -connect "$UMS" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' \
	-CAfile "$TMP/ca.pem" </dev/null 2>&1)
expect_match "TLS 1.0 really offered" "$out" 'Protocol *: TLSv1$'
out=$(openssl s_client -connect "$UMS" -tls1_3 </dev/null 2>&1)
expect_match "TLS 1.3 client against a 1.0-1.2 server: protocol version alert" "$out" \
	'alert protocol version'

# HTTP over TLS: keep-alive and a POST body.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$TMP/ca.pem" \
	-X POST "https://$FIN/v1/handshake" --data '{"client":"ums","versions":["1.2"]}')
expect_eq "the hello over TLS" "$code" 200
n=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' --cacert "$TMP/ca.pem" \
	"https://$FIN/health" "https://$FIN/v1/ledger")
expect_eq "keep-alive over TLS" "$n" "1 0 "

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
expect_match "journal: tls events with the version and cipher" \
	"$(jq -c 'select(.event=="tls" and .service=="fin") | [.version, .alpn]' "$TMP/journal.jsonl" | sort -u | tr '\n' ' ')" \
	'\["TLSv1.3",("http/1.1"|null)\]'
expect_match "journal: a failed handshake names OpenSSL's reason" \
	"$(jq -r 'select(.event=="close" and .service=="fin") | .reason' "$TMP/journal.jsonl" | sort -u | tr '\n' '|')" \
	'TLS: (unsupported protocol|no application protocol)'
done_testing
