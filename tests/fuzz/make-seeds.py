#!/usr/bin/env python3
"""make-seeds.py: write the seed corpora of the fuzz targets (tests/fuzz/NAME/)
from the scenarios standin ships (scenarios/*.json), the test scenarios
(tests/scenarios/**) and the requests the tests send.

Run it by hand from the top of the tree when those change, and commit what
it writes: python3 tests/fuzz/make-seeds.py. It empties each seed directory
first, so that a seed dropped here goes away there too; inputs a campaign
found are promoted separately (README.md, "Fuzzing").

The formats are those the targets' opening comments describe:
  scenario/  a scenario file
  http/      byte 0: the fault set (a phase of fuzz_http.c), byte 1: flags,
             then the client's bytes
  hello/     byte 0: flags, then an X-Protocol-Version line and the body
  control/   "METHOD TARGET\\nBODY", requests separated by "\\n%%\\n"
"""
import glob
import hashlib
import os
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(TOP, "tests", "fuzz")

# The phases of fuzz_http.c's fault scenario, by name: byte 0 of an input.
HTTP_PHASES = [
    "none", "status", "status-response", "delay", "delay-response", "drip",
    "empty", "empty-response", "reset", "reset-response", "truncate",
    "truncate-bytes", "malformed-status", "malformed-header",
    "malformed-chunked", "garbage", "garbage-response", "timeout",
    "timeout-close", "timeout-response", "drift", "hello-mismatch",
    "hello-slow", "hello-error", "hello-drop", "mixed",
]

# Flags of byte 1 of an http input.
FIN = 1
JOURNAL = 2


def piece(n):
    """Bits 2-4 of byte 1: pieces of 1, 2, 3, 7, 16, 64, 512 bytes or all."""
    return {1: 0, 2: 1, 3: 2, 7: 3, 16: 4, 64: 5, 512: 6, 0: 7}[n] << 2


def clear(name):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    return d


def write(d, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def scenario_files():
    """Every scenario file in the tree: (seed name, path)."""
    out = []
    for pattern, prefix in [
        ("scenarios/*.json", "shipped-"),
        ("tests/scenarios/*.json", "test-"),
        ("tests/scenarios/faults/*.json", "faults-"),
        ("tests/scenarios/invalid/*.json", "invalid-"),
        ("bench/*.json", "bench-"),
    ]:
        for path in sorted(glob.glob(os.path.join(TOP, pattern))):
            out.append((prefix + os.path.basename(path), path))
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


# Requests the tests and docs/personas.md send, as bytes on the wire.
def req(method, path, body=None, headers=(), version="1.1"):
    lines = ["%s %s HTTP/%s" % (method, path, version), "Host: x"]
    lines += list(headers)
    if body is not None:
        lines.append("Content-Type: application/json")
        lines.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(lines) + "\r\n\r\n" + (body or "")).encode()


def chunked(method, path, body):
    head = "%s %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" % (
        method, path)
    mid = len(body) // 2
    parts = [body[:mid], body[mid:]]
    text = "".join("%x\r\n%s\r\n" % (len(p), p) for p in parts if p)
    return (head + text + "0\r\nX-Trailer: t\r\n\r\n").encode()


HELLO = '{"client":"ums","versions":["1.1","1.2"]}'
DONATION = ('{"user_id":"u1001","charity_id":"c-wwf","amount_cents":2500,'
            '"currency":"EUR"}')
USER = ('{"email":"new.person@example.com","name":"New Person","profile":'
        '{"display_name":"Newbie","locale":"fr-FR","timezone":"Europe/Paris"}}')

UMS_REQUESTS = {
    "health": req("GET", "/health"),
    "health-head": req("HEAD", "/health", headers=["Connection: close"]),
    "health-http10": b"GET /health HTTP/1.0\r\n\r\n",
    "user": req("GET", "/v1/users/u1001?x=1", headers=["X-One: 1"]),
    "user-version": req("GET", "/v1/users/u1002",
                        headers=["X-Protocol-Version: 1.2"]),
    "user-bad-version": req("GET", "/v1/users/u1002",
                            headers=["X-Protocol-Version: 9.9"]),
    "users-by-email": req("GET", "/v1/users?email=ada%40example.com"),
    "users-create": req("POST", "/v1/users", USER),
    "users-create-chunked": chunked(
        "POST", "/v1/users", '{"email":"s@x.io","name":"Split Sam"}'),
    "users-create-expect": req(
        "POST", "/v1/users", '{"email":"expect@example.com","name":"Expect"}',
        headers=["Expect: 100-continue"]),
    "users-invalid": req("POST", "/v1/users",
                         '{"email":"y@example.com","name":"Y","shoe_size":44}'),
    "users-patch": req("PATCH", "/v1/users/u1001",
                       '{"name":"Renamed Person","status":"suspended"}'),
    "users-patch-bad": req("PATCH", "/v1/users/u1001", '{"status":"sleepy"}'),
    "not-json": req("POST", "/v1/users", '{"email":'),
    "hello": req("POST", "/v1/handshake", HELLO),
    "hello-mismatch": req("POST", "/v1/handshake",
                          '{"client":"financial-engine","versions":["2.0"]}'),
    "pipelined": (b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /v1/users/nobody HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /v1/users/u1001 HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n"),
    "pipelined-404-405": (b"GET /health HTTP/1.1\r\n\r\n"
                          b"GET /nope HTTP/1.1\r\n\r\n"
                          b"DELETE /health HTTP/1.1\r\n\r\n"),
    "garbage": b"\x16\x03\x01\x02\x00 not http\r\n\r\n",
    "not-http": b"THIS IS NOT HTTP\r\n\r\n",
    "bad-content-length": b"GET /health HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Length: nope\r\n\r\n",
    "body-too-large": b"POST /v1/users HTTP/1.1\r\n"
                      b"Content-Length: 99999999\r\n\r\n{",
    "percent-path": req("GET", "/v1/users/u%31001"),
    "stub-robots": req("GET", "/stub/robots.txt"),
    "stub-override": req("GET", "/v1/users/u1001"),
}

FIN_REQUESTS = {
    "donation": req("POST", "/v1/donations", DONATION,
                    headers=["Idempotency-Key: k1"]),
    "donation-twice": req("POST", "/v1/donations", DONATION,
                          headers=["Idempotency-Key: k1"]) * 2,
    "donation-other-body": (
        req("POST", "/v1/donations", DONATION, headers=["Idempotency-Key: k2"])
        + req("POST", "/v1/donations",
              DONATION.replace("2500", "9900"),
              headers=["Idempotency-Key: k2"])),
    "donation-chunked": chunked("POST", "/v1/donations", DONATION),
    "donation-unknown-user": req(
        "POST", "/v1/donations",
        '{"user_id":"ghost","charity_id":"c","amount_cents":100,'
        '"currency":"EUR"}'),
    "donation-get": req("GET", "/v1/donations/d-1"),
    "user-donations": req("GET", "/v1/users/u1001/donations"),
    "ledger": req("GET", "/v1/ledger", headers=["X-Protocol-Version: 1.2"]),
    "fx-stub": req("GET", "/v1/fx/EURUSD"),
    "hello": req("POST", "/v1/handshake",
                 '{"client":"financial-engine",'
                 '"versions":["1.0","1.1","1.2","1.3"]}'),
    "hello-no-versions": req("POST", "/v1/handshake",
                             '{"client":"financial-engine"}'),
    "health": req("GET", "/health"),
}


def http_seeds():
    d = clear("http")
    none = HTTP_PHASES.index("none")
    for name, data in UMS_REQUESTS.items():
        write(d, "ums-" + name, bytes([none, piece(0)]) + data)
    for name, data in FIN_REQUESTS.items():
        write(d, "fin-" + name, bytes([none, FIN | piece(0)]) + data)
    # Each fault set once, on a request it applies to.
    hello = UMS_REQUESTS["hello"]
    user = UMS_REQUESTS["user"] + UMS_REQUESTS["health"]
    for i, phase in enumerate(HTTP_PHASES):
        if phase == "none":
            continue
        data = hello if phase.startswith("hello") else user
        write(d, "fault-%s" % phase, bytes([i, JOURNAL | piece(0)]) + data)
    # A journal and metrics, and requests split into small pieces.
    write(d, "ums-user-journal-pieces",
          bytes([none, JOURNAL | piece(3)]) + UMS_REQUESTS["user"])
    write(d, "fin-donation-journal-pieces",
          bytes([none, FIN | JOURNAL | piece(7)]) + FIN_REQUESTS["donation"])
    write(d, "ums-chunked-bytewise",
          bytes([none, piece(1)]) + UMS_REQUESTS["users-create-chunked"])


def hello_seeds():
    d = clear("hello")
    bodies = {
        "ums": HELLO,
        "one": '{"client":"ums","versions":["1.2"]}',
        "many": '{"client":"financial-engine",'
                '"versions":["1.0","1.1","1.2","1.3"]}',
        "mismatch": '{"client":"financial-engine","versions":["2.0"]}',
        "no-versions": '{"client":"financial-engine"}',
        "no-client": '{"versions":["1.2"]}',
        "empty": '{}',
        "array": '[1,2]',
        "cut": '{"client":',
        "bad-version": '{"client":"ums","versions":["1.x"]}',
        "number-version": '{"client":"ums","versions":[1.2]}',
        "long-version": '{"client":"ums","versions":["1.2.3.4.5","10.0.1"]}',
        "extra-field": '{"client":"ums","versions":["1.2"],"x":1}',
    }
    for name, body in bodies.items():
        for p, pname in [(0, "ums"), (1, "fin"), (2, "ums-odd"),
                         (3, "fin-odd")]:
            write(d, "%s-%s" % (pname, name), bytes([p]) + body.encode())
        write(d, "fault-%s" % name, bytes([16 | 1]) + body.encode())
        write(d, "header-%s" % name,
              bytes([8]) + b"1.2\n" + body.encode())
    # The X-Protocol-Version check on other /v1 routes (bit 2, route 5-7).
    for route in range(8):
        for value in [b"1.2", b"9.9", b"1.2.0", b"abc"]:
            write(d, "check-route%d-%s" % (route, value.decode()),
                  bytes([(route << 5) | 8 | 4 | (route & 1)]) + value + b"\n")


def control_request(line, body=""):
    return line + "\n" + body


def control_seeds():
    d = clear("control")
    simple = {
        "health": "GET /health",
        "status": "GET /status",
        "scenario-get": "GET /scenario",
        "faults-get": "GET /faults",
        "faults-delete": "DELETE /faults",
        "fault-delete-1": "DELETE /faults/1",
        "fault-delete-scenario": "DELETE /faults/scenario/0",
        "journal": "GET /journal",
        "journal-query": "GET /journal?since=1&limit=5&service=ums&event=request",
        "journal-bad": "GET /journal?since=x&nope=1",
        "journal-delete": "DELETE /journal",
        "metrics": "GET /metrics",
        "reset": "POST /reset",
        "not-found": "GET /nope",
        "not-allowed": "PATCH /faults",
        "head-status": "HEAD /status",
    }
    for name, line in simple.items():
        write(d, name, control_request(line))
    phases = {
        "phase-name": '{"name":"slow"}',
        "phase-refused": '{"name":"refused"}',
        "phase-next": '{"next":true}',
        "phase-both": '{"name":"healthy","next":true}',
        "phase-unknown": '{"name":"bad-deplyo"}',
        "phase-cut": '{"name":',
    }
    for name, body in phases.items():
        write(d, name, control_request("POST /phase", body) +
              "\n%%\nGET /status\n")
    faults = [
        '{"service":"ums","layer":"http","type":"status","status":503}',
        '{"service":"fin","layer":"http","type":"status","status":500,'
        '"probability":0.5}',
        '{"service":"ums","layer":"connect","type":"refuse"}',
        '{"service":"ums","layer":"tls","type":"stall"}',
        '{"service":"umss","layer":"connect","type":"refuse"}',
        '{"service": "ums", "layer": "http", "type": "delay", "delay": "5x"}',
        '[{"service":"fin","layer":"http","type":"status","status":502},'
        '{"service":"fin","layer":"http","type":"delay","delay":"1ms"}]',
        '[{"layer":"http","type":"delay","delay":"5x"},'
        '{"layer":"htp","type":"status"}]',
        '{"layer":"handshake","type":"version_mismatch",'
        '"server_versions":["2.0"]}',
        '{"layer":"stream","type":"latency","latency":{"dist":"lognormal",'
        '"median":"5ms","sigma":0.5},"direction":"downstream"}',
        '{"layer":"http","type":"schema_drift","drop":["email"],'
        '"rename":{"name":"full_name"},"match":{"method":"GET",'
        '"path":"/v1/users/{id}"}}',
        'not json',
        '{"service":"ums",',
    ]
    for i, body in enumerate(faults):
        write(d, "faults-post-%02d" % i,
              control_request("POST /faults", body) +
              "\n%%\nGET /faults\n%%\nDELETE /faults/1\n%%\nGET /faults")
    # Every valid scenario as PUT /scenario, and a few invalid ones.
    for name, path in scenario_files():
        if name.startswith("invalid-") and hashlib.sha1(
                name.encode()).digest()[0] % 8 != 0:
            continue  # a sample of the invalid ones: the loader has its own
        write(d, "put-" + name,
              control_request("PUT /scenario", read(path).decode()) +
              "\n%%\nGET /status\n%%\nGET /faults")
    # Toxiproxy's endpoints: a proxy made, changed, its toxics added,
    # changed and removed, then listed; populate; relaxed and bad bodies.
    proxy = ('{"name":"redis","listen":"127.0.0.1:0",'
             '"upstream":"127.0.0.1:9"}')
    toxics = [
        '{"type":"latency","attributes":{"latency":100,"jitter":5}}',
        '{"type":"bandwidth","stream":"upstream","attributes":{"rate":10}}',
        '{"type":"slow_close","attributes":{"delay":10}}',
        '{"type":"timeout","attributes":{"timeout":0}}',
        '{"type":"reset_peer","toxicity":0,"attributes":{"timeout":5}}',
        '{"type":"slicer","attributes":{"average_size":8,'
        '"size_variation":2,"delay":100}}',
        '{"type":"limit_data","stream":"UpStream","attributes":{"bytes":9}}',
        '{"type":"noop","name":"n"}',
        '{"TYPE":"latency","Attributes":{"LATENCY":1},"unknown":1}',
        '{"type":"latency","attributes":{"latency":"1"}}',
        '{"type":"latency","attributes":{"latency":1.5}}',
        '{"type":"packet_loss"}',
        '{"type":"latency","stream":"sideways"}',
        '{"type":null,"name":null,"stream":null,"toxicity":null}',
        '[]',
        'not json',
    ]
    write(d, "toxiproxy-version", control_request("GET /version"))
    write(d, "toxiproxy-index", control_request("GET /proxies"))
    for i, body in enumerate(toxics):
        write(d, "toxiproxy-toxic-%02d" % i,
              control_request("POST /proxies", proxy) +
              "\n%%\n" + control_request("POST /proxies/redis/toxics", body) +
              "\n%%\nGET /proxies/redis/toxics\n%%\n" +
              control_request("PATCH /proxies/redis/toxics/latency_downstream",
                              '{"attributes":{"jitter":1},"toxicity":0.5}') +
              "\n%%\nGET /faults\n%%\n" +
              "DELETE /proxies/redis/toxics/latency_downstream\n%%\n" +
              "GET /proxies")
    updates = [
        '{"enabled":false}',
        '{"enabled":true,"listen":"127.0.0.1:0"}',
        '{"upstream":"localhost:10"}',
        '{"listen":"nowhere"}',
        '{"enabled":"yes"}',
    ]
    for i, body in enumerate(updates):
        write(d, "toxiproxy-update-%02d" % i,
              control_request("POST /proxies", proxy) + "\n%%\n" +
              control_request("PATCH /proxies/redis", body) +
              "\n%%\nGET /proxies/redis\n%%\nDELETE /proxies/redis")
    populate = [
        '[' + proxy + ',{"name":"pg","upstream":"127.0.0.1:5432",'
        '"toxics":[{"type":"latency","attributes":{"latency":5}}]}]',
        '[]',
        '[{"name":"a"}]',
        '{"name":"a"}',
    ]
    for i, body in enumerate(populate):
        write(d, "toxiproxy-populate-%02d" % i,
              control_request("POST /populate", body) +
              "\n%%\nGET /proxies\n%%\nPOST /reset")
    for name, line in {"toxiproxy-slash": "GET /proxies/",
                       "toxiproxy-405": "PUT /proxies",
                       "toxiproxy-missing": "GET /proxies/nope/toxics/x",
                       "toxiproxy-deep": "GET /proxies/a/toxics/b/c"}.items():
        write(d, name, control_request(line))


def scenario_seeds():
    d = clear("scenario")
    for name, path in scenario_files():
        write(d, name, read(path))


def main():
    if len(sys.argv) != 1:
        print("usage: tests/fuzz/make-seeds.py", file=sys.stderr)
        return 64
    scenario_seeds()
    http_seeds()
    hello_seeds()
    control_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
