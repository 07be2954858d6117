# lib.sh: shared by the end-to-end tests. Each test sources it, starts
# `standin serve` on port 0 with a ready file, drives it with real clients
# and reports "N passed, M failed".
#
# Environment (set by `make check`): STANDIN (the binary), top_srcdir.
# STANDIN_WRAPPER, if set, runs standin under a tool (e.g. valgrind).
set -u
: "${STANDIN:?STANDIN must name the standin binary}"
: "${top_srcdir:?top_srcdir must be set}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/standin-test.XXXXXX")
SCEN=$top_srcdir/tests/scenarios
PID=
passed=0
failed=0

VIA_PID=
UPID=
cleanup() {
	[ -n "$VIA_PID" ] && kill "$VIA_PID" 2>/dev/null
	[ -n "$UPID" ] && kill "$UPID" 2>/dev/null
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() {
	passed=$((passed + 1))
	echo "ok - $1"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
}

# expect_eq DESCRIPTION ACTUAL EXPECTED
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      $2" "expected: $3"; fi
}

# expect_match DESCRIPTION ACTUAL REGEX (extended)
expect_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "got:      $2" "expected to match: $3"; fi
}

# expect_le DESCRIPTION ACTUAL MAX (integers)
expect_le() {
	if [ "$2" -le "$3" ]; then ok "$1"; else not_ok "$1" "got $2, expected at most $3"; fi
}

# via_proxy SCENARIO: with VIA_PROXY set, the fault suites run through
# proxy mode: a second standin serves the scenario's personas (and stubs)
# without faults or TLS, and the standin under test is the same scenario
# with each service a proxy ("protocol": "http") in front of its persona,
# keeping its listen, tls, timeouts and every fault: $TMP/via-proxy.json.
via_proxy() {
	local up=$TMP/via-upstream.json i
	jq '{ standin, seed: (.seed // 1), stubs: (.stubs // []),
	      services: (.services | map_values(
	        { persona, versions, users_from } | with_entries(select(.value != null))
	        + { listen: "127.0.0.1:0" })) }' "$1" >"$up"
	"$STANDIN" serve "$up" --no-control --ready-file "$TMP/via-ready.json" -q \
		>/dev/null 2>"$TMP/via-upstream.log" &
	VIA_PID=$!
	for i in $(seq 1 400); do [ -s "$TMP/via-ready.json" ] && break; sleep 0.025; done
	jq --slurpfile r "$TMP/via-ready.json" '
	  .services |= with_entries(.value = (
	    { listen: (.value.listen // "127.0.0.1:0"), upstream: $r[0].services[.key],
	      protocol: "http" }
	    + (.value | with_entries(select(.key == "tls" or .key == "idle_timeout"
	        or .key == "request_timeout"))))) | del(.stubs)' "$1" >"$TMP/via-proxy.json"
}

# start_upstreams: tests/upstream.py's raw TCP upstreams, each on a port
# of its own, killed on exit; UP names its ready file ({"echo": ADDR, ...}).
start_upstreams() {
	UP=$TMP/up.json
	python3 "$top_srcdir/tests/upstream.py" "$UP" &
	UPID=$!
	for _ in $(seq 1 200); do [ -s "$UP" ] && break; sleep 0.025; done
}

# start_standin SCENARIO [SERVE-ARGS...]: start it and wait for the ready file.
start_standin() {
	local i
	READY=$TMP/ready.json
	LOG=$TMP/standin.log
	rm -f "$READY"
	if [ -n "${VIA_PROXY:-}" ] && [ $# -gt 0 ] && [ -f "$1" ]; then
		via_proxy "$1"
		shift
		set -- "$TMP/via-proxy.json" "$@"
	fi
	# shellcheck disable=SC2086
	# The control API on a port of its own (a test may say otherwise).
	${STANDIN_WRAPPER:-} "$STANDIN" serve --control 127.0.0.1:0 "$@" \
		--ready-file "$READY" 2>"$LOG" &
	PID=$!
	for i in $(seq 1 400); do
		[ -s "$READY" ] && return 0
		if ! kill -0 "$PID" 2>/dev/null; then
			echo "standin exited before it was ready:" >&2
			cat "$LOG" >&2
			return 1
		fi
		sleep 0.025
	done
	echo "standin was not ready after 10s" >&2
	cat "$LOG" >&2
	return 1
}

# addr NAME: the bound HOST:PORT of a service, from the ready file.
addr() {
	jq -r --arg n "$1" '.services[$n]' "$READY"
}

# ctl_addr: the control API's HOST:PORT, from the ready file.
ctl_addr() {
	jq -r '.control' "$READY"
}

# stop_standin: SIGTERM, wait, and set STATUS to its exit code.
stop_standin() {
	STATUS=
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null
	wait "$PID"
	STATUS=$?
	PID=
}

# http METHOD URL [CURL-ARGS...]: sets CODE and BODY (and HEADERS).
http() {
	local method=$1 url=$2
	shift 2
	CODE=$(curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' \
		-X "$method" --max-time 10 "$@" "$url")
	BODY=$(cat "$TMP/body")
	HEADERS=$(tr -d '\r' <"$TMP/headers")
}

# header NAME: a header of the last http response.
header() {
	printf '%s\n' "$HEADERS" | grep -i "^$1:" | head -n 1 | sed 's/^[^:]*: *//'
}

# raw HOST:PORT: send stdin as raw bytes, print all that comes back until the
# server closes (or 5s pass).
raw() {
	local host=${1%:*} port=${1##*:}
	{
		exec 3<>"/dev/tcp/$host/$port" || return 1
		cat >&3
		timeout 5 cat <&3
		exec 3<&-
	}
}

# run_checks NAME COMMAND...: run a script that prints "ok - ..." and
# "not ok - ..." lines and "# done" last; count each here, and fail the
# test if it stops early or exits non-zero (NAME says which script).
run_checks() {
	local name=$1 rc finished= line
	shift
	"$@" >"$TMP/checks.out" 2>"$TMP/checks.err"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) failed=$((failed + 1)); echo "$line" ;;
		"# done") finished=1 ;;
		*) echo "$line" ;;
		esac
	done <"$TMP/checks.out"
	if [ -n "$finished" ] && [ "$rc" -eq 0 ]; then
		ok "$name ran to its end"
	else
		not_ok "$name ran to its end" "exit $rc" "$(tail -n 20 "$TMP/checks.err")"
	fi
}

done_testing() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
