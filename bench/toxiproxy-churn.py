#!/usr/bin/env python3
"""bench/toxiproxy-churn.py CONTROL SECONDS: drive Toxiproxy's API on a
standin as fast as it answers, one keep-alive connection: make a proxy,
add a toxic, remove it, delete the proxy, again and again. Prints the API
calls per second; exits non-zero if any call fails."""
import http.client
import sys
import time


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    seconds = float(sys.argv[2])
    conn = http.client.HTTPConnection(host, int(port), timeout=10)

    def call(method, path, body=None, want=(200, 201, 204)):
        conn.request(method, path, body=body,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status not in want:
            sys.exit("%s %s: %d %s" % (method, path, r.status, data))

    calls = 0
    end = time.monotonic() + seconds
    start = time.monotonic()
    while time.monotonic() < end:
        call("POST", "/proxies", '{"name":"churn","listen":"127.0.0.1:0",'
             '"upstream":"127.0.0.1:9"}')
        call("POST", "/proxies/churn/toxics",
             '{"type":"latency","attributes":{"latency":5}}')
        call("DELETE", "/proxies/churn/toxics/latency_downstream")
        call("DELETE", "/proxies/churn")
        calls += 4
    print("%.0f" % (calls / (time.monotonic() - start)))


if __name__ == "__main__":
    main()
