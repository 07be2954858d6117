#!/bin/sh
# generate.sh STANDIN FILE...: rewrite the generated parts of the docs.
#
# `STANDIN faults --markdown` prints the fault catalogue as named blocks,
# each between a line starting "<!-- BEGIN standin faults --markdown: NAME"
# and the line "<!-- END standin faults --markdown: NAME -->". In each FILE,
# every block between such lines is replaced by the block of that name as
# the binary prints it; everything else is left as it is. A FILE that names
# a block the binary does not print, or leaves one open, is an error
# (exit 1) and is not changed.
#
# `make update-docs` runs it on docs/faults.md and docs/scenario-format.md;
# tests/docs.sh runs it on copies and fails when they differ.
set -eu
if [ $# -lt 2 ]; then
	echo "usage: generate.sh STANDIN FILE..." >&2
	exit 64
fi
standin=$1
shift
gen=$(mktemp "${TMPDIR:-/tmp}/standin-docs.XXXXXX")
trap 'rm -f "$gen" "$gen.new"' EXIT
"$standin" faults --markdown >"$gen"

for file in "$@"; do
	awk -v gen="$gen" -v file="$file" '
	function name_of(line, what) {
		sub("^<!-- " what " standin faults --markdown: ", "", line)
		sub("[^a-z_].*$", "", line)
		return line
	}
	BEGIN {
		while ((getline line <gen) > 0) {
			if (line ~ /^<!-- BEGIN standin faults --markdown: /)
				cur = name_of(line, "BEGIN")
			if (cur != "")
				block[cur] = block[cur] line "\n"
			if (line ~ /^<!-- END standin faults --markdown: /)
				cur = ""
		}
		close(gen)
	}
	skip == "" && /^<!-- BEGIN standin faults --markdown: / {
		skip = name_of($0, "BEGIN")
		if (!(skip in block)) {
			printf "%s: no generated block named \"%s\"\n", file, skip >"/dev/stderr"
			bad = 1
			exit 1
		}
		printf "%s", block[skip]
		next
	}
	skip != "" {
		if ($0 ~ /^<!-- END standin faults --markdown: / && name_of($0, "END") == skip)
			skip = ""
		next
	}
	{ print }
	END {
		if (!bad && skip != "") {
			printf "%s: generated block \"%s\" is not closed\n", file, skip >"/dev/stderr"
			exit 1
		}
	}' "$file" >"$gen.new"
	cmp -s "$gen.new" "$file" || cat "$gen.new" >"$file"
done
