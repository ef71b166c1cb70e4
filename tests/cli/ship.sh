# ship.sh: helpers for the pack/deploy/agent tests (t06NN).  Source after lib.sh.
# Agents run on 127.0.0.1 with ports the kernel picks (--port-file); every
# process started here is killed on exit.  Waiting polls with a bounded count.

TOOLS="$LADDER_SRC/${LADDER_BUILD:-build}/tests/tools"
DATA="$LADDER_SRC/tests/data/ship"
: >"$T/pids"
ship_cleanup() {
	for p in $(cat "$T/pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap 'ship_cleanup; rm -rf "$T"' EXIT INT TERM

# wait_for CMD...: polls CMD up to 200 times (10 ms apart); fails if it never succeeds.
wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		"$@" 2>/dev/null && return 0
		i=$((i + 1))
		sleep 0.01
	done
	return 1
}

# start_agent NODE [ARGS...]: agent for NODE with root $T/root-NODE; port in $T/NODE.port.
start_agent() {
	node=$1; shift
	rm -f "$T/$node.port"
	"$LADDER" agent -l 127.0.0.1:0 --port-file "$T/$node.port" -r "$T/root-$node" -t "$T/key.pub" \
	    -n "$node" "$@" 2>>"$T/agent-$node.log" &
	echo $! >>"$T/pids"
	eval "pid_$(echo "$node" | tr -c 'a-z0-9\n' '_')=$!"
	wait_for test -s "$T/$node.port" || { echo "# agent $node did not start"; cat "$T/agent-$node.log"; return 1; }
}

stop_agent() {
	p=$(eval echo "\$pid_$(echo "$1" | tr -c 'a-z0-9\n' '_')")
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}

port() { cat "$T/$1.port"; }

# make_plan IN OUT: the test plan with the agents' real ports.
make_plan() {
	sed -e "s/127.0.0.1:7001/127.0.0.1:$(port cloud-1)/" -e "s/127.0.0.1:7002/127.0.0.1:$(port hub-1)/" \
	    -e "s/127.0.0.1:7003/127.0.0.1:$(port cam-1)/" "$1" >"$2"
}

# setup_ladder: copies the test ladder and plans to $T, makes a key and a token.
setup_ladder() {
	cp -r "$DATA/ladder" "$DATA/plan1.json" "$DATA/plan2.json" "$T/" &&
	"$LADDER" keygen -q -o "$T/key" &&
	printf 'test-token-0123456789abcdef\n' >"$T/token"
}

# json_get FILE EXPR: jq-free field access through the ladder-free python? No: use sed on
# our own fixed-layout JSON.  status_epoch NODE prints the agent's active epoch.
status_epoch() {
	curl -sf "http://127.0.0.1:$(port "$1")/status" | sed -n 's/^  "epoch": \([0-9a-z]*\),$/\1/p'
}
