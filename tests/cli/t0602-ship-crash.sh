#!/bin/sh
# SIGKILL at every crash point of an install that arrives over HTTP from
# ladder deploy: after a restart the node runs the old or the new version,
# whole, never a mix.  Deterministic: LADDER_AGENT_CRASH_AT=K makes the agent
# kill itself at its K-th crash point; K runs over all of them.  (The local
# install, rollback and health-revert paths: tests/unit/test-agent-crash.c.)
. "${0%/*}/lib.sh"
. "$LADDER_SRC/tests/cli/ship.sh"

setup_ladder || { not_ok "setup"; exit 1; }
"$LADDER" pack -q plan1.json -o b1 -k key --valid-days 36500 &&
"$LADDER" pack -q plan2.json -o b2 -k key --valid-days 36500 || { not_ok "pack"; exit 1; }
AG="$LADDER agent -q -t key.pub -n cloud-1"
$AG -r tmpl1 --install b1/cloud-1.tar >/dev/null || not_ok "template 1"

trials=0
bad=0

# check ROOT ALLOWED...: recovery, then the active version is one of ALLOWED and whole.
check() {
	r=$1; shift
	$AG -r "$r" --status >st 2>st.err || { echo "# status failed: $(cat st.err)"; return 1; }
	e=$(sed -n 's/^  "epoch": \(.*\),$/\1/p' st)
	case " $* " in *" $e "*) ;; *) echo "# epoch '$e' not in: $*"; return 1 ;; esac
	[ -z "$(ls -A "$r/staging")" ] && [ ! -e "$r/journal" ] || { echo "# leftovers"; return 1; }
	[ "$e" = null ] && { [ ! -e "$r/current" ] || return 1; return 0; }
	grep -q '"intact": true' st || { echo "# not intact"; return 1; }
	[ "$(readlink "$r/current")" = "versions/$e" ] || return 1
	grep -q "^  \"epoch\": $e,$" "$r/current/manifest.json" || { echo "# manifest epoch"; return 1; }
	grep -o '"path": "blobs/[0-9a-f]*"' "$r/current/manifest.json" | cut -d/ -f2 | tr -d '"' | sort >want
	ls "$r/current/blobs" | sort >have
	cmp -s want have || { echo "# blobs differ from the manifest"; return 1; }
	for b in $(cat have); do
		[ "$(sha256sum <"$r/current/blobs/$b" | cut -c1-64)" = "$b" ] || { echo "# blob $b damaged"; return 1; }
	done
	return 0
}

# After a failed health check the node is back on 1.
rm -rf r && cp -a tmpl1 r && $AG -r r --health-cmd 'test "$LADDER_EPOCH" != 2' --install b2/cloud-1.tar >out
if grep -q '"reverted"' out && check r 1; then ok "failed health check reverts"; else not_ok "failed health check reverts" "$(cat out)"; fi
grep -q '"health-revert"' r/state.json && ok "revert is in the history" || not_ok "revert is in the history"

cp "$DATA/cloud2.json" .
"$LADDER" pack -q cloud2.json -o b2h -k key --valid-days 36500 || not_ok "pack cloud2.json"
k=1
while [ $k -le 40 ]; do
	rm -rf root-cloud-1 && cp -a tmpl1 root-cloud-1
	LADDER_AGENT_CRASH_AT=$k start_agent cloud-1 || break
	sed -e "s/127.0.0.1:7001/127.0.0.1:$(port cloud-1)/" cloud2.json >p2.json
	timeout 60 "$LADDER" deploy -q p2.json -b b2h --retries 0 --json >dep.json 2>/dev/null
	drc=$?
	stop_agent cloud-1
	trials=$((trials + 1))
	if ! check root-cloud-1 1 2; then
		bad=$((bad + 1))
		not_ok "http: crash at point $k left the node mixed"
	fi
	[ $drc -eq 0 ] && break
	k=$((k + 1))
done
echo "# kill trials over HTTP: $trials, bad: $bad"
if [ $k -ge 10 ] && [ $bad -eq 0 ]; then ok "http upload: $((k - 1)) crash points, each came back old or new"; else not_ok "http upload crash trials" "$k points, $bad bad"; fi
