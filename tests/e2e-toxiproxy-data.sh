#!/usr/bin/env bash
# e2e-toxiproxy-data.sh: bytes through proxies made with the
# Toxiproxy-compatible API: forwarding, every toxic type as a raw socket
# client sees it (latency, bandwidth, slicer, limit_data, timeout,
# reset_peer, slow_close), toxicity 0 and 1, a disabled and re-enabled
# proxy, a moved one, an upstream that is down (Toxiproxy's #265), and
# POST /reset. tests/toxiproxy/data.py does the talking; tests/upstream.py
# is the echo upstream.
. "$top_srcdir/tests/lib.sh"

start_upstreams

start_standin "$SCEN/port0.json" || exit 1

# data.py's checks, each counted here (run_checks).
run_checks data.py timeout 300 python3 "$top_srcdir/tests/toxiproxy/data.py" \
	"$(ctl_addr)" "$UP"

kill -0 "$PID" 2>/dev/null
expect_eq "standin still runs" "$?" 0
done_testing
