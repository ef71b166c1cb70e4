#!/bin/sh
# pack -> deploy -> status -> rollback across three agents on loopback.
. "${0%/*}/lib.sh"
. "$LADDER_SRC/tests/cli/ship.sh"

setup_ladder || { not_ok "setup"; exit 1; }
cd "$T" || exit 1

expect_ok "pack" "$LADDER" pack plan1.json -o b1 -k key --valid-days 36500
expect_ok "pack again" "$LADDER" pack plan1.json -o b1again -k key --valid-days 36500
if cmp -s b1/hub-1.tar b1again/hub-1.tar && cmp -s b1/cam-1.tar b1again/cam-1.tar; then
	ok "packing twice gives identical bytes"
else
	not_ok "packing twice gives identical bytes"
fi
expect_ok "pack zstd" "$LADDER" pack -z plan1.json -o z1 -k key --valid-days 36500
expect_ok "pack zstd again" "$LADDER" pack -z plan1.json -o z1again -k key --valid-days 36500
if cmp -s z1/hub-1.tar.zst z1again/hub-1.tar.zst; then ok "zstd bundles identical"; else not_ok "zstd bundles identical"; fi
run tar tf b1/hub-1.tar
if [ "$(head -2 "$T/out" | tr '\n' ' ')" = "manifest.json manifest.sig " ] && [ "$(grep -c '^blobs/' "$T/out")" -eq 2 ]; then
	ok "manifest first, signature, then blobs"
else
	not_ok "manifest first, signature, then blobs" "$(cat "$T/out")"
fi
tar xOf b1/hub-1.tar manifest.json >manifest.json
expect_grep "manifest binds schema" '"schema": "ladder.bundle/1"' manifest.json
expect_grep "manifest binds routes" '"escalate_to"' manifest.json
expect_fail "pack with a public key fails" 1 "$LADDER" pack plan1.json -o bx -k key.pub
expect_fail "pack without key is a usage error" 2 "$LADDER" pack plan1.json -o bx

for n in cloud-1 hub-1 cam-1; do
	start_agent $n --token token || not_ok "agent $n starts"
done
make_plan plan1.json p1.json
make_plan plan2.json p2.json
"$LADDER" pack -q p1.json -o b1 -k key --valid-days 36500
"$LADDER" pack -q -z p2.json -o b2 -k key --valid-days 36500

expect_ok "deploy epoch 1" timeout 120 "$LADDER" deploy p1.json -b b1 --token token --json --stall-timeout 10
cp out d1.json
expect_grep "all installed" '"ok": true' d1.json
if [ "$(grep -o '"node": "[a-z0-9-]*"' d1.json | tr '\n' ' ')" = '"node": "cloud-1" "node": "hub-1" "node": "cam-1" ' ]; then
	ok "receivers first (cloud, hub, device)"
else
	not_ok "receivers first" "$(cat d1.json)"
fi
for n in cloud-1 hub-1 cam-1; do
	if [ "$(status_epoch $n)" = 1 ]; then ok "$n at epoch 1"; else not_ok "$n at epoch 1" "$(status_epoch $n)"; fi
done

expect_ok "re-deploy unchanged plan" timeout 120 "$LADDER" deploy p1.json -b b1 --token token --json
cp out d1b.json
sent=$(sed -n 's/^  "bytes_sent": \([0-9]*\),$/\1/p' d1b.json)
echo "# unchanged re-deploy sent $sent payload bytes"
if [ "$sent" = 0 ] && [ "$(grep -c '"state": "unchanged"' d1b.json)" -eq 3 ]; then
	ok "unchanged re-deploy sends 0 payload bytes"
else
	not_ok "unchanged re-deploy sends 0 payload bytes" "$(cat d1b.json)"
fi

expect_ok "deploy epoch 2 (zstd bundles)" timeout 120 "$LADDER" deploy p2.json -b b2 --token token --json
cp out d2.json
if grep -q '"node": "hub-1".*"blobs_skipped": 2' d2.json && grep -q '"node": "cloud-1".*"blobs_sent": 1, "blobs_skipped": 0' d2.json; then
	ok "blobs the node has are skipped"
else
	not_ok "blobs the node has are skipped" "$(cat d2.json)"
fi
echo "# epoch 2 deploy sent $(sed -n 's/^  "bytes_sent": \([0-9]*\),$/\1/p' d2.json) bytes"

run curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$(port hub-1)/rollback"
if [ "$(cat out)" = 401 ]; then ok "rollback without token is refused"; else not_ok "rollback without token is refused" "$(cat out)"; fi
run curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer wrong-token-0123456789" "http://127.0.0.1:$(port hub-1)/rollback"
if [ "$(cat out)" = 401 ]; then ok "rollback with a wrong token is refused"; else not_ok "rollback with a wrong token is refused"; fi
run curl -sf -X POST -H "Authorization: Bearer $(cat token)" "http://127.0.0.1:$(port hub-1)/rollback"
expect_grep "rollback answers" '"rolled-back"' out
if [ "$(status_epoch hub-1)" = 1 ] && [ "$(status_epoch cloud-1)" = 2 ]; then ok "hub-1 rolled back to 1"; else not_ok "hub-1 rolled back to 1"; fi
curl -sf "http://127.0.0.1:$(port hub-1)/status" >st.json
expect_grep "status has history" '"event": "rollback"' st.json
expect_grep "status has previous" '"previous": \{' st.json

expect_ok "deploy epoch 2 again converges" timeout 120 "$LADDER" deploy p2.json -b b2 --token token --json
cp out d3.json
if grep -q '"node": "hub-1".*"state": "installed".*"bytes_sent": [1-9]' d3.json && [ "$(grep -c '"state": "unchanged"' d3.json)" -eq 2 ]; then
	ok "only the rolled-back node is re-sent"
else
	not_ok "only the rolled-back node is re-sent" "$(cat d3.json)"
fi
expect_fail "deploying an older epoch fails" 1 timeout 120 "$LADDER" deploy p1.json -b b1 --token token
expect_fail "deploy without the token fails" 1 timeout 120 "$LADDER" deploy p2.json -b b1 --token key.pub
run timeout 120 "$LADDER" deploy p2.json -b b2
if [ "$rc" = 0 ]; then ok "deploy table (no token needed when nothing changes)"; else not_ok "deploy table" "$(cat err)"; fi
expect_grep "table lists nodes" '^hub-1 +hub +unchanged' out
