#!/bin/sh
# A connection cut mid-upload resumes at the offset; canary and failure
# percentage stop a rollout; file:// drops into an agent's inbox; https with
# verification on.
. "${0%/*}/lib.sh"
. "$LADDER_SRC/tests/cli/ship.sh"

setup_ladder || { not_ok "setup"; exit 1; }
cp "$DATA/cloud1.json" "$DATA/cloud2.json" .

# Cut: the agent drops the connection once after 3000 bytes of the upload.
LADDER_AGENT_CUT_AFTER=3000 start_agent cloud-1 --token token
sed "s/127.0.0.1:7001/127.0.0.1:$(port cloud-1)/" cloud1.json >c1.json
"$LADDER" pack -q c1.json -o b1 -k key --valid-days 36500
expect_ok "deploy through a cut connection" timeout 120 "$LADDER" deploy c1.json -b b1 --token token --json
cp out cut.json
echo "# $(grep '"node"' cut.json)"
if grep -q '"state": "installed".*"resumed_from": 3000, "attempts": 2' cut.json; then
	ok "upload resumed at byte 3000 on the second attempt"
else
	not_ok "upload resumed at byte 3000" "$(cat cut.json)"
fi
bundle=$(wc -c <b1/cloud-1.tar)
sent=$(sed -n 's/^  "bytes_sent": \([0-9]*\),$/\1/p' cut.json)
echo "# bundle $bundle bytes, sent $sent bytes over both attempts"
if [ "$sent" -lt $((bundle * 2)) ]; then ok "resume did not start over"; else not_ok "resume did not start over" "sent $sent of $bundle"; fi
grep -q 'cutting the upload at byte 3000' agent-cloud-1.log && ok "the agent really cut" || not_ok "the agent really cut"
stop_agent cloud-1

# Canary: the first node (cloud) is down, so nothing else is attempted.
start_agent hub-1
start_agent cam-1
sed -e "s/127.0.0.1:7001/127.0.0.1:1/" -e "s/127.0.0.1:7002/127.0.0.1:$(port hub-1)/" \
    -e "s/127.0.0.1:7003/127.0.0.1:$(port cam-1)/" plan1.json >down.json
"$LADDER" pack -q down.json -o bd -k key --valid-days 36500
run timeout 120 "$LADDER" deploy down.json -b bd --retries 1 --json
if [ "$rc" = 1 ] && grep -q '"node": "cloud-1".*"state": "failed"' out && [ "$(grep -c '"state": "skipped"' out)" = 2 ]; then
	ok "failed canary stops the rollout"
else
	not_ok "failed canary stops the rollout" "exit $rc" "$(cat out err)"
fi
run timeout 120 "$LADDER" deploy down.json -b bd --retries 0 --max-failures 50 --json
if [ "$rc" = 1 ] && [ "$(grep -c '"state": "installed"' out)" = 2 ]; then
	ok "--max-failures 50 goes on past one failure in three"
else
	not_ok "--max-failures 50 goes on" "$(cat out)"
fi

# file://: the bundle lands in the agent's inbox; the agent installs it.
mkdir -p root-file
start_agent dc-1 -r root-file
"$LADDER" agent -q -r root-file -t key.pub -n dc-1 --status >/dev/null
cat >f.json <<EOT
{"schema": "ladder.plan/1", "epoch": 3, "created": "2026-11-22T17:00:00Z",
 "inputs": {"ladder": {"path": "ladder/ladder.json", "sha256": "0"}},
 "status": "optimal",
 "nodes": [{"id": "dc-1", "tier": "edge-dc", "hardware": "dc", "address": "file://$T/root-file", "instances": 1,
   "rungs": [{"name": "cnn", "sha256": "$(sha256sum <ladder/rungs/cnn.onnx | cut -c1-64)", "file": "rungs/cnn.onnx"}],
   "routes": []}]}
EOT
"$LADDER" pack -q f.json -o bf -k key --valid-days 36500
expect_ok "deploy to file://" timeout 60 "$LADDER" deploy f.json -b bf --json
expect_grep "file:// node queued" '"state": "queued"' out
if wait_for grep -q '"epoch": 3,' root-file/status.json; then ok "agent picked the bundle from its inbox"; else not_ok "agent picked the bundle from its inbox"; fi
expect_ok "file:// re-deploy" timeout 60 "$LADDER" deploy f.json -b bf --json
expect_grep "file:// re-deploy sends nothing" '"bytes_sent": 0,' out

# https: verification is on; the agent's certificate is trusted only with --cacert.
if command -v openssl >/dev/null 2>&1 &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
	if start_agent edge-1 --tls-cert tls.crt --tls-key tls.key; then
		cat >h.json <<EOT
{"schema": "ladder.plan/1", "epoch": 1, "created": "2026-11-22T17:00:00Z",
 "inputs": {"ladder": {"path": "ladder/ladder.json", "sha256": "0"}},
 "nodes": [{"id": "edge-1", "tier": "edge-dc", "address": "https://127.0.0.1:$(port edge-1)", "rungs": [], "routes": []}]}
EOT
		"$LADDER" pack -q h.json -o bh -k key --valid-days 36500
		run timeout 60 "$LADDER" deploy h.json -b bh --retries 0
		if [ "$rc" = 1 ] && grep -qi 'certificate' out; then ok "https: unknown certificate refused"; else not_ok "https: unknown certificate refused" "$(cat out err)"; fi
		expect_ok "https with --cacert" timeout 60 "$LADDER" deploy h.json -b bh --cacert tls.crt
		expect_grep "https node installed" 'edge-1 +edge-dc +installed' out
	else
		ok "# SKIP https: this libmicrohttpd has no TLS"
	fi
else
	ok "# SKIP https: no openssl to make a certificate"
fi
