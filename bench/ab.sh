#!/usr/bin/env bash
# bench/ab.sh A B: two standin binaries side by side in one run (an A/B
# comparison before and after a change): GET /v1/users/{id} and
# POST /v1/donations, in alternating rounds (A B, B A, ...) so that drift of
# the machine falls on both. With two or more cores the server is pinned to
# core 0 and wrk to core 1. Prints each round and the medians, B/A ratios.
#
#   git worktree add /tmp/base HEAD~3 && (cd /tmp/base && ./setup.sh build)
#   bench/ab.sh /tmp/base/build/standin build/standin
#
# Environment: AB_ROUNDS (default 5), AB_SECONDS (GET, default 5),
# AB_POST_SECONDS (default 2: the store holds 100,000 donations), AB_CONNS
# (default 50). Not part of `make check`.
set -euo pipefail
A=${1:?usage: ab.sh STANDIN_A STANDIN_B}
B=${2:?usage: ab.sh STANDIN_A STANDIN_B}
here=$(cd "$(dirname "$0")" && pwd)
rounds=${AB_ROUNDS:-5}
secs=${AB_SECONDS:-5}
post_secs=${AB_POST_SECONDS:-2}
conns=${AB_CONNS:-50}
command -v wrk >/dev/null || { echo "ab.sh: needs wrk (./setup.sh bench installs it)" >&2; exit 69; }

srv_pin= cli_pin=
if [ "$(nproc)" -ge 2 ]; then srv_pin="taskset -c 0"; cli_pin="taskset -c 1"; fi

tmp=$(mktemp -d /tmp/standin-ab.XXXXXX)
spid=
cleanup() {
	if [ -n "$spid" ]; then kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; fi
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT

# rps URL SECONDS [WRK-ARGS]: wrk's requests per second.
rps() {
	local url=$1 s=$2
	shift 2
	$cli_pin wrk -t1 -c"$conns" -d"${s}s" "$@" "$url" | awk '/^Requests\/sec/ {print $2}'
}

# one BINARY: start it, measure GET then POST, stop it; prints "get post".
one() {
	rm -f "$tmp/ready.json"
	$srv_pin "$1" serve "$here/scenario.json" --no-control --ready-file "$tmp/ready.json" -q &
	spid=$!
	while [ ! -s "$tmp/ready.json" ]; do sleep 0.01; done
	local ums fin g p
	ums=$(jq -r .services.ums "$tmp/ready.json")
	fin=$(jq -r .services.fin "$tmp/ready.json")
	g=$(rps "http://$ums/v1/users/u1001" "$secs")
	p=$(rps "http://$fin/v1/donations" "$post_secs" -s "$here/post-donation.lua")
	kill "$spid"; wait "$spid" || true; spid=
	echo "$g $p"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$tmp/a" ; : >"$tmp/b"
echo "ab: A=$A"
echo "ab: B=$B"
echo "ab: $rounds rounds, wrk -t1 -c$conns, GET ${secs}s, POST ${post_secs}s${srv_pin:+, server on core 0, wrk on core 1}"
printf '%-6s %12s %12s %12s %12s\n' round "A GET" "B GET" "A POST" "B POST"
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) -eq 1 ]; then
		read -r ag ap < <(one "$A"); read -r bg bp < <(one "$B")
	else
		read -r bg bp < <(one "$B"); read -r ag ap < <(one "$A")
	fi
	echo "$ag $ap" >>"$tmp/a"; echo "$bg $bp" >>"$tmp/b"
	printf '%-6s %12s %12s %12s %12s\n' "$r" "$ag" "$bg" "$ap" "$bp"
done
mag=$(cut -d' ' -f1 "$tmp/a" | median); map=$(cut -d' ' -f2 "$tmp/a" | median)
mbg=$(cut -d' ' -f1 "$tmp/b" | median); mbp=$(cut -d' ' -f2 "$tmp/b" | median)
printf '%-6s %12s %12s %12s %12s\n' median "$mag" "$mbg" "$map" "$mbp"
awk -v a="$mag" -v b="$mbg" -v c="$map" -v d="$mbp" \
	'BEGIN { printf "B/A: GET %.3f, POST %.3f\n", b / a, d / c }'
