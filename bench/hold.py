#!/usr/bin/env python3
"""hold.py HOST:PORT N SECONDS HEALTH_URL PID: open N connections to a
blackholed service, hold them SECONDS while checking HEALTH_URL once a
second, and print standin's RSS before and while holding (kB), the health
checks answered and the slowest one."""
import resource
import socket
import sys
import time
import urllib.request


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    hostport, n, secs, health, pid = sys.argv[1:6]
    host, port = hostport.rsplit(":", 1)
    n, secs, pid = int(n), float(secs), int(pid)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    before = rss_kb(pid)
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.connect((host, int(port)))
        s.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    time.sleep(1)
    held = rss_kb(pid)
    ok = tries = 0
    worst = 0.0
    end = time.time() + secs
    while time.time() < end:
        tries += 1
        t0 = time.time()
        try:
            with urllib.request.urlopen(health, timeout=5) as r:
                if r.status == 200:
                    ok += 1
        except OSError:
            pass
        worst = max(worst, time.time() - t0)
        time.sleep(max(0.0, 1.0 - (time.time() - t0)))
    peak = rss_kb(pid)
    for s in socks:
        s.close()
    print(before, held, peak, ok, tries, f"{worst * 1000:.1f}")


main()
