#!/usr/bin/env python3
"""c1pair.py URL-A URL-B N: one-connection latency of two servers, paired.

One keep-alive connection to each; N GETs to each, alternating (which of
the two goes first in a pair is drawn at random), so that whatever else
the machine does at a moment falls on both alike. Measured one after
another, the p99 of one nginx against an identical nginx ranged from
0.69x to 1.96x per 3 s round on a 2-vCPU VM: the noise of the moment, not
the servers. Prints: p50-A p99-A p50-B p99-B (microseconds).
"""
import random
import socket
import sys
import time
from urllib.parse import urlsplit


def connect(url):
    u = urlsplit(url)
    s = socket.create_connection((u.hostname, u.port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (u.path or "/", u.netloc)).encode()
    return s, s.makefile("rb"), req


def once(conn):
    s, f, req = conn
    t0 = time.perf_counter_ns()
    s.sendall(req)
    status = f.readline()
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    f.read(length)
    t1 = time.perf_counter_ns()
    if not status.startswith(b"HTTP/1.1 200"):
        sys.exit("c1pair: %r" % status)
    return (t1 - t0) / 1000.0


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def main():
    a, b, n = connect(sys.argv[1]), connect(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(1)
    for _ in range(200):  # warm up both
        once(a)
        once(b)
    ta, tb = [], []
    for _ in range(n):
        if rng.random() < 0.5:
            ta.append(once(a))
            tb.append(once(b))
        else:
            tb.append(once(b))
            ta.append(once(a))
    print("%.0f %.0f %.0f %.0f" % (pct(ta, 0.5), pct(ta, 0.99), pct(tb, 0.5), pct(tb, 0.99)))


main()
