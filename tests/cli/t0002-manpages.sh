#!/bin/sh
# Man pages: `mandoc -T lint` finds no warning or error in any man/* page, and
# for every cli/cmd-NAME.c with a man/ladder-NAME.1 the `ladder NAME -h` usage
# line matches the page's SYNOPSIS (rendered by mandoc; whitespace, line breaks,
# "..." placement and spaces around "|" do not matter).
. "${0%/*}/lib.sh"

if ! command -v mandoc >/dev/null 2>&1; then
	not_ok "mandoc is installed" "install Debian package 'mandoc'"
	exit 0
fi

# Canonical form: one line, single spaces, no ellipses, no spaces inside brackets.
normalize() {
	tr -s ' \t\n' '   ' | sed -e 's/\.\.\.//g' -e 's/ *\]/]/g' -e 's/\[ */[/g' \
	    -e 's/ *| */|/g' -e 's/  */ /g' -e 's/^ //' -e 's/ $//'
}

for page in "$LADDER_SRC"/man/*.[1-9]; do
	name=${page##*/}
	run mandoc -T lint -W warning "$page"
	if [ "$rc" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
		ok "mandoc -T lint: $name"
	else
		not_ok "mandoc -T lint: $name" "$(cat "$T/out" "$T/err" | head -5)"
	fi
done

for src in "$LADDER_SRC"/cli/cmd-*.c; do
	cmd=${src##*/cmd-}
	cmd=${cmd%.c}
	page="$LADDER_SRC/man/ladder-$cmd.1"
	if [ ! -f "$page" ]; then
		echo "# no man page for '$cmd' yet"
		continue
	fi
	# The usage may run over several lines, up to the first empty one.
	"$LADDER" "$cmd" -h 2>&1 | sed -n '1,/^$/p' | sed '1s/^usage: //' | normalize >"$T/usage"
	mandoc -T ascii "$page" | col -b | sed -n '/^SYNOPSIS/,/^[A-Z]/p' | sed -e '1d' -e '$d' |
	    normalize >"$T/synopsis"
	if [ -s "$T/usage" ] && cmp -s "$T/usage" "$T/synopsis"; then
		ok "usage of '$cmd' matches its SYNOPSIS"
	else
		not_ok "usage of '$cmd' matches its SYNOPSIS" "usage:    $(cat "$T/usage")" \
		    "synopsis: $(cat "$T/synopsis")"
	fi
done
