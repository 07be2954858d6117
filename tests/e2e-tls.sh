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

# Non-TLS faults work unchanged over TLS (stream latency is on every
# answer of this service: 200ms, plus the http delay where it applies).
F2=$(addr faulty)
curl -s -o /dev/null --max-time 5 --cacert "$TMP/ca.pem" "https://$F2/empty"
expect_eq "http empty over TLS: curl 52" "$?" 52
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 --cacert "$TMP/ca.pem" "https://$F2/slow")
expect_eq "http delay over TLS: answered" "${t% *}" 404
if awk -v t="${t#* }" 'BEGIN { exit !(t >= 0.49 && t < 5) }'; then ok "http delay + stream latency over TLS: ~500ms"
else not_ok "http delay + stream latency over TLS: ~500ms" "took ${t#* }"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$TMP/ca.pem" \
	-X POST "https://$F2/v1/handshake" --data '{"client":"ums","versions":["1.2"]}')
expect_eq "handshake version_mismatch over TLS: 426" "$code" 426

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0

# A certificate and key from files instead of "auto".
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 -subj /CN=localhost \
	-addext subjectAltName=IP:127.0.0.1 2>/dev/null
jq -n --arg c "$TMP/cert.pem" --arg k "$TMP/key.pem" '{standin: 1, services: {fin:
	{persona: "financial-engine", listen: "127.0.0.1:0", tls: {cert: {cert: $c, key: $k}}}}}' \
	>"$TMP/files.json"
cp "$TMP/journal.jsonl" "$TMP/journal1.jsonl"
start_standin "$TMP/files.json" || exit 1
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$TMP/cert.pem" "https://$(addr fin)/health")
expect_eq "certificate from files: trusted by its own file" "$code" 200
stop_standin
expect_match "journal: tls events with the version and cipher" \
	"$(jq -c 'select(.event=="tls" and .service=="fin") | [.version, .alpn]' "$TMP/journal1.jsonl" | sort -u | tr '\n' ' ')" \
	'\["TLSv1.3",("http/1.1"|null)\]'
expect_match "journal: a failed handshake names OpenSSL's reason" \
	"$(jq -r 'select(.event=="close" and .service=="fin") | .reason' "$TMP/journal1.jsonl" | sort -u | tr '\n' '|')" \
	'TLS: (unsupported protocol|no application protocol)'
done_testing
