#!/usr/bin/python3
# synthetic-profile.py: a SYNTHETIC profile.json (and ladder.json) for the
# Fashion-MNIST family, from the per-sample outputs train-fmnist.py wrote.
# Latencies and energy are modelled from MACs, not measured; it exists so that
# `ladder thresholds` can be developed and tested without `ladder profile`.
#
#   /usr/bin/python3 scripts/synthetic-profile.py --samples tests/data/fmnist/samples \
#       --out DIR [--subset N] [--hardware2]
#
# Writes DIR/profile.json, DIR/ladder.json, DIR/samples/<rung sha256>.npy and
# DIR/samples/labels-<data sha256>.npy.  --subset N keeps every (10000/N)-th
# test image; --hardware2 adds a modelled Raspberry-Pi-like device tier.
import argparse
import hashlib
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FMNIST = os.path.join(HERE, "..", "tests", "data", "fmnist")

# name, tier, cost_per_hour, GMAC/s, fixed overhead ms, power idle/active, modelled, speed
HARDWARE = [
    ("this-machine", "edge-dc", 0.05, 2.0, 0.02, 20.0, 65.0, False, 1.0),
    ("rpi4", "device", 0.004, 0.24, 0.10, 2.7, 6.4, True, 0.12),
]


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def main():
    ap = argparse.ArgumentParser(description="write a synthetic profile.json")
    ap.add_argument("--samples", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--subset", type=int, default=0)
    ap.add_argument("--hardware2", action="store_true")
    ap.add_argument("--fmnist", default=FMNIST, help="where accuracy.json and models/ are")
    args = ap.parse_args()

    acc = json.load(open(os.path.join(args.fmnist, "accuracy.json")))
    labels = np.load(os.path.join(args.samples, "labels.npy")).astype(np.int32)
    keep = np.arange(len(labels))
    if args.subset:
        keep = keep[:: max(1, len(labels) // args.subset)][: args.subset]
    labels = labels[keep]
    os.makedirs(os.path.join(args.out, "samples"), exist_ok=True)

    rungs = []  # (name, sha, macs, params, bytes, outputs file)
    for m in acc["models"]:
        path = os.path.join(args.fmnist, m["file"])
        data = open(path, "rb").read()
        sha = sha256_bytes(data)
        rungs.append((m["name"], sha, m["macs"], m["params"], len(data), m["name"] + ".npy",
                      m["file"], None))
        if "macs_exit1" in m:
            # No ONNX of its own (ladder generate's exit recipe makes one);
            # its identity here is a hash of the parent's hash: synthetic.
            esha = sha256_bytes((sha + ":exit1").encode())
            rungs.append((m["name"] + "-exit1", esha, m["macs_exit1"], 0, 0,
                          m["name"] + "-exit1.npy", None, m["name"]))
    rungs.sort(key=lambda r: r[2])

    data_sha = sha256_bytes(labels.tobytes())
    np.save(os.path.join(args.out, "samples", f"labels-{data_sha}.npy"), labels)
    hw = HARDWARE if args.hardware2 else HARDWARE[:1]
    prof = {"schema": "ladder.profile/1", "synthetic": True, "hardware": [], "data": [
        {"name": "fashion-mnist-test", "sha256": data_sha, "samples": int(len(labels)),
         "classes": 10, "preprocess": {"scale": 1 / 255, "mean": [0.0], "std": [1.0],
                                       "layout": "NCHW", "dtype": "float32"}}],
        "entries": []}
    for name, tier, cph, gmacs, over, pidle, pact, modelled, speed in hw:
        prof["hardware"].append({
            "name": name, "tier": tier, "fingerprint": sha256_bytes(name.encode()),
            "cpu_model": "synthetic", "cores": 2, "memory_mb": 4096, "accelerator": None,
            "cost_per_hour": cph, "power_w": {"idle": pidle, "active": pact},
            "libs": {"ladder": "0.1.0"}, "modelled": modelled,
            "modelled_from": "this-machine" if modelled else None, "speed_factor": speed})
    for name, sha, macs, params, nbytes, outfile, _, _ in rungs:
        out = np.load(os.path.join(args.samples, outfile)).astype(np.float32)[keep]
        np.save(os.path.join(args.out, "samples", f"{sha}.npy"), out)
        top1 = float((out.argmax(1) == labels).mean())
        top5 = float((np.argsort(-out, 1)[:, :5] == labels[:, None]).any(1).mean())
        for hname, tier, cph, gmacs, over, pidle, pact, modelled, speed in hw:
            ms = over + macs / (gmacs * 1e6)
            prof["entries"].append({
                "rung": name, "sha256": sha, "hardware": hname, "data": data_sha,
                "runner": "builtin", "threads": 1, "batch": 1, "load_ms": 1.0,
                "latency_ms": {"min": ms * 0.95, "p50": ms, "p90": ms * 1.1, "p95": ms * 1.15,
                               "p99": ms * 1.3, "max": ms * 2, "mean": ms * 1.02,
                               "stddev": ms * 0.05, "samples": 1000, "converged": True,
                               "ci_rel_halfwidth": 0.01},
                "offline": [{"batch": 1, "throughput_ips": 1000.0 / ms}],
                "server": {"p99_bound_ms": ms * 1.3, "max_rate_ips": 800.0 / ms},
                "memory": {"arena_bytes": 4 * macs // 100 + 4096, "weight_bytes": 4 * params,
                           "peak_rss_bytes": 8 << 20},
                "energy": {"joules_per_inference": pact * ms / 1000, "source": "modelled"},
                "accuracy": {"top1": top1, "top5": top5, "samples": int(len(labels))},
                "samples": {"outputs": f"samples/{sha}.npy",
                            "labels": f"samples/labels-{data_sha}.npy", "kind": "logits"}})
    with open(os.path.join(args.out, "profile.json"), "w") as f:
        json.dump(prof, f, indent=2)
        f.write("\n")

    lad = {"schema": "ladder.ladder/1", "name": "fmnist", "created_by": "synthetic-profile.py",
           "rungs": []}
    for name, sha, macs, params, nbytes, _, file, parent in rungs:
        outs = [{"name": "logits", "dtype": "float32", "shape": ["N", 10]}]
        lad["rungs"].append({
            "name": name, "file": f"rungs/{name}.onnx", "sha256": sha, "parent": parent,
            "recipe": "exit:exit1" if parent else "from", "params": params, "macs": macs,
            "bytes": nbytes, "weight_bytes": 4 * params,
            "inputs": [{"name": "input", "dtype": "float32", "shape": ["N", 1, 28, 28]}],
            "outputs": outs, "output_kind": "logits", "fidelity": None})
    with open(os.path.join(args.out, "ladder.json"), "w") as f:
        json.dump(lad, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
