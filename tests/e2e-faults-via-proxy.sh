#!/usr/bin/env bash
# e2e-faults-via-proxy.sh: every connect, stream, tls and http fault
# through proxy mode, by the same suites that prove them on the personas:
# with VIA_PROXY set, lib.sh's start_standin serves each suite's scenario
# as proxies ("protocol": "http", the same listen, tls and faults) in front
# of a second standin serving its personas, and every assertion of the
# suite must hold as it does without the proxy.
set -u
: "${top_srcdir:?top_srcdir must be set}"
rc=0
for t in e2e-connect-faults e2e-stream-faults e2e-http-faults e2e-tls-faults; do
	echo "# $t, through proxy mode"
	VIA_PROXY=1 bash "$top_srcdir/tests/$t.sh" || rc=1
done
exit $rc
