#!/usr/bin/env bash
# docs.sh: the docs say of the fault catalogue what the binary says. The
# generated parts of docs/faults.md and docs/scenario-format.md must be
# exactly what `standin faults --markdown` prints (docs/generate.sh puts
# it there: run `make update-docs`), and the checker is shown to catch a
# hand edit, so that a pass means something.
. "$top_srcdir/tests/lib.sh"

gen=$top_srcdir/docs/generate.sh
md=$("$STANDIN" faults --markdown)
expect_eq "faults --markdown: exits 0" "$?" 0
for block in catalogue fields; do
	expect_match "faults --markdown: block $block opens" "$md" \
		"^<!-- BEGIN standin faults --markdown: $block "
	expect_match "faults --markdown: block $block closes" "$md" \
		"^<!-- END standin faults --markdown: $block -->\$"
done
"$STANDIN" faults --markdown extra >/dev/null 2>&1
expect_eq "faults --markdown with an argument: 64" "$?" 64

# Each type's row says what it takes, from the same table the validator
# reads: the faults that damage the persona's answer take no "at".
for t in drip truncate malformed schema_drift; do
	expect_match "faults --markdown: $t takes match, not at" "$md" "^\| \`$t\` \|.*\| \`match\` \|\$"
done
for t in status delay empty garbage timeout; do
	expect_match "faults --markdown: $t takes match and at" "$md" "^\| \`$t\` \|.*\| \`match\`, \`at\` \|\$"
done
expect_match "faults --markdown: the tls layer is there" "$md" '^### tls: '
cat >"$TMP/drip-at.json" <<'JSON'
{ "standin": 1, "services": { "ums": { "persona": "ums", "listen": "127.0.0.1:0" } },
  "faults": [ { "layer": "http", "type": "drip", "at": "response" } ] }
JSON
err=$("$STANDIN" check "$TMP/drip-at.json" 2>&1)
expect_eq "and the validator agrees: at on drip is refused" "$?" 65
expect_eq "... saying so" "$err" "$TMP/drip-at.json: /faults/0/at: http \"drip\" faults do not take \"at\""

# The committed docs are what the binary prints.
for doc in docs/faults.md docs/scenario-format.md; do
	name=$(basename "$doc")
	cp "$top_srcdir/$doc" "$TMP/$name"
	sh "$gen" "$STANDIN" "$TMP/$name"
	expect_eq "$doc: generate.sh runs" "$?" 0
	if cmp -s "$top_srcdir/$doc" "$TMP/$name"; then
		ok "$doc is what standin faults --markdown prints"
	else
		not_ok "$doc is what standin faults --markdown prints" \
			"run: make update-docs" \
			"$(diff -u "$top_srcdir/$doc" "$TMP/$name" | head -n 40)"
	fi
	expect_match "$doc: has a generated block" "$(cat "$top_srcdir/$doc")" \
		'^<!-- BEGIN standin faults --markdown: '
done

# A hand edit inside a generated block is found and undone; text outside
# the blocks is kept.
sed 's/^| `drip` |\(.*\)| `match` |$/| `drip` |\1| `match`, `at` |/; s/^# Faults$/# Faults (edited)/' \
	"$top_srcdir/docs/faults.md" >"$TMP/edited.md"
expect_eq "the hand edit took" "$(grep -c '^| `drip` |.*| `match`, `at` |$' "$TMP/edited.md")" 1
sh "$gen" "$STANDIN" "$TMP/edited.md"
expect_eq "a hand edit in a generated block is undone" \
	"$(grep -c '^| `drip` |.*| `match`, `at` |$' "$TMP/edited.md")" 0
expect_eq "text outside the blocks is kept" "$(head -n 1 "$TMP/edited.md")" "# Faults (edited)"

# A block the binary does not print, or one left open: an error, and the
# file is left alone.
printf 'x\n<!-- BEGIN standin faults --markdown: nosuch -->\n<!-- END standin faults --markdown: nosuch -->\n' >"$TMP/unknown.md"
cp "$TMP/unknown.md" "$TMP/unknown.orig"
err=$(sh "$gen" "$STANDIN" "$TMP/unknown.md" 2>&1)
expect_eq "an unknown block: exit 1" "$?" 1
expect_match "... named" "$err" 'no generated block named "nosuch"'
expect_eq "... and the file unchanged" "$(cmp -s "$TMP/unknown.md" "$TMP/unknown.orig" && echo same)" same
printf '<!-- BEGIN standin faults --markdown: fields -->\nx\n' >"$TMP/open.md"
err=$(sh "$gen" "$STANDIN" "$TMP/open.md" 2>&1)
expect_eq "a block left open: exit 1" "$?" 1
expect_match "... named" "$err" 'generated block "fields" is not closed'
done_testing
