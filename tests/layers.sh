#!/usr/bin/env bash
# layers.sh: the build's objects keep the one-way rule (tests/layers.py):
# no two files of sim/ call each other, directly or through others, and no
# step of the pipeline uses one above it. The checker itself is shown to
# find a loop, so that a pass means something.
. "$top_srcdir/tests/lib.sh"

objdir=${top_builddir:?}/sim
out=$(python3 "$top_srcdir/tests/layers.py" "$objdir" 2>&1)
rc=$?
expect_eq "no cycle and no upward call among sim/'s objects" "$rc" 0
[ "$rc" -eq 0 ] || printf '#   %s\n' "$out"

# Two objects that call each other: the checker must say so.
mkdir -p "$TMP/loop"
printf 'int b(void);\nint a(void) { return b(); }\n' >"$TMP/loop/x.c"
printf 'int a(void);\nint b(void) { return a(); }\n' >"$TMP/loop/y.c"
(cd "$TMP/loop" && ${CC:-cc} -c x.c y.c)
out=$(python3 "$top_srcdir/tests/layers.py" "$TMP/loop" 2>&1)
expect_eq "a loop between two objects is found" "$?" 1
expect_match "... and named" "$out" 'cycle: x, y'

# A far end that calls back up into the connection: found.
mkdir -p "$TMP/up"
printf 'void conn_close(void) {}\n' >"$TMP/up/conn.c"
printf 'void conn_close(void);\nvoid persona_x(void) { conn_close(); }\n' >"$TMP/up/persona.c"
(cd "$TMP/up" && ${CC:-cc} -c conn.c persona.c)
out=$(python3 "$top_srcdir/tests/layers.py" "$TMP/up" 2>&1)
expect_eq "a far end calling the connection is found" "$?" 1
expect_match "... and named" "$out" 'never farend -> wire'
done_testing
