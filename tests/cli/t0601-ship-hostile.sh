#!/bin/sh
# Hostile bundles are all rejected, and nothing is written outside staging.
. "${0%/*}/lib.sh"
. "$LADDER_SRC/tests/cli/ship.sh"

CRAFT="$TOOLS/ship-craft"
"$LADDER" keygen -q -o key || { not_ok "keygen"; exit 1; }
A="$LADDER agent -q -r root -t key.pub -n hub-1"

"$CRAFT" ok key good1.tar hub-1 1 && expect_ok "a good bundle installs" $A --install good1.tar

# Everything the agent keeps, except its own bookkeeping (history) and the staging area.
snapshot() {
	( cd "$T" && ls -A | grep -vE '[.](tar|log|port|err)$|^(out|err|resp|pids|key|key[.]pub|snap-.*)$'
	  find ./root \( -path ./root/staging -o -path ./root/state.json -o -path ./root/status.json \) -prune \
	    -o -print | sort &&
	  find ./root -path ./root/staging -prune -o -type f ! -name state.json ! -name status.json \
	    -exec sha256sum {} + | sort &&
	  find ./root -type l -printf '%p -> %l\n' | sort )
}
snapshot >snap-before
rm -f /tmp/ladder-evil-absolute

reject() {
	kind=$1 want=$2
	shift 2
	"$CRAFT" "$kind" key "$kind.tar" "$@" 2>craft.err || { not_ok "$kind: crafting failed" "$(cat craft.err)"; return; }
	run $A --install "$kind.tar"
	snapshot >snap-after
	if [ "$rc" -ne 1 ]; then
		not_ok "$kind bundle rejected" "exit $rc" "$(cat err)"
	elif ! grep -qiE -- "$want" err; then
		not_ok "$kind bundle rejected" "message: $(cat err)" "wanted: $want"
	elif ! cmp -s snap-before snap-after; then
		not_ok "$kind bundle rejected" "something changed outside staging" "$(diff snap-before snap-after | head -5)"
	elif [ -e /tmp/ladder-evil-absolute ] || [ -e "$T/evil-traversal" ] || [ -e evil-symlink-target ] ||
	    [ -n "$(ls -A root/staging)" ]; then
		not_ok "$kind bundle rejected" "a file escaped or staging was left behind"
	else
		ok "$kind bundle rejected ($(cut -c1-90 err))"
	fi
}

reject traversal "'\.\.' in path"
reject absolute "absolute path"
reject symlink "symbolic link"
reject hardlink "hard link"
reject device "device"
reject fifo "device or special"
reject duplicate "duplicate entry"
reject unlisted "not listed in the manifest"
reject missing "missing file"
reject hash "hash mismatch"
reject size "has size"
reject bomb "compression ratio"
reject truncated "truncated"
reject badsig "bad signature"
reject tampered "bad signature"
reject node "for node 'not-this-node'"
reject expired "expired"
reject order "must come"
reject badpath "manifest file"
reject ok "older than the active epoch" hub-1 0
"$CRAFT" ok key big.tar hub-1 7
run $A --max-bundle-bytes 10 --install big.tar
if [ "$rc" = 1 ] && grep -q "exceed the limit" err; then ok "size cap enforced"; else not_ok "size cap enforced" "$(cat err)"; fi
printf 'not a tar file at all' >junk.tar
run $A --install junk.tar
if [ "$rc" = 1 ] && [ "$(wc -l <err)" = 1 ]; then ok "junk rejected with one line"; else not_ok "junk rejected" "$(cat err)"; fi

# Equal epoch: a no-op, nothing changes.
run $A --install good1.tar
snapshot >snap-after
if [ "$rc" = 0 ] && grep -q '"unchanged"' out && cmp -s snap-before snap-after; then
	ok "equal epoch is a no-op"
else
	not_ok "equal epoch is a no-op" "$(cat out err)"
fi

# Over HTTP too: the upload is refused with 422 and nothing changes.
start_agent hub-1 -r root
for kind in traversal symlink bomb; do
	size=$(wc -c <"$kind.tar")
	id=$(sha256sum <"$kind.tar" | cut -c1-64)
	code=$(curl -s -o resp -w '%{http_code}' -T "$kind.tar" -H 'Expect:' \
	    "http://127.0.0.1:$(port hub-1)/uploads/$id?offset=0&total=$size")
	snapshot >snap-after
	if [ "$code" = 422 ] && cmp -s snap-before snap-after; then
		ok "$kind over HTTP: 422"
	else
		not_ok "$kind over HTTP: 422" "got $code: $(cat resp)"
	fi
done
code=$(curl -s -o resp -w '%{http_code}' -T good1.tar -H 'Expect:' \
    "http://127.0.0.1:$(port hub-1)/uploads/$(printf '0%.0s' $(seq 64))?offset=0&total=$(wc -c <good1.tar)")
if [ "$code" = 400 ]; then ok "upload whose hash differs from its id: 400"; else not_ok "upload id mismatch" "$code $(cat resp)"; fi
code=$(curl -s -o resp -w '%{http_code}' "http://127.0.0.1:$(port hub-1)/../../etc/passwd")
if [ "$code" = 404 ]; then ok "unknown path: 404"; else not_ok "unknown path: 404" "$code"; fi
