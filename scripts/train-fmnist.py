#!/usr/bin/python3
# train-fmnist.py: trains the example Fashion-MNIST model family (five models of
# clearly different cost and accuracy) and exports them as ONNX.
#
#   /usr/bin/python3 scripts/train-fmnist.py [--out tests/data/fmnist] [--samples DIR]
#
# Needs Debian's python3-torch, python3-onnx, python3-numpy and
# dataset-fashion-mnist.  Seeds are fixed and torch runs on 2 threads, so a
# rerun on the same machine gives the same models.  Retraining is never needed
# by `make check` or `make demo`: the ONNX files and accuracy.json are committed.
#
# Preprocessing is exactly what `ladder profile` does: pixel / 255 as float32,
# layout NCHW [N,1,28,28], no mean/std.
#
# Outputs (under --out):
#   models/NAME.onnx        opset 13, input "input" float32 [N,1,28,28] (N symbolic),
#                           output "logits" float32 [N,10]; mexit also has "exit1".
#   accuracy.json           test accuracy torch saw per model and output.
# With --samples DIR also (not committed; about 400 KB per output):
#   DIR/labels.npy          int32 [10000] test labels
#   DIR/NAME.npy            float32 [10000,10] raw logits per test image
#                           (NAME-exit1.npy for the early exit)
import argparse
import gzip
import hashlib
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:
        sys.exit(f"train-fmnist: '{path}': not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    a = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return a.reshape(dims)


def load(split):
    x = read_idx(f"{DATA}/{split}-images-idx3-ubyte.gz")
    y = read_idx(f"{DATA}/{split}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(x.astype(np.float32) / np.float32(255.0)).unsqueeze(1)
    return x, torch.from_numpy(y.astype(np.int64))


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout),
                         nn.ReLU(), nn.MaxPool2d(2))


class Linear(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class CNNSmall(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv_bn(1, 8), conv_bn(8, 16))
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class CNNWide(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv_bn(1, 24), conv_bn(24, 48), conv_bn(48, 64))
        self.fc = nn.Linear(64 * 3 * 3, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class MultiExit(nn.Module):
    """A CNN with an early exit after its first block: outputs (exit1, logits)."""

    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16)
        self.exit_pool = nn.MaxPool2d(2)
        self.exit_fc = nn.Linear(16 * 7 * 7, 10)
        self.trunk = nn.Sequential(conv_bn(16, 32), conv_bn(32, 64))
        self.fc = nn.Linear(64 * 3 * 3, 10)

    def forward(self, x):
        h = self.stem(x)
        exit1 = self.exit_fc(torch.flatten(self.exit_pool(h), 1))
        logits = self.fc(torch.flatten(self.trunk(h), 1))
        return exit1, logits


# name, class, epochs, learning rate
FAMILY = [
    ("linear", Linear, 3, 2e-3),
    ("mlp", MLP, 4, 2e-3),
    ("cnn-small", CNNSmall, 3, 3e-3),
    ("mexit", MultiExit, 3, 3e-3),
    ("cnn-wide", CNNWide, 4, 3e-3),
]


def outputs_of(model, x):
    out = model(x)
    return out if isinstance(out, tuple) else (out,)


def train(name, cls, epochs, lr, xtr, ytr):
    torch.manual_seed(1234)
    model = cls()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(xtr) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    g = torch.Generator().manual_seed(4321)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        total = 0.0
        for i in range(0, len(xtr), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = sum(F.cross_entropy(o, ytr[idx]) for o in outputs_of(model, xtr[idx]))
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        print(f"  {name}: epoch {epoch + 1}/{epochs} loss {total / len(xtr):.4f}", flush=True)
    model.eval()
    return model


def count_macs(model, x):
    """MACs of one image: Conv and Linear layers (what dominates; BN/ReLU/pool ignored)."""
    macs = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1] * (mod.in_channels // mod.groups)
            macs[0] += out.numel() * k
        elif isinstance(mod, nn.Linear):
            macs[0] += mod.in_features * mod.out_features

    hs = [m.register_forward_hook(hook) for m in model.modules()
          if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(x[:1])
    for h in hs:
        h.remove()
    return macs[0]


def main():
    ap = argparse.ArgumentParser(description="train the example Fashion-MNIST model family")
    ap.add_argument("--out", default="tests/data/fmnist")
    ap.add_argument("--samples", default=None,
                    help="also write per-sample test outputs (.npy) here")
    ap.add_argument("--only", default=None, help="comma-separated model names")
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(1234)
    np.random.seed(1234)
    t0 = time.time()
    xtr, ytr = load("train")
    xte, yte = load("t10k")
    os.makedirs(f"{args.out}/models", exist_ok=True)
    if args.samples:
        os.makedirs(args.samples, exist_ok=True)
        np.save(f"{args.samples}/labels.npy", yte.numpy().astype(np.int32))

    report = []
    for name, cls, epochs, lr in FAMILY:
        if args.only and name not in args.only.split(","):
            continue
        t = time.time()
        model = train(name, cls, epochs, lr, xtr, ytr)
        train_s = time.time() - t
        with torch.no_grad():
            outs = [torch.cat(o) for o in zip(*(outputs_of(model, xte[i:i + 1000])
                                                for i in range(0, len(xte), 1000)))]
        out_names = ["exit1", "logits"] if len(outs) == 2 else ["logits"]
        acc = {n: float((o.argmax(1) == yte).float().mean()) for n, o in zip(out_names, outs)}
        path = f"{args.out}/models/{name}.onnx"
        torch.onnx.export(model, xte[:1], path, opset_version=13,
                          input_names=["input"], output_names=out_names,
                          dynamic_axes={"input": {0: "N"}, **{n: {0: "N"} for n in out_names}},
                          do_constant_folding=True)
        if args.samples:
            for n, o in zip(out_names, outs):
                stem = name if n == "logits" else f"{name}-{n}"
                np.save(f"{args.samples}/{stem}.npy", o.numpy().astype(np.float32))
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        entry = {"name": name, "file": f"models/{name}.onnx", "sha256": sha,
                 "params": sum(p.numel() for p in model.parameters()),
                 "macs": count_macs(model, xte), "epochs": epochs,
                 "train_seconds": round(train_s, 1), "accuracy": acc}
        if name == "mexit":
            # The early exit alone: the stem, the exit pool and its classifier.
            entry["macs_exit1"] = (count_macs(model.stem, xte) +
                                   model.exit_fc.in_features * model.exit_fc.out_features)
        report.append(entry)
        print(f"{name}: {acc} macs {entry['macs']} in {train_s:.0f} s", flush=True)

    doc = {"schema": "ladder.fmnist-accuracy/1", "dataset": "fashion-mnist t10k (10000 images)",
           "preprocess": {"scale": 1 / 255, "mean": [0.0], "std": [1.0],
                          "layout": "NCHW", "dtype": "float32"},
           "torch": torch.__version__, "threads": 2,
           "total_seconds": round(time.time() - t0, 1), "models": report}
    acc_path = f"{args.out}/accuracy.json"
    if args.only and os.path.exists(acc_path):
        # Retrained a few: keep the others' records, in family order.
        old = {m["name"]: m for m in json.load(open(acc_path))["models"]}
        old.update({m["name"]: m for m in report})
        doc["models"] = [old[n] for n, *_ in FAMILY if n in old]
        doc["total_seconds"] = round(sum(m["train_seconds"] for m in doc["models"]), 1)
    if True:
        with open(acc_path, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
    print(f"total {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
