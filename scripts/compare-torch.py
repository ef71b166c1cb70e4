#!/usr/bin/python3
"""compare-torch.py: run each exported model with `ladder run` and compare with torch.

  /usr/bin/python3 scripts/compare-torch.py [--models DIR] [--ladder BIN] [--tol 1e-3] [MODEL...]

Error = max |ladder - torch| / max |torch| (relative to the largest reference
value: random-weight outputs can be ~1e-9, so per-element relative error is
meaningless).  Exit 1 if any model is above the tolerance or fails to run.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="build/models")
    ap.add_argument("--ladder", default="build/ladder")
    ap.add_argument("--tol", type=float, default=1e-3)
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    names = a.names or sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(a.models, "*.onnx")))
    bad = 0
    print("%-16s %-14s %12s %12s  %s" % ("model", "output", "max|ref|", "rel.err", "result"))
    for name in names:
        model = os.path.join(a.models, name + ".onnx")
        inp = os.path.join(a.models, name + ".input.npy")
        ref = np.load(os.path.join(a.models, name + ".ref.npy"))
        with tempfile.TemporaryDirectory() as out:
            r = subprocess.run([a.ladder, "run", model, "-i", inp, "-o", out],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print("%-16s %-14s %12s %12s  FAIL %s" % (name, "-", "-", "-", r.stderr.strip()))
                bad += 1
                continue
            got = np.load(glob.glob(os.path.join(out, "*.npy"))[0])
        scale = float(np.abs(ref).max())
        if got.shape != ref.shape:
            print("%-16s shape %s, expected %s  FAIL" % (name, got.shape, ref.shape))
            bad += 1
            continue
        err = float(np.abs(got.astype(np.float64) - ref).max()) / (scale if scale > 0 else 1.0)
        ok = err <= a.tol
        bad += 0 if ok else 1
        time = [l for l in r.stdout.splitlines() if l.startswith("time")]
        print("%-16s %-14s %12.4g %12.3g  %s  %s" % (name, str(tuple(ref.shape)), scale, err,
                                                   "ok" if ok else "FAIL", time[0] if time else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
