#!/usr/bin/env bash
# e2e-hardening.sh: the defects an attack on standin found, each driven the
# way the attacker drove it, with real sockets against `standin serve` on
# port 0. Each check failed before its fix.
. "$top_srcdir/tests/lib.sh"

# cpu_ticks PID: user + system time of a process so far, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# --- 1. Out of descriptors, the control API pauses instead of spinning ----
start_standin "$SCEN/port0.json" || exit 1
ums=$(addr ums)
ctl=$(ctl_addr)
# Few descriptors: the connections below use them all.
prlimit --pid "$PID" --nofile=40:40
python3 - "$ums" "$ctl" "$TMP/hold.out" <<'PY' &
import socket, sys, time
def conn(a):
    h, p = a.rsplit(":", 1)
    s = socket.socket()
    s.connect((h, int(p)))
    return s
held = [conn(sys.argv[1]) for _ in range(60)]   # more than standin can take
waiting = conn(sys.argv[2])                      # the control API cannot take it
open(sys.argv[3], "w").write("holding\n")
time.sleep(6)
PY
holder=$!
for i in $(seq 1 100); do [ -s "$TMP/hold.out" ] && break; sleep 0.05; done
sleep 1
t0=$(cpu_ticks "$PID")
sleep 2
t1=$(cpu_ticks "$PID")
spins=$(grep -c 'Too many open files' "$LOG")
expect_le "out of descriptors with a client waiting on the control port: under a quarter of a core ($((t1 - t0)) ticks in 2 s)" "$((t1 - t0))" 50
expect_le "... and a few log lines, not a flood ($spins)" "$spins" 20
expect_match "... saying the control API pauses" "$(cat "$LOG")" 'control API: accept on .* failed: Too many open files; pausing for 1s'
wait "$holder"
# The holder is gone, and with it the connections: the control API
# answers again once its pause is over.
sleep 1.2
http GET "http://$ctl/health"
expect_eq "... and once descriptors are free it answers again" "$CODE" 200
stop_standin
expect_eq "... and stops cleanly" "$STATUS" 0

done_testing
