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


def serve(c, mode):
    try:
        if mode == "silent":
            threading.Event().wait()
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


addrs = {m: listen(m) for m in ("echo", "reset", "halfway", "silent", "bulk", "log")}
with open(ready + ".tmp", "w") as f:
    json.dump(addrs, f)
os.rename(ready + ".tmp", ready)
threading.Event().wait()
