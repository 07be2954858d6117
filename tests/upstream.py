#!/usr/bin/env python3
"""upstream.py READY-FILE: raw TCP upstreams for the proxy tests, each on a
port of its own (port 0), written to READY-FILE as {"mode": "HOST:PORT"}.

  echo    echoes what it reads; on the client's FIN, closes (FIN)
  reset   reads 5 bytes, then resets (RST)
  halfway on the first bytes, sends 100 bytes of an answer, then closes
  silent  accepts and never reads or answers
  bulk    on the first bytes, sends BULK_BYTES (64 MB) as fast as it is
          taken, then closes
  log     appends what a connection sent, up to its first newline, to
          READY-FILE.log, answers "ok\\n" and closes
  http    an HTTP/1.1 server, keep-alive: answers every request 200 with
          JSON of what it received: {"line", "host", "headers" (names,
          in order), "body"}

Runs until killed, a thread per connection. Connections that close without
a byte (the proxy's probes) do nothing.
"""
import json
import os
import socket
import struct
import sys
import threading

BULK_BYTES = 64 * 1024 * 1024
ready = sys.argv[1]
lock = threading.Lock()


def http(c):
    buf = b""
    while True:
        while b"\r\n\r\n" not in buf:
            data = c.recv(65536)
            if not data:
                return
            buf += data
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        names = [l.split(":", 1)[0] for l in lines[1:]]
        fields = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
        n = int(fields.get("content-length", "0"))
        while len(buf) < n:
            buf += c.recv(65536)
        body, buf = buf[:n], buf[n:]
        out = json.dumps({"line": lines[0], "host": fields.get("host"), "headers": names,
                          "body": body.decode("latin-1")}).encode()
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Upstream: yes\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(out) + (b"" if lines[0].startswith("HEAD") else out))


def serve(c, mode):
    try:
        if mode == "silent":
            threading.Event().wait()
        if mode == "http":
            http(c)
            c.close()
            return
        got = b""
        while True:
            data = c.recv(65536)
            got += data
            if mode == "echo":
                if not data:
                    break
                c.sendall(data)
            elif mode == "reset" and len(got) >= 5:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                break
            elif mode == "halfway" and data:
                c.sendall(b"x" * 100)
                break
            elif mode == "bulk" and data:
                chunk = b"b" * 65536
                for _ in range(BULK_BYTES // len(chunk)):
                    c.sendall(chunk)
                break
            elif mode == "log" and got and (not data or b"\n" in got):
                with lock, open(ready + ".log", "ab") as f:
                    f.write(got.split(b"\n")[0] + b"\n")
                c.sendall(b"ok\n")
                break
            elif not data:
                break
    except OSError:
        pass
    c.close()


def listen(mode):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c, mode), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return "127.0.0.1:%d" % s.getsockname()[1]


addrs = {m: listen(m) for m in ("echo", "reset", "halfway", "silent", "bulk", "log", "http")}
with open(ready + ".tmp", "w") as f:
    json.dump(addrs, f)
os.rename(ready + ".tmp", ready)
threading.Event().wait()
