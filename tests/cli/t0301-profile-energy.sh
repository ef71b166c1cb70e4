#!/bin/sh
# ladder profile: measured energy on a fake sysfs tree ($LADDER_SYSFS_ROOT):
# RAPL through a runner that advances the counter by a known amount, and the
# fallback to "modelled" (with the reason under -v) when there is nothing to
# read, the counter does not move or cannot be read.  Never timing.
. "${0%/*}/lib.sh"
D="$LADDER_SRC/tests/data/profile"
FAST="--budget 0.2 -b 1"
SYS="$T/sys"
RAPL="$SYS/class/powercap/intel-rapl:0"
export LADDER_SYSFS_ROOT="$SYS"

mkdir -p "$SYS"
expect_ok "no counters" "$LADDER" profile -v $FAST -d "$D/spec.yaml" -H "$D/hw.yaml" --json -o a.json "$D/tiny.onnx"
expect_grep "no counters: modelled" '"source": "modelled"' a.json
expect_grep "no counters: -v says why" "energy not measured: no RAPL counters under '$SYS/class/powercap'.*modelled from the hardware profile's watts" "$T/err"
expect_grep "no counters: json summary says why" '"energy_note": "no RAPL counters' "$T/out"

mkdir -p "$RAPL"
echo package-0 >"$RAPL/name"
echo 1000 >"$RAPL/energy_uj"
echo 262143328850 >"$RAPL/max_energy_range_uj"
expect_ok "counter that does not move" "$LADDER" profile -v -f $FAST -d "$D/spec.yaml" -H "$D/hw.yaml" -o a.json "$D/tiny.onnx"
expect_grep "still counter: modelled" '"source": "modelled"' a.json
expect_grep "still counter: -v says why" "energy not measured: the RAPL counter readings did not change" "$T/err"
expect_ok "no -v: no energy line" "$LADDER" profile -f $FAST -d "$D/spec.yaml" -H "$D/hw.yaml" -o a.json "$D/tiny.onnx"
grep -q "energy not measured" "$T/err" && not_ok "energy reason only with -v" || ok "energy reason only with -v"

# The runner advances the counter by 400000 µJ per call and reports 40 queries.
export FAKE_RAPL="$RAPL/energy_uj"
echo 262143200000 >"$FAKE_RAPL"	# 128850 µJ below the range: the first call wraps
expect_ok "rapl through a runner" "$LADDER" profile -v -H "$D/hw.yaml" --runner "sh $D/rapl-runner.sh {model}" --json -o r.json "$D/tiny.onnx"
expect_grep "rapl source" '"source": "rapl"' r.json
expect_grep "rapl joules per inference (0.4 J / 40, across the wrap)" '"joules_per_inference": (0\.01|0\.0100000000000000[0-9]*|0\.00999999999999999[0-9]*),$' r.json
expect_grep "rapl in the summary" '"energy_source": "rapl"' "$T/out"
expect_grep "rapl: no energy note" '"energy_note": null' "$T/out"
grep -q "energy not measured" "$T/err" && not_ok "rapl: nothing to explain" || ok "rapl: nothing to explain"
[ "$(cat "$FAKE_RAPL")" = 262143600000 ] && ok "runner ran once" || not_ok "runner ran once" "$(cat "$FAKE_RAPL")"

# energy_uj readable by root only (as on Linux >= 5.10): as nobody it cannot be read.
echo 1000 >"$RAPL/energy_uj"
chmod 0400 "$RAPL/energy_uj"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 0755 "$T" && mkdir -p nb && chmod 0777 nb
else
	AS=
	mkdir -p nb
fi
if [ -n "$AS" ] || [ "$(id -u)" -ne 0 ]; then
	expect_ok "unreadable counter" $AS "$LADDER" profile -v $FAST -d "$D/spec.yaml" -H "$D/hw.yaml" -o nb/p.json "$D/tiny.onnx"
	expect_grep "unreadable: modelled" '"source": "modelled"' nb/p.json
	expect_grep "unreadable: -v says permission denied" "energy not measured: cannot read the RAPL counter '$RAPL/energy_uj': permission denied" "$T/err"
else
	ok "unreadable counter # skip: root without setpriv"
fi

# Without a hardware profile's watts there is nothing to model from.
chmod 0644 "$RAPL/energy_uj"
expect_ok "no watts" "$LADDER" profile -v $FAST -d "$D/spec.yaml" -o w.json "$D/tiny.onnx"
expect_grep "no watts: energy null" '"energy": null' w.json
expect_grep "no watts: -v says unknown" "energy not measured: .*unknown \(no hardware profile with power_w\)" "$T/err"
