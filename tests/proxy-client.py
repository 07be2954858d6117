#!/usr/bin/env python3
"""proxy-client.py COMMAND HOST:PORT [ARGS]: a raw TCP client for the
proxy tests; prints what it observed, one line.

  talk ADDR [TEXT]   send TEXT (default "hello!\\n"), half-close, read until
                     the end: "eof N BYTES-HEAD", "reset N", "timeout N",
                     "refused"; then " T" the seconds it took
  echo ADDR          send, read the echo back before half-closing, then
                     half-close and read to the end: "echo ok eof" if both
  poll-refused ADDR SECONDS   connect until refused: "refused after T"
                     or "never refused"
  poll-accepted ADDR SECONDS  connect until accepted: "accepted after T"
                     or "never accepted"
  slow-reader ADDR PID BYTES  send "go\\n", read nothing for 1.5 s, then
                     print standin's VmRSS (kB); then read BYTES: "rss K got N"
  reset-midway ADDR  send "go\\n", read 64 KB, then reset: "reset sent"
"""
import socket
import struct
import sys
import time


def connect(addr):
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=5)


def read_to_end(s, limit=5.0):
    got = b""
    s.settimeout(limit)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return "eof", got
            got += data
    except ConnectionResetError:
        return "reset", got
    except socket.timeout:
        return "timeout", got


def talk(addr, text="hello!\n", wait="2"):
    t0 = time.monotonic()
    try:
        s = connect(addr)
    except ConnectionRefusedError:
        return "refused"
    except ConnectionResetError:  # the RST came before connect() returned
        return "reset 0 - %.3f" % (time.monotonic() - t0)
    try:
        s.sendall(text.encode())
        s.shutdown(socket.SHUT_WR)
    except OSError:  # reset already: EPIPE, ECONNRESET, ENOTCONN
        how, got = read_to_end(s, 1)
        return "reset %d - %.3f" % (len(got), time.monotonic() - t0)
    how, got = read_to_end(s, float(wait))
    head = got[:16].decode(errors="replace").replace("\n", "|") or "-"
    return "%s %d %s %.3f" % (how, len(got), head, time.monotonic() - t0)


def echo(addr):
    s = connect(addr)
    s.sendall(b"ping\n")
    back = b""
    while len(back) < 5:
        data = s.recv(100)
        if not data:
            break
        back += data
    s.shutdown(socket.SHUT_WR)
    how, rest = read_to_end(s)
    return "echo %s %s" % ("ok" if back == b"ping\n" else repr(back), how)


def poll(addr, seconds, want_refused):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        try:
            s = connect(addr)
            s.close()
            if not want_refused:
                return "accepted after %.3f" % (time.monotonic() - t0)
        except ConnectionRefusedError:
            if want_refused:
                return "refused after %.3f" % (time.monotonic() - t0)
        time.sleep(0.02)
    return "never " + ("refused" if want_refused else "accepted")


def rss(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def slow_reader(addr, pid, want):
    s = connect(addr)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(b"go\n")
    time.sleep(1.5)
    kb = rss(pid)
    how, got = read_to_end(s, 10)
    return "rss %d got %d %s" % (kb, len(got), how)


def reset_midway(addr):
    s = connect(addr)
    s.sendall(b"go\n")
    got = 0
    while got < 65536:
        data = s.recv(65536)
        if not data:
            return "eof before 64 KB"
        got += len(data)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return "reset sent"


cmd, addr = sys.argv[1], sys.argv[2]
if cmd == "talk":
    print(talk(addr, *sys.argv[3:]))
elif cmd == "echo":
    print(echo(addr))
elif cmd == "poll-refused":
    print(poll(addr, float(sys.argv[3]), True))
elif cmd == "poll-accepted":
    print(poll(addr, float(sys.argv[3]), False))
elif cmd == "slow-reader":
    print(slow_reader(addr, sys.argv[3], int(sys.argv[4])))
elif cmd == "reset-midway":
    print(reset_midway(addr))
else:
    sys.exit("proxy-client.py: unknown command " + cmd)
