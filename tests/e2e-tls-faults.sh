#!/usr/bin/env bash
# e2e-tls-faults.sh: every tls fault, as curl and openssl s_client report
# it: OpenSSL's own alerts, the verify errors, the handshake's timing.
. "$top_srcdir/tests/lib.sh"

start_standin "$SCEN/faults/tls.json" --ca-out "$TMP/ca.pem" --journal "$TMP/journal.jsonl" || exit 1
CA=$TMP/ca.pem
# curl_rc SERVICE [CURL-ARGS]: curl's exit code against the service.
curl_rc() {
	local svc=$1
	shift
	curl -s -o /dev/null --max-time 5 --cacert "$CA" "$@" "https://$(addr "$svc")/health"
	echo $?
}
# sclient SERVICE [ARGS]: what openssl s_client says.
sclient() {
	local svc=$1
	shift
	timeout 5 openssl s_client -connect "$(addr "$svc")" -CAfile "$CA" "$@" </dev/null 2>&1
}

expect_eq "healthy TLS service: curl 0" "$(curl_rc healthy)" 0

expect_eq "version_mismatch (only 1.3): a TLS 1.2 client, curl 35" "$(curl_rc window --tls-max 1.2)" 35
expect_match "version_mismatch: protocol version alert" "$(sclient window -tls1_2)" 'alert protocol version'
expect_eq "version_mismatch: a TLS 1.3 client still connects" "$(curl_rc window --tlsv1.3)" 0

t=$(curl -s -o /dev/null -w '%{time_appconnect}' --max-time 5 --cacert "$CA" "https://$(addr slow)/health")
if awk -v t="$t" 'BEGIN { exit !(t >= 0.39 && t < 4) }'; then ok "slow_handshake: the handshake took 400ms more"
else not_ok "slow_handshake: the handshake took 400ms more" "took $t"; fi

expect_eq "stall: curl 28 (the ClientHello is never answered)" "$(curl_rc stall --max-time 1)" 28

expect_eq "alert: curl 35" "$(curl_rc alert)" 35
expect_match "alert: the named alert, from OpenSSL" "$(sclient alert)" 'alert access denied'

for kind in expired not_yet_valid wrong_host self_signed untrusted_ca; do
	expect_eq "cert $kind: curl 60" "$(curl_rc "$kind")" 60
done
expect_match "cert expired: verify error 10" "$(sclient expired)" 'verify error:num=10'
expect_match "cert not_yet_valid: verify error 9" "$(sclient not_yet_valid)" 'verify error:num=9'
expect_match "cert wrong_host: verify error 62" \
	"$(sclient wrong_host -verify_hostname localhost)" 'verify error:num=62'
expect_match "cert self_signed: verify error 18" "$(sclient self_signed)" 'verify error:num=18'
expect_match "cert untrusted_ca: verify error 19" "$(sclient untrusted_ca)" 'verify error:num=19'
expect_eq "cert expired: accepted with --insecure" "$(curl_rc expired --insecure)" 0

expect_eq "cipher_mismatch: curl 35" "$(curl_rc ciphers)" 35
expect_match "cipher_mismatch: handshake failure alert" "$(sclient ciphers)" 'alert handshake failure'

expect_eq "alpn_mismatch: curl 35" "$(curl_rc alpn)" 35
expect_match "alpn_mismatch: no_application_protocol alert" "$(sclient alpn -alpn http/1.1)" \
	'no application protocol'
out=$(sclient alpn)
expect_match "alpn_mismatch: a client without ALPN connects" "$out" 'Verify return code: 0 \(ok\)'
if printf '%s' "$out" | grep -q 'alert'; then not_ok "alpn_mismatch: and meets no alert"
else ok "alpn_mismatch: and meets no alert"; fi

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
n=$(jq -r 'select(.event=="fault" and .layer=="tls") | .type' "$TMP/journal.jsonl" | sort -u | tr '\n' ' ')
expect_eq "journal: every tls fault type injected" "$n" \
	"alert alpn_mismatch cert cipher_mismatch slow_handshake stall version_mismatch "
expect_eq "journal: the alert fault's close names the alert" \
	"$(jq -r 'select(.event=="close" and .service=="alert") | .reason' "$TMP/journal.jsonl" | sort -u)" \
	"TLS: alert access_denied sent by the tls alert fault"
expect_match "journal: a cipher mismatch in OpenSSL's words" \
	"$(jq -r 'select(.event=="close" and .service=="ciphers") | .reason' "$TMP/journal.jsonl" | sort -u)" \
	'^TLS: no shared cipher'
done_testing
