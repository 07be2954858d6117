#!/usr/bin/env python3
"""soak.py STANDIN [SECONDS]: `make soak`, a long run under steady load.

Starts `standin serve bench/soak.json` with a journal and drives it for
SECONDS (default 600, or $SOAK_SECONDS):
- keep-alive clients reading users and posting donations (each with an
  Idempotency-Key), half-closing clients (pipelined requests, then FIN, as
  `nc -N` does) and clients that send and never read;
- every second, through the control API, the phase flipped (calm <->
  stormy: 503s at random, stream latency) and a fault added or removed
  (http delay, http status 429, http empty at response, connect reset).
It prints standin's RSS each minute, then checks:
- RSS grew by less than 1 MB after the first minute;
- every error a client saw is explained by a fault the journal recorded on
  that connection (a status it injected, an answer it lost, a reset);
- the journal: every line parses, seq runs 1..N without a gap, and on each
  connection the answers a client received match the response events that
  were not lost by a fault.
Exit 0 when all hold. Needs only python3. Not part of `make check`.
"""
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LOST = {"empty", "reset", "garbage", "timeout", "drop"}  # answer never arrives


class Stats:
    def __init__(self):
        # Each client connection, in the order made: its local port, the
        # statuses it got and the errors it saw. Ports are reused over a
        # long run: the n-th connection from a port is the journal's n-th
        # connection event with that peer port.
        self.conns = []
        self.failed_connects = []
        self.requests = 0

    def conn(self, port):
        c = {"port": port, "got": [], "errors": []}
        self.conns.append(c)
        return c


async def read_response(reader):
    """One HTTP/1.1 response (Content-Length framed); its status."""
    line = await reader.readline()
    if not line:
        raise ConnectionError("eof")
    parts = line.split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError("bad status line %r" % line[:40])
    status = int(parts[1])
    length = 0
    while True:
        h = await reader.readline()
        if not h:
            raise ConnectionError("eof in headers")
        if h in (b"\r\n", b"\n"):
            break
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length:
        await reader.readexactly(length)
    return status


def request(method, path, body=None, key=None):
    head = "%s %s HTTP/1.1\r\nHost: soak\r\n" % (method, path)
    if key:
        head += "Idempotency-Key: %s\r\n" % key
    if body is not None:
        head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        return (head + "\r\n").encode() + body
    return (head + "\r\n").encode()


async def keepalive_client(addrs, stats, stop, rnd):
    """Reads and donations on one connection at a time, reconnecting."""
    while not stop.is_set():
        svc = rnd.choice(["ums", "fin"])
        host, port = addrs[svc].rsplit(":", 1)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, int(port)), 5)
        except (OSError, asyncio.TimeoutError) as e:
            stats.failed_connects.append(type(e).__name__)
            await asyncio.sleep(0.05)
            continue
        lport = writer.get_extra_info("sockname")[1]
        c = stats.conn(lport)
        try:
            for _ in range(rnd.randint(1, 40)):
                if stop.is_set():
                    break
                if svc == "ums":
                    msg = request("GET", "/v1/users/u10%02d" % rnd.randint(1, 9))
                else:
                    # A bounded set of keys: after the first minute every
                    # POST is a replay (as a client's retries are), so the
                    # store stops growing and RSS can be held to a bound.
                    key = "soak-%d" % rnd.randrange(2000)
                    body = b'{"user_id":"u1001","charity_id":"c-wwf","amount_cents":100,"currency":"EUR"}'
                    msg = request("POST", "/v1/donations", body, key)
                writer.write(msg)
                stats.requests += 1
                status = await asyncio.wait_for(read_response(reader), 10)
                c["got"].append(status)
                if status >= 500 or status == 429:
                    c["errors"].append(("status", status))
        except (OSError, ConnectionError, ValueError, asyncio.TimeoutError,
                asyncio.IncompleteReadError) as e:
            c["errors"].append(("conn", type(e).__name__))
        finally:
            writer.close()


async def halfclose_client(addrs, stats, stop, rnd):
    """Three pipelined reads, then FIN; every answer must still come."""
    while not stop.is_set():
        host, port = addrs["ums"].rsplit(":", 1)
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
        except OSError as e:
            stats.failed_connects.append(type(e).__name__)
            await asyncio.sleep(0.05)
            continue
        lport = writer.get_extra_info("sockname")[1]
        c = stats.conn(lport)
        try:
            writer.write(request("GET", "/v1/users/u1001") * 3)
            stats.requests += 3
            writer.write_eof()
            for _ in range(3):
                c["got"].append(await asyncio.wait_for(read_response(reader), 10))
                if c["got"][-1] >= 500 or c["got"][-1] == 429:
                    c["errors"].append(("status", c["got"][-1]))
        except (OSError, ConnectionError, ValueError, asyncio.TimeoutError,
                asyncio.IncompleteReadError) as e:
            c["errors"].append(("conn", type(e).__name__))
        writer.close()
        await asyncio.sleep(rnd.uniform(0.05, 0.3))


async def deaf_client(addrs, stats, stop, rnd):
    """Sends many requests, never reads, gives up after a while."""
    while not stop.is_set():
        host, port = addrs["ums"].rsplit(":", 1)
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
            # Counted among the connections (ports are matched to the
            # journal's in order), but nothing is expected of it.
            stats.conn(writer.get_extra_info("sockname")[1])["deaf"] = True
            writer.write(request("GET", "/v1/users/u1001") * 2000)
            await asyncio.sleep(rnd.uniform(2, 8))
            writer.transport.abort()
        except OSError:
            await asyncio.sleep(0.1)


def control(ctl, method, path, body=None):
    import http.client
    host, port = ctl.rsplit(":", 1)
    h = http.client.HTTPConnection(host, int(port), timeout=5)
    h.request(method, path, body=json.dumps(body) if body is not None else None)
    r = h.getresponse()
    data = r.read()
    h.close()
    return r.status, data


FLIPS = [
    {"layer": "http", "type": "delay", "delay": "5ms", "probability": 0.3},
    {"layer": "http", "type": "status", "status": 429, "probability": 0.1,
     "headers": {"Retry-After": "1"}},
    {"layer": "http", "type": "empty", "at": "response", "probability": 0.05,
     "match": {"method": "POST", "path": "/v1/donations"}},
    {"layer": "connect", "type": "reset", "probability": 0.05},
]


async def flipper(ctl, stop, rnd):
    """Every second: the phase flipped, a fault added or all removed."""
    loop = asyncio.get_running_loop()
    phase = 0
    while not stop.is_set():
        await asyncio.sleep(1)
        phase ^= 1
        await loop.run_in_executor(None, control, ctl, "POST", "/phase",
                                   {"name": "stormy" if phase else "calm"})
        if rnd.random() < 0.5:
            await loop.run_in_executor(None, control, ctl, "POST", "/faults",
                                       rnd.choice(FLIPS))
        else:
            await loop.run_in_executor(None, control, ctl, "DELETE", "/faults")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def soak(standin, seconds, tmp):
    ready = os.path.join(tmp, "ready.json")
    journal = os.path.join(tmp, "journal.jsonl")
    proc = subprocess.Popen([standin, "serve", os.path.join(HERE, "soak.json"),
                             "--control", "127.0.0.1:0", "--ready-file", ready,
                             "--journal", journal, "-q"])
    for _ in range(400):
        if os.path.exists(ready) and os.path.getsize(ready) > 0:
            break
        time.sleep(0.025)
    info = json.load(open(ready))
    addrs, ctl = info["services"], info["control"]
    stats, stop, rnd = Stats(), asyncio.Event(), random.Random(7)
    tasks = [asyncio.create_task(keepalive_client(addrs, stats, stop, random.Random(i)))
             for i in range(16)]
    tasks += [asyncio.create_task(halfclose_client(addrs, stats, stop, random.Random(100 + i)))
              for i in range(2)]
    tasks += [asyncio.create_task(deaf_client(addrs, stats, stop, random.Random(200 + i)))
              for i in range(2)]
    tasks.append(asyncio.create_task(flipper(ctl, stop, rnd)))
    rss = []
    t0 = time.monotonic()
    minute = 0
    while time.monotonic() - t0 < seconds:
        await asyncio.sleep(1)
        if time.monotonic() - t0 >= 60 * (minute + 1) or \
                time.monotonic() - t0 >= seconds:
            minute += 1
            rss.append(rss_kb(proc.pid))
            print("minute %2d: RSS %6d kB, %d requests sent" %
                  (minute, rss[-1], stats.requests), flush=True)
    stop.set()
    await asyncio.wait(tasks, timeout=15)
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=30)
    return stats, rss, journal, rc


def check_journal(path, stats):
    """Parse every line; seq without gaps; per-connection answers."""
    problems = []
    seq = 0
    peer_conn, events = {}, {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                e = json.loads(line)
            except ValueError:
                problems.append("journal line %d does not parse" % n)
                continue
            seq += 1
            if e.get("seq") != seq:
                problems.append("journal line %d: seq %s, expected %d" % (n, e.get("seq"), seq))
                seq = e.get("seq", seq)
            conn = e.get("conn")
            if e["event"] == "connection":
                peer_conn.setdefault(int(e["peer"].rsplit(":", 1)[1]), []).append(conn)
            if conn:
                events.setdefault(conn, []).append(e)
    unexplained, mismatched = [], 0
    # A connect that failed: nothing in this soak refuses connections.
    unexplained += [("-", "connect", err) for err in stats.failed_connects]
    seen = {}
    for c in stats.conns:
        n = seen.get(c["port"], 0)
        seen[c["port"]] = n + 1
        ids = peer_conn.get(c["port"], [])
        conn = ids[n] if n < len(ids) else None
        if c.get("deaf"):
            continue
        evs = events.get(conn, [])
        faults = {e["type"] for e in evs if e["event"] == "fault"}
        answered = [e for e in evs if e["event"] == "response" and e.get("fault") not in LOST]
        if len(answered) != len(c["got"]) and not faults:
            mismatched += 1
        for kind, what in c["errors"]:
            if kind == "status" and what in (503, 429) and "status" in faults:
                continue
            if kind == "conn" and faults & (LOST | {"reset"}):
                continue
            unexplained.append((conn, kind, what))
    return problems, unexplained, mismatched, seq


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    seconds = int(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SOAK_SECONDS", 600))
    keep = os.environ.get("SOAK_KEEP")  # a directory to keep the journal in
    with tempfile.TemporaryDirectory(prefix="standin-soak.") as tmp:
        stats, rss, journal, rc = asyncio.run(soak(sys.argv[1], seconds, keep or tmp))
        problems, unexplained, mismatched, lines = check_journal(journal, stats)
    ok = True
    print("standin exited %d after SIGTERM; %d journal lines; %d requests sent" %
          (rc, lines, stats.requests))
    if rc != 0:
        ok = False
    growth = rss[-1] - rss[0] if len(rss) > 1 else 0
    print("RSS after minute 1: %d kB, at the end: %d kB: growth %d kB (goal < 1024)" %
          (rss[0], rss[-1], growth))
    if len(rss) > 1 and growth >= 1024:
        ok = False
    print("errors not explained by an injected fault: %d (goal 0)" % len(unexplained))
    for u in unexplained[:10]:
        print("  conn %s: %s %s" % u)
    print("connections whose answers and response events differ, no fault on them: %d (goal 0)"
          % mismatched)
    print("journal problems: %d (goal 0)" % len(problems))
    for p in problems[:10]:
        print("  " + p)
    if unexplained or mismatched or problems:
        ok = False
    print("soak: %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


sys.exit(main())
