#!/usr/bin/env bash
# prom-check.sh: tests/prom-check.py, the validator the metrics tests use,
# accepts good Prometheus text, refuses every broken case in
# tests/prom/invalid/ (each CASE.prom with CASE.err beside it: every line of
# CASE.err must appear in what it prints), and its --expect assertions pass
# and fail as they should.
. "$top_srcdir/tests/lib.sh"

MIN_CASES=15
PY=/usr/bin/python3 # Debian's, with python3-prometheus-client
CHECK=$top_srcdir/tests/prom-check.py
DIR=$top_srcdir/tests/prom

# check [ARGS...] < FILE: run the validator; sets RC and ERR.
check() {
	"$PY" "$CHECK" "$@" 2>"$TMP/err" >/dev/null
	RC=$?
	ERR=$(cat "$TMP/err")
}

check <"$DIR/valid.prom"
expect_eq "valid.prom passes" "$RC:$ERR" "0:"

check --expect 'standin_connections_total>=6' \
	--expect 'standin_connections_total{service="ums"}==4' \
	--expect 'standin_connections_total{service="ums",outcome="reset"}==1' \
	--expect 'standin_connections_total{service="nobody"}==0' \
	--expect 'standin_phase{phase="bad \"deploy\"\\\n"}==1' \
	--expect 'standin_request_duration_seconds_count{service="ums"}>2' \
	--expect 'standin_request_duration_seconds_bucket{le="+Inf"}==3' \
	--expect 'standin_phase_changes_total != 3' <"$DIR/valid.prom"
expect_eq "expectations that hold pass" "$RC:$ERR" "0:"

check --expect 'standin_connections_total{service="ums"}>=5' <"$DIR/valid.prom"
expect_eq "an expectation that fails: exit 1" "$RC" 1
expect_match "... and says what it got" "$ERR" \
	'standin_connections_total\{service="ums"\} >= 5: got 4'

check --expect 'standin_phase{phase="healthy"}==1' \
	--expect 'standin_phase_changes_total<2' <"$DIR/valid.prom"
expect_eq "two failing expectations: both reported" \
	"$(printf '%s\n' "$ERR" | grep -c -- '--expect')" 2

check --expect 'standin_no_such_total>=0' <"$DIR/valid.prom"
expect_eq "an expectation on an undeclared metric fails" "$RC" 1
expect_match "... naming it" "$ERR" 'standin_no_such_total: no such metric'

check --expect 'standin_phase_changes_total' <"$DIR/valid.prom"
expect_eq "a malformed --expect is a usage error (2)" "$RC" 2

ncases=0
for prom in "$DIR"/invalid/*.prom; do
	[ -f "$prom" ] || continue
	ncases=$((ncases + 1))
	case=$(basename "$prom" .prom)
	if [ ! -f "$DIR/invalid/$case.err" ]; then
		not_ok "$case: no $case.err beside $case.prom"
		continue
	fi
	check <"$prom"
	if [ "$RC" -ne 1 ]; then
		not_ok "$case: exit status $RC, expected 1" "$ERR"
		continue
	fi
	missing=
	while IFS= read -r want; do
		printf '%s\n' "$ERR" | grep -qF -- "$want" || missing=$want
	done <"$DIR/invalid/$case.err"
	if [ -n "$missing" ]; then
		not_ok "$case: says \"$missing\"" "got: $ERR"
	else
		ok "$case is refused"
	fi
done
if [ "$ncases" -ge "$MIN_CASES" ]; then
	ok "$ncases invalid cases"
else
	not_ok "at least $MIN_CASES invalid cases (found $ncases)"
fi

done_testing
