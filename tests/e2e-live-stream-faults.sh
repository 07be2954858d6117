#!/usr/bin/env bash
# e2e-live-stream-faults.sh: the stream faults Toxiproxy's toxics become
# (timeout, reset_peer), and live stream faults: on a service with
# "live_stream_faults", faults added and removed through the control API
# act on connections already open, as toxics do. Real sockets (Python)
# through personas and a proxy in front of tests/upstream.py's echo.
. "$top_srcdir/tests/lib.sh"

start_upstreams
echo_addr=$(jq -r .echo "$UP")

# The personas of stream-toxics.json, and beside them: proxies to the
# echo upstream with and without live stream faults, and a TLS persona
# with them.
jq --arg e "$echo_addr" '.services += {
	live: { upstream: $e, listen: "127.0.0.1:0", live_stream_faults: true },
	fixed: { upstream: $e, listen: "127.0.0.1:0" },
	live_tls: { persona: "ums", listen: "127.0.0.1:0", tls: {},
	  live_stream_faults: true } }' \
	"$SCEN/faults/stream-toxics.json" >"$TMP/scenario.json"
start_standin "$TMP/scenario.json" --ca-out "$TMP/ca.pem" || exit 1

# The client: each step prints "NAME OUTCOME SECONDS BYTES", OUTCOME one
# of ok (all expected bytes), eof, reset, open (nothing more came in the
# wait, the connection still open).
cat >"$TMP/client.py" <<'EOF'
import json, socket, ssl, sys, time, urllib.request

ready = json.load(open(sys.argv[1]))
ca = sys.argv[2]
ctl = "http://" + ready["control"]


def addr(name):
    host, port = ready["services"][name].rsplit(":", 1)
    return host, int(port)


def api(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(ctl + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as f:
        text = f.read()
    return json.loads(text) if text else None


def add(fault):
    return api("POST", "/faults", fault)["faults"][0]["id"]


def report(name, outcome, t0, got):
    print(name, outcome, "%.3f" % (time.time() - t0), len(got), flush=True)


def read(s, name, want, wait, t0=None):
    """Read until want bytes, EOF, a reset, or wait seconds of silence."""
    t0 = t0 or time.time()
    got = b""
    s.settimeout(wait)
    try:
        while len(got) < want:
            data = s.recv(65536)
            if not data:
                return report(name, "eof", t0, got)
            got += data
    except socket.timeout:
        return report(name, "open", t0, got)
    except ConnectionResetError:
        return report(name, "reset", t0, got)
    report(name, "ok", t0, got)


def trip(s, name, msg, want=None, wait=5):
    t0 = time.time()
    s.sendall(msg)
    read(s, name, len(msg) if want is None else want, wait, t0)


def http_trip(s, name, wait=5):
    """A keep-alive GET /health and its whole answer (Content-Length)."""
    t0 = time.time()
    s.sendall(get)
    s.settimeout(wait)
    got = b""
    try:
        while b"\r\n\r\n" not in got or len(got) < want_len(got):
            data = s.recv(65536)
            if not data:
                return report(name, "eof", t0, got)
            got += data
    except socket.timeout:
        return report(name, "open", t0, got)
    report(name, "ok", t0, got)


def want_len(got):
    head, _, _ = got.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(head) + 4 + int(line.split(b":")[1])
    return len(head) + 4


def connect(name):
    return socket.create_connection(addr(name), timeout=5)


get = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
get_close = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

# timeout and reset_peer on personas.
trip(connect("timeout"), "timeout", get, 1)
trip(connect("hold"), "hold", get, 1, 1.5)
trip(connect("hold"), "hold_eof", get_close, 1)
s = connect("hold_up")
trip(s, "hold_up", get, 1, 1.5)
t0 = time.time()
s.shutdown(socket.SHUT_WR)
read(s, "hold_up_fin", 1, 5, t0)
trip(connect("reset"), "reset_peer", get, 1)

# Live: a latency fault comes and goes on one open connection.
s = connect("live")
trip(s, "live_before", b"ping\n")
fid = add({"service": "live", "layer": "stream", "type": "latency",
           "latency": "1s", "direction": "downstream"})
trip(s, "live_latency", b"ping\n")
api("DELETE", "/faults/" + fid)
trip(s, "live_after", b"ping\n")
# A timeout drops the bytes; removing it closes the connection.
fid = add({"service": "live", "layer": "stream", "type": "timeout",
           "direction": "upstream"})
trip(s, "live_timeout", b"ping\n", 5, 1)
t0 = time.time()
api("DELETE", "/faults/" + fid)
read(s, "live_timeout_gone", 1, 5, t0)

# limit_data added to an open connection counts from there, and its count
# survives the faults changing again.
s = connect("live")
trip(s, "live_limit_before", b"0123456789")
fid = add({"service": "live", "layer": "stream", "type": "limit_data",
           "bytes": 10, "direction": "downstream"})
trip(s, "live_limit_first", b"abcdef")
other = add({"service": "live", "layer": "stream", "type": "latency",
             "latency": "1ms", "direction": "upstream"})
trip(s, "live_limit_rest", b"ghijklmn")
api("DELETE", "/faults/" + other)
api("DELETE", "/faults/" + fid)

# Without live stream faults an open connection keeps what it had; a new
# one gets the fault.
s = connect("fixed")
trip(s, "fixed_before", b"ping\n")
fid = add({"service": "fixed", "layer": "stream", "type": "latency",
           "latency": "1s", "direction": "downstream"})
trip(s, "fixed_open", b"ping\n")
trip(connect("fixed"), "fixed_new", b"ping\n")
api("DELETE", "/faults/" + fid)

# TLS: the same on an HTTP persona's keep-alive connection.
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
s = ctx.wrap_socket(connect("live_tls"))
http_trip(s, "tls_before")
fid = add({"service": "live_tls", "layer": "stream", "type": "latency",
           "latency": "1s", "direction": "downstream"})
http_trip(s, "tls_latency")
api("DELETE", "/faults/" + fid)
EOF
python3 "$TMP/client.py" "$READY" "$TMP/ca.pem" >"$TMP/steps" 2>"$TMP/client.err"
expect_eq "the client ran to its end" "$?" 0
sed 's/^/#   /' "$TMP/client.err"

# step NAME: sets OUTCOME SECS BYTES from the client's line for it.
step() {
	read -r _ OUTCOME SECS BYTES < <(grep "^$1 " "$TMP/steps")
	: "${OUTCOME:=missing}" "${SECS:=0}" "${BYTES:=0}"
}
# within DESCRIPTION LO HI: SECS is in [LO, HI).
within() {
	if awk -v t="$SECS" -v lo="$2" -v hi="$3" 'BEGIN { exit !(t >= lo && t < hi) }'; then
		ok "$1"
	else
		not_ok "$1" "took ${SECS}s, expected $2..$3"
	fi
}

step timeout
expect_eq "timeout 800ms: no bytes, then EOF" "$OUTCOME $BYTES" "eof 0"
within "... 800ms after the connection began" 0.7 5
step hold
expect_eq "timeout 0s: no bytes, the connection held open" "$OUTCOME $BYTES" "open 0"
step hold_eof
expect_eq "timeout 0s downstream, the server closes: EOF at once, no bytes" "$OUTCOME $BYTES" "eof 0"
within "... quickly" 0 1
step hold_up
expect_eq "timeout 0s upstream: the request never arrives, held open" "$OUTCOME $BYTES" "open 0"
step hold_up_fin
expect_eq "timeout 0s upstream: the client's FIN closes it" "$OUTCOME $BYTES" "eof 0"
within "... at once" 0 1
step reset_peer
expect_eq "reset_peer 500ms: ECONNRESET, no bytes" "$OUTCOME $BYTES" "reset 0"
within "... 500ms after the answer's first bytes" 0.45 5

step live_before
expect_eq "live: an echo through the proxy" "$OUTCOME $BYTES" "ok 5"
within "... fast" 0 0.5
step live_latency
expect_eq "live: latency added, the same connection still echoes" "$OUTCOME $BYTES" "ok 5"
within "... 1s late" 0.95 6
step live_after
expect_eq "live: latency removed, the same connection echoes" "$OUTCOME $BYTES" "ok 5"
within "... fast again" 0 0.5
step live_timeout
expect_eq "live: a timeout added drops the bytes, holds the connection" "$OUTCOME $BYTES" "open 0"
step live_timeout_gone
expect_eq "live: the timeout removed closes the open connection" "$OUTCOME $BYTES" "eof 0"
within "... at once" 0 1

step live_limit_before
expect_eq "live: 10 bytes echoed before limit_data" "$OUTCOME $BYTES" "ok 10"
step live_limit_first
expect_eq "live: limit_data 10 added: 6 bytes pass" "$OUTCOME $BYTES" "ok 6"
step live_limit_rest
expect_eq "live: after another change, limit_data lets only its last 4 pass, then EOF" "$OUTCOME $BYTES" "eof 4"

step fixed_before
expect_eq "not live: an echo" "$OUTCOME $BYTES" "ok 5"
step fixed_open
expect_eq "not live: a fault added leaves the open connection alone" "$OUTCOME $BYTES" "ok 5"
within "... fast" 0 0.5
step fixed_new
expect_eq "not live: a new connection gets it" "$OUTCOME $BYTES" "ok 5"
within "... 1s late" 0.95 6

step tls_before
expect_eq "live over TLS: answered" "$OUTCOME" "ok"
within "... fast" 0 0.5
step tls_latency
expect_eq "live over TLS: latency added, the same connection answers" "$OUTCOME" "ok"
within "... 1s late" 0.95 6

stop_standin
expect_eq "SIGTERM: exit 0" "$STATUS" 0
done_testing
