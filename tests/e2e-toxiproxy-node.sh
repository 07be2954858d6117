#!/usr/bin/env bash
# e2e-toxiproxy-node.sh: a real Toxiproxy client drives standin's
# Toxiproxy-compatible API. toxiproxy-node-client (npm, 4.x) is installed
# from the npm registry into this test's own temporary folder, and
# tests/toxiproxy/node-client.mjs makes every call of its API against
# `standin serve` (control API on port 0), checking the answers as
# Toxiproxy 2.12.0 gives them (shared/reference/toxiproxy-api.md).
#
# No node, no npm, or no registry is a failure, not a skip: CI installs
# the client from the registry (setup.sh installs nodejs and npm).
. "$top_srcdir/tests/lib.sh"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	not_ok "node and npm are installed (setup.sh installs nodejs and npm)"
	done_testing
fi
major=$(node -e 'console.log(process.versions.node.split(".")[0])')
if [ "$major" -lt 18 ]; then
	not_ok "node is 18 or later (toxiproxy-node-client uses fetch)" "node $(node --version)"
	done_testing
fi

if ! npm install --no-audit --no-fund --prefix "$TMP/npm" toxiproxy-node-client@4 \
	>"$TMP/npm.log" 2>&1; then
	not_ok "toxiproxy-node-client@4 installs from the npm registry (is it reachable?)" \
		"$(tail -n 5 "$TMP/npm.log")"
	done_testing
fi
ver=$(jq -r .version "$TMP/npm/node_modules/toxiproxy-node-client/package.json")
expect_match "toxiproxy-node-client 4.x installed ($ver)" "$ver" '^4\.'

start_upstreams
ECHO=$(jq -r .echo "$UP")

start_standin "$SCEN/port0.json" || exit 1
CTL=$(ctl_addr)

# The script's checks, each counted here (run_checks).
run_checks node-client.mjs node "$top_srcdir/tests/toxiproxy/node-client.mjs" \
	"http://$CTL" "$ECHO" "$TMP/npm/node_modules"

# The server is still well after all that.
kill -0 "$PID" 2>/dev/null
expect_eq "standin still runs" "$?" 0
done_testing
