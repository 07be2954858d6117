#!/usr/bin/env bash
# style.sh: every C file is formatted as .clang-format says.
. "$top_srcdir/tests/lib.sh"

if ! command -v clang-format >/dev/null; then
	not_ok "clang-format is installed (setup.sh installs it)"
	done_testing
fi
cd "$top_srcdir"
for f in sim/*.c sim/*.h tests/*.c; do
	if clang-format --style=file "$f" | cmp -s - "$f"; then
		ok "$f is formatted"
	else
		not_ok "$f is formatted" "run: clang-format -i $f"
	fi
done
done_testing
