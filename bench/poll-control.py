#!/usr/bin/env python3
"""bench/poll-control.py HOST:PORT SECONDS: poll the control API (status,
the last 1,000 journal events, metrics) every 10 ms on one keep-alive
connection; print how many answers came and the slowest, in ms."""
import http.client
import sys
import time

host, port = sys.argv[1].rsplit(":", 1)
end = time.monotonic() + float(sys.argv[2])
conn = http.client.HTTPConnection(host, int(port), timeout=10)
paths = ["/status", "/journal?limit=1000", "/metrics"]
n, worst = 0, 0.0
while time.monotonic() < end:
    t0 = time.monotonic()
    conn.request("GET", paths[n % len(paths)])
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        sys.exit("poll-control: %s answered %d" % (paths[n % len(paths)], resp.status))
    worst = max(worst, time.monotonic() - t0)
    n += 1
    time.sleep(0.01)
print(n, "%.2f" % (worst * 1000))
