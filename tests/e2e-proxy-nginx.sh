#!/usr/bin/env bash
# e2e-proxy-nginx.sh: standin in front of nginx (Debian's), a real HTTP
# server, plain and over TLS: as a proxy of bytes, as an HTTP-aware proxy
# whose http faults act on nginx's answers, and originating TLS to it.
. "$top_srcdir/tests/lib.sh"

command -v nginx >/dev/null || { echo "nginx is not installed (setup.sh installs it)"; exit 1; }
NPID=
trap '[ -n "$NPID" ] && kill $NPID 2>/dev/null; cleanup' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

chmod 755 "$TMP" # nginx's worker may run as another user
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/nginx.key" \
	-out "$TMP/nginx.pem" -days 2 -subj /CN=nginx.test \
	-addext subjectAltName=DNS:nginx.test >/dev/null 2>&1
chmod 644 "$TMP/nginx.key"
head -c 10000000 /dev/urandom >"$TMP/big"
chmod 644 "$TMP/big"
plain=$(free_port) tls=$(free_port)
cat >"$TMP/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx.err;
events { worker_connections 256; }
http {
	access_log $TMP/access.log;
	client_body_temp_path $TMP;
	proxy_temp_path $TMP;
	fastcgi_temp_path $TMP;
	uwsgi_temp_path $TMP;
	scgi_temp_path $TMP;
	server {
		listen 127.0.0.1:$plain;
		listen 127.0.0.1:$tls ssl;
		ssl_certificate $TMP/nginx.pem;
		ssl_certificate_key $TMP/nginx.key;
		root $TMP;
		location = /big { }
		location / { default_type application/json; return 200 '{"server":"nginx","host":"\$host","uri":"\$request_uri","user":"u1"}\n'; }
	}
}
CONF
nginx -c "$TMP/nginx.conf" -p "$TMP" &
NPID=$!
for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$plain/" && break; sleep 0.025; done

jq -n --arg plain "127.0.0.1:$plain" --arg tls "localhost:$tls" --arg ca "$TMP/nginx.pem" '
	def proxy($u): { upstream: $u, listen: "127.0.0.1:0" };
	{ standin: 1, name: "nginx",
	  services: {
	    tcp: proxy($plain),
	    http: (proxy($plain) + { protocol: "http" }),
	    tls: (proxy($tls) + { protocol: "http",
	      upstream_tls: { ca: $ca, server_name: "nginx.test" } }),
	    tls_wrong: (proxy($tls) + { upstream_tls: { ca: $ca }, upstream_down: "close" })
	  },
	  faults: [
	    { service: "http", layer: "http", type: "status", status: 503, match: { path: "/down" } },
	    { service: "http", layer: "http", type: "schema_drift", drop: ["user"],
	      match: { path: "/drift" } },
	    { service: "tls", layer: "http", type: "delay", delay: "200ms", at: "response",
	      match: { path: "/late" } }
	  ] }' >"$TMP/proxy.json"
start_standin "$TMP/proxy.json" || exit 1

http GET "http://$(addr tcp)/hello?x=1"
expect_eq "nginx through a proxy of bytes" "$CODE $(printf '%s' "$BODY" | jq -r '.server + " " + .uri')" "200 nginx /hello?x=1"
http GET "http://$(addr http)/hello" -H 'Host: api.example'
expect_eq "nginx through an http proxy: Host passed through" "$CODE $(printf '%s' "$BODY" | jq -r .host)" "200 api.example"
expect_eq "... with nginx's own Server header" "$(header Server | cut -d/ -f1)" "nginx"
http GET "http://$(addr http)/down"
expect_eq "a status fault at request: 503, and nginx never saw it" \
	"$CODE $(grep -c ' /down ' "$TMP/access.log")" "503 0"
http GET "http://$(addr http)/drift"
expect_eq "schema_drift on nginx's JSON: it saw the request" \
	"$CODE $(printf '%s' "$BODY" | jq -c '[has("user"), .server]') $(grep -c ' /drift ' "$TMP/access.log")" '200 [false,"nginx"] 1'
for s in tcp http; do
	sum=$(curl -s --max-time 20 "http://$(addr $s)/big" | sha256sum | cut -d' ' -f1)
	expect_eq "10 MB from nginx through the $s proxy, byte for byte" "$sum" "$(sha256sum <"$TMP/big" | cut -d' ' -f1)"
done
len=$(curl -sI --max-time 5 "http://$(addr http)/big" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" { print $2 }')
expect_eq "HEAD through the http proxy: nginx's Content-Length" "$len" 10000000
http GET "http://$(addr tls)/hello"
expect_eq "nginx over TLS (upstream_tls, its CA, SNI nginx.test)" "$CODE $(printf '%s' "$BODY" | jq -r .server)" "200 nginx"
t=$(curl -s -o /dev/null -w '%{time_total}' "http://$(addr tls)/late")
if awk -v t="$t" 'BEGIN { exit !(t >= 0.19 && t < 5) }'; then ok "a delay at response on nginx over TLS: 200ms late"
else not_ok "a delay at response on nginx over TLS: 200ms late" "took $t"; fi
curl -s -o /dev/null --max-time 5 "http://$(addr tls_wrong)/hello"
expect_eq "nginx's certificate is for nginx.test, not localhost: closed" "$?" 52

stop_standin
expect_eq "stops cleanly" "$STATUS" 0
done_testing
