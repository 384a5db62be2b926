#!/usr/bin/env python3
"""Train a second digits CNN, exported with real BatchNormalization nodes, to Examples/digits_bn/.

It is the labelled companion of Examples/digits/ (same data, same split, same
training recipe) but is exported with ``do_constant_folding=False`` so the
graph keeps what an unfolded PyTorch export looks like: BatchNormalization
nodes, Clip (ReLU6) with its bounds as Constant nodes, HardSwish, AveragePool.

What it makes (under <repo>/Examples/digits_bn/, or --out DIR)
--------------------------------------------------------------
model.onnx        TorchScript exporter (dynamo=False), opset 17, do_constant_folding=False,
                  input  "image" float32 [1,1,8,8] (pixels in [0,1], static batch 1),
                  output "probs" float32 [1,10] (Softmax over the 10 digit classes)
calibration.npy   float32 [200,1,8,8]: 200 training images (the same seeded choice as Examples/digits)
test_inputs.npy   float32 [500,1,8,8]: the held-out test images (identical to Examples/digits)
test_labels.npy   int64 [500]: their labels
README.md         what the model is, how it was made, float test accuracy (onnxruntime)

Data: scikit-learn's bundled ``load_digits`` scaled to [0,1], split exactly as in
train_digits.py (``train_test_split(test_size=500, stratify=y, random_state=0)``,
1,297 train / 500 test); nothing is downloaded.

Architecture (shapes for one image):
  stem     Conv 3x3 1->16 pad 1 + BatchNorm + ReLU6 (Clip 0..6)         [16,8,8]
  block    depthwise Conv 3x3 (groups=16) pad 1 + BN + HardSwish,
           pointwise Conv 1x1 16->16 + BN, residual Add with the
           stem output, ReLU                                           [16,8,8]
  pool     AveragePool 2x2                                             [16,4,4]
  dw2      depthwise Conv 3x3 pad 1 + BN + ReLU6                       [16,4,4]
  pw2      pointwise Conv 1x1 16->24 + BN + HardSwish                  [24,4,4]
  head     Flatten [384], Dropout (identity in eval), Linear -> 10 (Gemm), Softmax

Run (CPU, about 15 seconds):
    python3 toolchain/train_digits_bn.py [--out DIR] [--epochs N]

Deterministic: fixed seeds, torch.use_deterministic_algorithms(True), one
thread; reruns on the same library versions give identical files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import sklearn
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_digits import load_data, ort_session, set_determinism, train  # noqa: E402  same data, split, recipe

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 0
OPSET = 17
MAX_BYTES = 80 * 1024
MIN_ACCURACY = 0.96


class DigitsBNNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.dw1 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False), nn.BatchNorm2d(16),
                                 nn.Hardswish())
        self.pw1 = nn.Sequential(nn.Conv2d(16, 16, 1, bias=False), nn.BatchNorm2d(16))
        self.pool = nn.AvgPool2d(2)
        self.dw2 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False), nn.BatchNorm2d(16),
                                 nn.ReLU6())
        self.pw2 = nn.Sequential(nn.Conv2d(16, 24, 1, bias=False), nn.BatchNorm2d(24), nn.Hardswish())
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(24 * 4 * 4, 10)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        s = self.stem(x)
        x = F.relu(s + self.pw1(self.dw1(s)))  # residual Add
        x = self.pool(x)
        x = self.pw2(self.dw2(x))
        return self.fc(self.drop(torch.flatten(x, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.softmax(self.logits(x), dim=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "Examples", "digits_bn"))
    ap.add_argument("--epochs", type=int, default=40)
    args = ap.parse_args()
    set_determinism(SEED)
    t0 = time.perf_counter()

    x_tr, y_tr, x_te, y_te = load_data()
    print(f"train {len(x_tr)}, test {len(x_te)}")
    model = DigitsBNNet()
    train(model, x_tr, y_tr, args.epochs)
    model.eval()
    with torch.no_grad():
        torch_acc = float((model(torch.from_numpy(x_te)).argmax(1).numpy() == y_te).mean())
    print(f"torch test accuracy: {torch_acc:.4f}")

    os.makedirs(args.out, exist_ok=True)
    warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
    model_path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(
        model, (torch.zeros(1, 1, 8, 8),), model_path,
        input_names=["image"], output_names=["probs"],
        opset_version=OPSET, dynamo=False, do_constant_folding=False,
    )
    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    m = onnx.load(model_path)
    ops: dict[str, int] = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    n_params = sum(int(np.prod(t.dims)) for t in m.graph.initializer)
    required = ("BatchNormalization", "Conv", "Add", "AveragePool", "HardSwish", "Clip", "Gemm", "Softmax")
    missing = [op for op in required if op not in ops]
    depthwise = sum(1 for n in m.graph.node if n.op_type == "Conv"
                    and any(a.name == "group" and a.i > 1 for a in n.attribute))

    # Calibration: 200 training images, the same seeded choice as train_digits.py.
    rng = np.random.default_rng(SEED)
    cal_idx = np.sort(rng.choice(len(x_tr), 200, replace=False))
    calibration = np.ascontiguousarray(x_tr[cal_idx], dtype=np.float32)
    np.save(os.path.join(args.out, "calibration.npy"), calibration)
    np.save(os.path.join(args.out, "test_inputs.npy"), np.ascontiguousarray(x_te, dtype=np.float32))
    np.save(os.path.join(args.out, "test_labels.npy"), y_te.astype(np.int64))

    sess = ort_session(model_path)
    probs = np.concatenate([sess.run(None, {"image": x_te[i:i + 1]})[0] for i in range(len(x_te))])
    ort_acc = float((probs.argmax(1) == y_te).mean())
    n_right = int((probs.argmax(1) == y_te).sum())
    with torch.no_grad():
        torch_probs = model(torch.from_numpy(x_te)).numpy()
    max_diff = float(np.abs(torch_probs - probs).max())
    size = os.path.getsize(model_path)
    print(f"onnxruntime test accuracy: {ort_acc:.4f} ({n_right}/500); max |torch - ort| {max_diff:.2e}")
    print(f"model.onnx: {size} bytes, {n_params} initializer elements, {depthwise} depthwise Conv; "
          f"ops {dict(sorted(ops.items()))}")
    status = 0
    if missing:
        print(f"error: exported graph lacks {missing}", file=sys.stderr)
        status = 1
    if size >= MAX_BYTES:
        print(f"error: model.onnx is {size} bytes, not under {MAX_BYTES}", file=sys.stderr)
        status = 1
    if ort_acc < MIN_ACCURACY:
        print(f"error: test accuracy {ort_acc:.4f} is below {MIN_ACCURACY}", file=sys.stderr)
        status = 1

    op_table = "\n".join(f"| {k} | {v} |" for k, v in sorted(ops.items()))
    readme = f"""# digits_bn: the digits CNN with unfolded BatchNorm, HardSwish, ReLU6 and AveragePool

A second 10-class classifier of 8x8 handwritten digits, on exactly the data and split of `Examples/digits/`
(scikit-learn's bundled `load_digits`). The difference is the export: `do_constant_folding=False` at opset
{OPSET}, so the file keeps the node kinds a plain PyTorch export has before any folding: **BatchNormalization**
nodes ({ops.get("BatchNormalization", 0)}), ReLU6 as **Clip** with its bounds in **Constant** nodes, **HardSwish**,
**AveragePool**, {depthwise} depthwise Conv, a residual **Add**, **Gemm** and **Softmax**. It is a labelled
example for quantizers that must fold BatchNorm themselves.

Made by `python3 toolchain/train_digits_bn.py` (deterministic: fixed seeds, one thread,
`torch.use_deterministic_algorithms(True)`; torch {torch.__version__}, onnx {onnx.__version__},
onnxruntime {ort.__version__}, scikit-learn {sklearn.__version__}). Rerun it to regenerate every file here.

## Files

| file | content |
|---|---|
| `model.onnx` | the trained model, {size:,} bytes, opset {OPSET}, TorchScript exporter (`dynamo=False`, `do_constant_folding=False`) |
| `calibration.npy` | float32 [200,1,8,8]: 200 training images (the same seeded choice as `Examples/digits/`), for quantization |
| `test_inputs.npy` | float32 [500,1,8,8]: the held-out test images (identical to `Examples/digits/`) |
| `test_labels.npy` | int64 [500]: their labels (0..9) |

Input `image`: float32 [1,1,8,8] (NCHW, static batch 1), pixel/16 so values are in [0,1].
Output `probs`: float32 [1,10], softmax probabilities; the predicted digit is the argmax.

## Data and training

- Split: `train_test_split(test_size=500, stratify=labels, random_state=0)`: 1,297 train / 500 test images,
  stratified by class (the functions of `train_digits.py` are reused).
- Training: Adam (lr 3e-3, weight decay 1e-4, cosine schedule), {args.epochs} epochs, batch 32, cross-entropy on
  the logits, random +-1 pixel shifts as augmentation, dropout 0.2 before the classifier. CPU, about 15 seconds.
- Export in eval mode with `do_constant_folding=False`: BatchNorm stays as BatchNormalization nodes with its
  running statistics as initializers. Dropout disappears in eval export.

## Architecture

```
image [1,1,8,8]
stem:  Conv 3x3 1->16 pad 1, BN, ReLU6 (Clip 0..6)               [1,16,8,8]  = s
block: depthwise Conv 3x3 (group 16) pad 1, BN, HardSwish;
       pointwise Conv 1x1 16->16, BN; Add(s, .); ReLU            [1,16,8,8]
AveragePool 2x2                                                  [1,16,4,4]
depthwise Conv 3x3 (group 16) pad 1, BN, ReLU6                   [1,16,4,4]
pointwise Conv 1x1 16->24, BN, HardSwish                         [1,24,4,4]
Flatten [1,384]; Linear (Gemm) 384->10, Softmax                  [1,10]
```

{n_params:,} initializer elements. ONNX nodes:

| op | count |
|---|---|
{op_table}

## Accuracy

Float accuracy on the 500 test images, measured with onnxruntime {ort.__version__} on the exported `model.onnx`
(one image at a time, CPU): **{ort_acc * 100:.1f}%** ({n_right}/500). PyTorch on the same
images: {torch_acc * 100:.1f}%; largest |torch - onnxruntime| probability difference {max_diff:.1e}.
"""
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(readme)
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
