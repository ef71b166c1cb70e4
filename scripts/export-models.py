#!/usr/bin/python3
"""export-models.py: export torchvision models (random weights, fixed seed) to ONNX,
with one input and torch's output as .npy references, for checking `ladder run`.

  /usr/bin/python3 scripts/export-models.py [--out DIR] [--opset N] [MODEL...]

Models: resnet18 mobilenet_v2 squeezenet1_1 efficientnet_b0 vit_tiny (a small
VisionTransformer: 32x32 input, patch 8, 2 layers, 4 heads, width 64).
Writes DIR/NAME.onnx, DIR/NAME.input.npy, DIR/NAME.ref.npy (default DIR:
build/models, git-ignored).  Needs Debian's python3-torch and python3-torchvision.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torchvision


def make(name):
    m = torchvision.models
    if name == "resnet18":
        return m.resnet18(weights=None), (1, 3, 224, 224)
    if name == "mobilenet_v2":
        return m.mobilenet_v2(weights=None), (1, 3, 224, 224)
    if name == "squeezenet1_1":
        return m.squeezenet1_1(weights=None), (1, 3, 224, 224)
    if name == "efficientnet_b0":
        return m.efficientnet_b0(weights=None), (1, 3, 224, 224)
    if name == "vit_tiny":
        from torchvision.models.vision_transformer import VisionTransformer
        vit = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4,
                                hidden_dim=64, mlp_dim=128, num_classes=10)
        # torchvision zero-initialises the head: give it weights so the output says something.
        torch.nn.init.normal_(vit.heads.head.weight, std=0.5)
        return vit, (1, 3, 32, 32)
    raise SystemExit("export-models: unknown model '%s'" % name)


ALL = ["resnet18", "mobilenet_v2", "squeezenet1_1", "efficientnet_b0", "vit_tiny"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build/models")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("models", nargs="*")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(1)
    for name in a.models or ALL:
        torch.manual_seed(a.seed)
        model, shape = make(name)
        model.eval()
        x = torch.rand(*shape)
        with torch.no_grad():
            ref = model(x)
        path = os.path.join(a.out, name + ".onnx")
        # ViT needs LayerNormalization's opset (17) or an expanded LayerNorm; use 17 there.
        opset = max(a.opset, 17) if name.startswith("vit") else a.opset
        torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                          output_names=["logits"], do_constant_folding=True)
        np.save(os.path.join(a.out, name + ".input.npy"), x.numpy())
        np.save(os.path.join(a.out, name + ".ref.npy"), ref.numpy())
        print("%-16s %s  opset %d  output %s  max|ref| %.3g" % (
            name, path, opset, tuple(ref.shape), float(ref.abs().max())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
