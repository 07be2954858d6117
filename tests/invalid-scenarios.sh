#!/bin/sh
# invalid-scenarios.sh: every file in tests/scenarios/invalid/ is refused by
# `standin check` with exit 65 and exactly the message in the .err file
# beside it; a good scenario is accepted.
#
# Environment (set by `make check`): STANDIN (the binary), top_srcdir.
# Writes only to a temporary directory.
set -u
: "${STANDIN:?STANDIN must name the standin binary}"
: "${top_srcdir:?top_srcdir must be set}"

MIN_CASES=25
DIR=$top_srcdir/tests/scenarios/invalid
TMP=$(mktemp -d "${TMPDIR:-/tmp}/standin-invalid.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
ncases=0

ok() {
	passed=$((passed + 1))
	echo "ok - $1"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok - $1"
}

for json in "$DIR"/*.json; do
	[ -f "$json" ] || continue
	ncases=$((ncases + 1))
	case=$(basename "$json" .json)
	if [ ! -f "$DIR/$case.err" ]; then
		not_ok "$case: no $case.err beside $case.json"
		continue
	fi
	(cd "$DIR" && "$STANDIN" check "$case.json") >"$TMP/out" 2>"$TMP/err"
	status=$?
	if [ "$status" -ne 65 ]; then
		not_ok "$case: exit status $status, expected 65"
		sed 's/^/#   /' "$TMP/err"
		continue
	fi
	if [ -s "$TMP/out" ]; then
		not_ok "$case: wrote to stdout"
		sed 's/^/#   /' "$TMP/out"
		continue
	fi
	if ! cmp -s "$DIR/$case.err" "$TMP/err"; then
		not_ok "$case: stderr differs from $case.err"
		diff -u "$DIR/$case.err" "$TMP/err" | sed 's/^/#   /'
		continue
	fi
	ok "$case"
done

if [ "$ncases" -lt "$MIN_CASES" ]; then
	not_ok "at least $MIN_CASES invalid cases (found $ncases)"
else
	ok "$ncases invalid cases"
fi

good=$top_srcdir/scenarios/healthy.json
"$STANDIN" check "$good" >"$TMP/out" 2>"$TMP/err"
status=$?
if [ "$status" -eq 0 ] && [ ! -s "$TMP/err" ]; then
	ok "scenarios/healthy.json is accepted"
else
	not_ok "scenarios/healthy.json: exit status $status, expected 0"
	sed 's/^/#   /' "$TMP/err"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
exit 0
