#!/usr/bin/env python3
"""data.py CONTROL-ADDR UPSTREAMS-FILE: bytes through proxies made with
standin's Toxiproxy-compatible API, with every toxic type seen on the wire
by a raw socket client, against the echo upstream of tests/upstream.py
(UPSTREAMS-FILE is its ready file).

Prints "ok - ..." / "not ok - ..." (with "#   " lines) and "# done";
tests/e2e-toxiproxy-data.sh counts them. Timings are bounded generously:
a check fails only when the toxic plainly did not act (or acted when it
must not).
"""
import errno
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

ctl = sys.argv[1]
echo = json.load(open(sys.argv[2]))["echo"]
failures = 0


def ok(desc):
    print("ok - " + desc, flush=True)


def not_ok(desc, *lines):
    global failures
    failures += 1
    print("not ok - " + desc, flush=True)
    for line in lines:
        print("#   " + str(line), flush=True)


def check(desc, cond, *lines):
    if cond:
        ok(desc)
    else:
        not_ok(desc, *lines)


def expect_eq(desc, got, want):
    if got == want:
        ok(desc)
    else:
        not_ok(desc, "got:      %r" % (got,), "expected: %r" % (want,))


def api(method, path, body=None):
    """A request to the control port: (status, parsed body or None)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request("http://" + ctl + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    except OSError as e:
        return None, str(e)
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


def proxy(name, upstream=echo, **extra):
    """Create a proxy on 127.0.0.1:0; its bound address, or None."""
    status, body = api("POST", "/proxies",
                       dict(name=name, upstream=upstream, listen="127.0.0.1:0", **extra))
    if status != 201 or not isinstance(body, dict):
        not_ok("create proxy %s" % name, "got %s %r" % (status, body))
        return None
    return body["listen"]


def toxic(proxy_name, **body):
    status, got = api("POST", "/proxies/%s/toxics" % proxy_name, body)
    if status != 200:
        not_ok("add %s toxic to %s" % (body.get("type"), proxy_name), "got %s %r" % (status, got))
    return got


def connect(addr, timeout=5):
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=timeout)


def read_all(s, limit=5.0, want=None):
    """Read until EOF, reset, `want` bytes, or `limit` seconds:
    (how, bytes, chunk sizes, seconds)."""
    t0 = time.monotonic()
    got, chunks = b"", []
    while True:
        left = limit - (time.monotonic() - t0)
        if left <= 0:
            return "timeout", got, chunks, time.monotonic() - t0
        s.settimeout(left)
        try:
            data = s.recv(65536)
        except ConnectionResetError:
            return "reset", got, chunks, time.monotonic() - t0
        except socket.timeout:
            return "timeout", got, chunks, time.monotonic() - t0
        if not data:
            return "eof", got, chunks, time.monotonic() - t0
        got += data
        chunks.append(len(data))
        if want is not None and len(got) >= want:
            return "enough", got, chunks, time.monotonic() - t0


def roundtrip(addr, payload=b"ping\n", limit=8.0):
    """Send payload (from a thread: it may be big) and read its echo back:
    (seconds, echoed intact)."""
    try:
        s = connect(addr)
    except OSError as e:
        return None, "connect: %s" % e
    t0 = time.monotonic()
    threading.Thread(target=lambda: _send(s, payload), daemon=True).start()
    how, got, _, _ = read_all(s, limit, want=len(payload))
    took = time.monotonic() - t0
    s.close()
    return took, got == payload or "%s after %d bytes" % (how, len(got))


def _send(s, payload):
    try:
        s.sendall(payload)
    except OSError:
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- plain forwarding -------------------------------------------------------
fwd = proxy("fwd")
if fwd:
    took, intact = roundtrip(fwd)
    check("a proxy made by the API forwards bytes both ways", intact is True, "echo: %r" % intact)
    check("... quickly (under 0.5 s)", took is not None and took < 0.5, "took %r" % took)
    s = connect(fwd)
    s.sendall(b"bye\n")
    s.shutdown(socket.SHUT_WR)
    how, got, _, _ = read_all(s, 5)
    expect_eq("the client's FIN passes on, the upstream's close comes back", (how, got), ("eof", b"bye\n"))
    s.close()
    big = bytes(range(256)) * 4096  # 1 MiB
    took, intact = roundtrip(fwd, big, 20)
    check("1 MiB through the proxy, intact", intact is True, "echo: %r" % intact)

# --- latency ---------------------------------------------------------------
lat = proxy("lat")
if lat:
    toxic("lat", type="latency", stream="downstream", attributes={"latency": 400, "jitter": 0})
    took, intact = roundtrip(lat)
    check("latency 400 ms downstream: the echo comes 0.35-3 s later",
          intact is True and took is not None and 0.35 <= took < 3, "took %r, %r" % (took, intact))
    toxic("lat", type="latency", stream="upstream", attributes={"latency": 400})
    took, intact = roundtrip(lat)
    check("latency on both streams adds up: 0.75-4 s",
          intact is True and took is not None and 0.75 <= took < 4, "took %r, %r" % (took, intact))

# --- bandwidth -------------------------------------------------------------
bw = proxy("bw")
if bw:
    toxic("bw", type="bandwidth", stream="downstream", attributes={"rate": 50})
    payload = b"b" * 100000
    took, intact = roundtrip(bw, payload, 20)
    check("bandwidth 50 KB/s: 100 KB takes 1.4-15 s, intact",
          intact is True and took is not None and 1.4 <= took < 15, "took %r, %r" % (took, intact))

# --- slicer ----------------------------------------------------------------
sl = proxy("sl")
if sl:
    toxic("sl", type="slicer", stream="downstream",
          attributes={"average_size": 10, "size_variation": 0, "delay": 20000})
    s = connect(sl)
    payload = bytes(range(65, 65 + 50)) * 4  # 200 bytes
    s.sendall(payload)
    how, got, chunks, _ = read_all(s, 8, want=len(payload))
    s.close()
    expect_eq("slicer: every byte arrives, in order", got, payload)
    check("slicer: 200 bytes arrive in many small pieces (at least 8, none over 100)",
          len(chunks) >= 8 and max(chunks or [0]) <= 100, "chunks %r" % chunks)

# --- limit_data -------------------------------------------------------------
ld = proxy("ld")
if ld:
    toxic("ld", type="limit_data", stream="downstream", attributes={"bytes": 1000})
    s = connect(ld)
    threading.Thread(target=_send, args=(s, b"x" * 5000), daemon=True).start()
    how, got, _, took = read_all(s, 5)
    s.close()
    check("limit_data 1000: exactly 1000 bytes, then the connection ends",
          len(got) == 1000 and how in ("eof", "reset"), "%s after %d bytes" % (how, len(got)))

# --- timeout ---------------------------------------------------------------
to = proxy("to")
if to:
    toxic("to", type="timeout", stream="upstream", attributes={"timeout": 1000})
    s = connect(to)
    t0 = time.monotonic()
    s.sendall(b"ping\n")
    how, got, _, took = read_all(s, 6)
    s.close()
    check("timeout 1000: no data, then closed after 0.8-5 s",
          got == b"" and how in ("eof", "reset") and 0.8 <= took < 5, "%s after %d bytes, %.3f s" % (how, len(got), took))
to0 = proxy("to0")
if to0:
    toxic("to0", type="timeout", stream="upstream", attributes={"timeout": 0})
    s = connect(to0)
    s.sendall(b"ping\n")
    how, got, _, took = read_all(s, 2)
    s.close()
    expect_eq("timeout 0 upstream: the connection is held, nothing comes", (how, got), ("timeout", b""))

# Point 7: timeout also closes when its input ends. Downstream, timeout 0,
# an upstream that closes after answering: a quick EOF, no data, no hang.
tdn = proxy("tdn")
if tdn:
    toxic("tdn", type="timeout", stream="downstream", attributes={"timeout": 0})
    s = connect(tdn)
    s.sendall(b"ping\n")
    s.shutdown(socket.SHUT_WR)
    how, got, _, took = read_all(s, 5)
    s.close()
    check("timeout 0 downstream, the upstream closes: a quick EOF, no data (under 2 s)",
          how == "eof" and got == b"" and took < 2, "%s after %d bytes, %.3f s" % (how, len(got), took))

# Removing a timeout toxic closes the connections it held.
trm = proxy("trm")
if trm:
    toxic("trm", type="timeout", stream="upstream", attributes={"timeout": 0})
    s = connect(trm)
    s.sendall(b"ping\n")
    how, got, _, _ = read_all(s, 1)
    expect_eq("timeout 0: held", (how, got), ("timeout", b""))
    status, _ = api("DELETE", "/proxies/trm/toxics/timeout_upstream")
    expect_eq("DELETE the timeout toxic: 204", status, 204)
    how, got, _, took = read_all(s, 5)
    s.close()
    check("removing the timeout toxic closes the connection it held (within 3 s)",
          how in ("eof", "reset") and took < 3, "%s after %d bytes, %.3f s" % (how, len(got), took))

# Toxics act on connections already open: added, updated, removed.
live = proxy("live")
if live:
    s = connect(live)

    def rt(sock):
        t0 = time.monotonic()
        sock.sendall(b"ping\n")
        how, got, _, _ = read_all(sock, 5, want=5)
        return time.monotonic() - t0, got

    took, got = rt(s)
    check("an open connection: the echo at once (under 0.5 s)", got == b"ping\n" and took < 0.5,
          "%r after %.3f s" % (got, took))
    toxic("live", name="lv", type="latency", stream="downstream", attributes={"latency": 800})
    took, got = rt(s)
    check("a latency toxic added while it is open applies to it (0.75-4 s)",
          got == b"ping\n" and 0.75 <= took < 4, "%r after %.3f s" % (got, took))
    api("PATCH", "/proxies/live/toxics/lv", {"attributes": {"latency": 1600}})
    took, got = rt(s)
    check("an update applies to it too (1.55-5 s)",
          got == b"ping\n" and 1.55 <= took < 5, "%r after %.3f s" % (got, took))
    api("DELETE", "/proxies/live/toxics/lv")
    took, got = rt(s)
    check("removed: the same connection is fast again (under 0.5 s)",
          got == b"ping\n" and took < 0.5, "%r after %.3f s" % (got, took))
    s.close()

# limit_data counts each direction: upstream, the upstream gets 10 bytes.
ldu = proxy("ldu")
if ldu:
    toxic("ldu", type="limit_data", stream="upstream", attributes={"bytes": 10})
    s = connect(ldu)
    _send(s, b"0123456789abcdefghij")
    how, got, _, _ = read_all(s, 5)
    s.close()
    check("limit_data 10 upstream: the echo of 10 bytes at most, then the end",
          how in ("eof", "reset") and got == b"0123456789"[:len(got)] and len(got) <= 10,
          "%s %r" % (how, got))

# --- reset_peer -------------------------------------------------------------
rp = proxy("rp")
if rp:
    toxic("rp", type="reset_peer", stream="upstream", attributes={"timeout": 100})
    s = connect(rp)
    s.sendall(b"ping\n")
    how, got, _, took = read_all(s, 5)
    s.close()
    check("reset_peer 100: the client gets ECONNRESET, no data",
          how == "reset" and got == b"", "%s after %d bytes, %.3f s" % (how, len(got), took))

# --- slow_close -------------------------------------------------------------
sc = proxy("sc")
if sc:
    toxic("sc", type="slow_close", stream="downstream", attributes={"delay": 1000})
    s = connect(sc)
    s.sendall(b"ping\n")
    s.shutdown(socket.SHUT_WR)
    t0 = time.monotonic()
    how, got, _, took = read_all(s, 6)
    s.close()
    check("slow_close 1000: the echo, then the close 0.8-5 s later",
          how == "eof" and got == b"ping\n" and 0.8 <= took < 5, "%s %r after %.3f s" % (how, got, took))
if fwd:
    s = connect(fwd)
    s.sendall(b"ping\n")
    s.shutdown(socket.SHUT_WR)
    how, got, _, took = read_all(s, 6)
    s.close()
    check("... without it the close comes at once (under 0.5 s)", how == "eof" and took < 0.5,
          "%s after %.3f s" % (how, took))

# --- toxicity ----------------------------------------------------------------
t0p = proxy("tox0")
if t0p:
    toxic("tox0", type="latency", stream="downstream", toxicity=0, attributes={"latency": 2000})
    times = [roundtrip(t0p)[0] for _ in range(30)]
    check("toxicity 0: latency 2000 never applies (30 connections, each under 1 s)",
          all(t is not None and t < 1 for t in times), "times %r" % times)
t1p = proxy("tox1")
if t1p:
    toxic("tox1", type="latency", stream="downstream", toxicity=1, attributes={"latency": 300})
    times = [roundtrip(t1p)[0] for _ in range(8)]
    check("toxicity 1: latency 300 always applies (8 connections, each 0.25-3 s)",
          all(t is not None and 0.25 <= t < 3 for t in times), "times %r" % times)

# --- disabled, then enabled ----------------------------------------------------
en = proxy("en")
if en:
    status, body = api("PATCH", "/proxies/en", {"enabled": False})
    expect_eq("disable: 200", status, 200)
    try:
        connect(en).close()
        not_ok("a disabled proxy refuses (ECONNREFUSED)", "connected")
    except ConnectionRefusedError:
        ok("a disabled proxy refuses (ECONNREFUSED)")
    except OSError as e:
        not_ok("a disabled proxy refuses (ECONNREFUSED)", repr(e))
    status, body = api("PATCH", "/proxies/en", {"enabled": True})
    expect_eq("enable again: 200 on the same address", (status, isinstance(body, dict) and body.get("listen")), (200, en))
    took, intact = roundtrip(en)
    check("re-enabled: it serves again", intact is True, "echo: %r" % intact)

# An update that moves the proxy: the old address refuses, the new one serves.
mv = proxy("mv")
if mv:
    newport = free_port()
    status, body = api("POST", "/proxies/mv", {"listen": "127.0.0.1:%d" % newport})
    expect_eq("listen changed: 200, the new address", (status, isinstance(body, dict) and body.get("listen")),
              (200, "127.0.0.1:%d" % newport))
    try:
        connect(mv).close()
        not_ok("the old address refuses", "connected")
    except ConnectionRefusedError:
        ok("the old address refuses")
    except OSError as e:
        not_ok("the old address refuses", repr(e))
    took, intact = roundtrip("127.0.0.1:%d" % newport)
    check("the new address serves", intact is True, "echo: %r" % intact)

# --- upstream down (point 8) ---------------------------------------------------------
down = proxy("down", upstream="127.0.0.1:%d" % free_port())
if down:
    for i in range(3):
        try:
            s = connect(down)
        except OSError as e:
            not_ok("upstream down, nothing sent: the connect succeeds", repr(e))
            continue
        how, got, _, took = read_all(s, 5)
        s.close()
        expect_eq("upstream down, nothing sent (try %d): connect succeeds, then EOF" % (i + 1), (how, got), ("eof", b""))
    # The bytes go with the handshake's last ACK (TCP Fast Open without a
    # cookie sends them there), so they are in standin's socket before it
    # can close it: a plain connect-then-send races the close (and then
    # sees the FIN first, about 1 time in 30).
    host, port = down.rsplit(":", 1)
    for i in range(5):
        s = socket.socket()
        try:
            try:
                s.sendto(b"hello, anyone?\n", socket.MSG_FASTOPEN, (host, int(port)))
            except OSError as e:
                if e.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                s.connect((host, int(port)))
                s.sendall(b"hello, anyone?\n")
        except OSError as e:
            not_ok("upstream down, bytes sent: the connect succeeds", repr(e))
            s.close()
            continue
        how, got, _, took = read_all(s, 5)
        s.close()
        expect_eq("upstream down, bytes sent (try %d): connect succeeds, then RST" % (i + 1), (how, got), ("reset", b""))

# --- reset removes the toxics ------------------------------------------------------
if lat:
    took, _ = roundtrip(lat)
    check("before POST /reset: lat is slow", took is not None and took >= 0.75, "took %r" % took)
    status, _ = api("POST", "/reset")
    # standin's own reset answers 200 (docs/control-api.md), Toxiproxy 204.
    expect_eq("POST /reset: 200", status, 200)
    took, intact = roundtrip(lat)
    check("after POST /reset: its toxics are gone (under 0.5 s)",
          intact is True and took is not None and took < 0.5, "took %r, %r" % (took, intact))
if en:
    took, intact = roundtrip(en)
    check("after POST /reset: the proxies still serve", intact is True, "echo: %r" % intact)

print("# done", flush=True)
