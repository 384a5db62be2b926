#!/usr/bin/env python3
"""Train the small digits CNN and write Mote's example model to Examples/digits/.

What it makes (under <repo>/Examples/digits/, or --out DIR)
-----------------------------------------------------------
model.onnx        the trained CNN, TorchScript exporter (dynamo=False), opset 13,
                  input  "image" float32 [1,1,8,8] (pixels in [0,1], static batch 1),
                  output "probs" float32 [1,10] (Softmax over the 10 digit classes)
calibration.npy   float32 [200,1,8,8]: 200 training images (seeded choice) for quantization
test_inputs.npy   float32 [500,1,8,8]: the held-out test images
test_labels.npy   int64 [500]: their labels
README.md         what the model is, how it was made, float test accuracy (onnxruntime)

Data: scikit-learn's bundled ``load_digits`` (1,797 8x8 grayscale images, 10
classes, pixel values 0..16, scaled here to [0,1]); nothing is downloaded.
Fixed stratified split (``train_test_split(test_size=500, stratify=y,
random_state=0)``): 1,297 train / 500 test.

Architecture (shapes for one image):
  stem     Conv 3x3 1->16 pad 1 + BatchNorm + ReLU               [16,8,8]
  block    depthwise Conv 3x3 (groups=16) pad 1 + BN + ReLU,
           pointwise Conv 1x1 16->16 + BN, residual Add with the
           stem output, ReLU                                     [16,8,8]
  pool     MaxPool 2x2                                           [16,4,4]
  dw2      depthwise Conv 3x3 pad 1 + BN + ReLU                  [16,4,4]
  pw2      pointwise Conv 1x1 16->32 + BN + ReLU                 [32,4,4]
  head     GlobalAveragePool and Flatten of the 4x4 map, both    [32] + [512]
           concatenated, Dropout (identity in eval), Linear -> 10, Softmax

Run (CPU, about 15 seconds):
    python3 toolchain/train_digits.py [--out DIR] [--epochs N]

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
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 0
OPSET = 13


def set_determinism(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)


class DigitsNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.dw1 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.pw1 = nn.Sequential(nn.Conv2d(16, 16, 1, bias=False), nn.BatchNorm2d(16))
        self.pool = nn.MaxPool2d(2)
        self.dw2 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.pw2 = nn.Sequential(nn.Conv2d(16, 32, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(32 + 32 * 4 * 4, 10)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        s = self.stem(x)
        x = F.relu(s + self.pw1(self.dw1(s)))  # residual Add
        x = self.pool(x)
        x = self.pw2(self.dw2(x))
        g = torch.flatten(self.gap(x), 1)      # GlobalAveragePool + Flatten
        f = torch.flatten(x, 1)                # Flatten
        return self.fc(self.drop(torch.cat([g, f], dim=1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.softmax(self.logits(x), dim=1)


def load_data():
    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=500, stratify=y, random_state=SEED)
    return x_tr, y_tr, x_te, y_te


def shift_augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random +-1 pixel translation (zero fill), one shift per image."""
    n = x.shape[0]
    padded = F.pad(x, (1, 1, 1, 1))
    dy = torch.randint(0, 3, (n,), generator=gen)
    dx = torch.randint(0, 3, (n,), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + 8, dx[i]:dx[i] + 8]
    return out


def train(model: nn.Module, x_tr: np.ndarray, y_tr: np.ndarray, epochs: int, augment=shift_augment,
          batch: int = 32, lr: float = 3e-3, weight_decay: float = 1e-4, seed: int = SEED) -> None:
    """Adam (L2 weight decay), cosine schedule, cross-entropy on ``model.logits``; ``augment(x, gen)`` per batch.

    The defaults are the digits recipe; train_digits_bn.py and train_mnist1d.py reuse it."""
    gen = torch.Generator().manual_seed(seed)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total, correct, loss_sum = 0, 0, 0.0
        for b in range(0, len(xt), batch):
            idx = perm[b:b + batch]
            xb, yb = augment(xt[idx], gen), yt[idx]
            logits = model.logits(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            total += len(idx)
        sched.step()
        if epoch % 10 == 9 or epoch == epochs - 1:
            print(f"epoch {epoch + 1:3d}: loss {loss_sum / total:.4f}, train acc (augmented) {correct / total:.4f}")


def ort_session(path: str) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "Examples", "digits"))
    ap.add_argument("--epochs", type=int, default=40)
    args = ap.parse_args()
    set_determinism(SEED)
    t0 = time.perf_counter()

    x_tr, y_tr, x_te, y_te = load_data()
    print(f"train {len(x_tr)}, test {len(x_te)}")
    model = DigitsNet()
    train(model, x_tr, y_tr, args.epochs)
    model.eval()
    with torch.no_grad():
        torch_acc = float((model(torch.from_numpy(x_te)).argmax(1).numpy() == y_te).mean())
    print(f"torch test accuracy: {torch_acc:.4f}")

    os.makedirs(args.out, exist_ok=True)
    # The TorchScript exporter is deprecated in favour of dynamo=True (which needs onnxscript); it is the one asked for.
    warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
    model_path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(
        model, (torch.zeros(1, 1, 8, 8),), model_path,
        input_names=["image"], output_names=["probs"],
        opset_version=OPSET, dynamo=False, do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    m = onnx.load(model_path)
    ops: dict[str, int] = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    bn_state = ("kept as BatchNormalization nodes" if "BatchNormalization" in ops
                else "folded into the Conv weights and biases by the exporter")
    n_params = sum(int(np.prod(t.dims)) for t in m.graph.initializer)

    # Calibration: 200 training images, seeded choice without replacement.
    rng = np.random.default_rng(SEED)
    cal_idx = np.sort(rng.choice(len(x_tr), 200, replace=False))
    calibration = np.ascontiguousarray(x_tr[cal_idx], dtype=np.float32)
    np.save(os.path.join(args.out, "calibration.npy"), calibration)
    np.save(os.path.join(args.out, "test_inputs.npy"), np.ascontiguousarray(x_te, dtype=np.float32))
    np.save(os.path.join(args.out, "test_labels.npy"), y_te.astype(np.int64))

    sess = ort_session(model_path)
    probs = np.concatenate([sess.run(None, {"image": x_te[i:i + 1]})[0] for i in range(len(x_te))])
    ort_acc = float((probs.argmax(1) == y_te).mean())
    with torch.no_grad():
        torch_probs = model(torch.from_numpy(x_te)).numpy()
    max_diff = float(np.abs(torch_probs - probs).max())
    size = os.path.getsize(model_path)
    print(f"onnxruntime test accuracy: {ort_acc:.4f} ({int(round(ort_acc * 500))}/500); "
          f"max |torch - ort| {max_diff:.2e}")
    print(f"model.onnx: {size} bytes, {n_params} initializer elements; ops {dict(sorted(ops.items()))}; "
          f"BatchNorm {bn_state}")
    if size >= 60 * 1024:
        print("warning: model.onnx is not under 60 KB", file=sys.stderr)

    op_table = "\n".join(f"| {k} | {v} |" for k, v in sorted(ops.items()))
    readme = f"""# digits: a small CNN for Mote's examples

A 10-class classifier of 8x8 grayscale handwritten digits (scikit-learn's bundled `load_digits`, a copy of the
UCI "Optical Recognition of Handwritten Digits" test set: 1,797 images, pixel values 0..16). Small enough to read
by hand, yet it has the layer kinds Mote must handle on real models: regular, depthwise and pointwise
convolutions, BatchNorm, ReLU, a residual Add, MaxPool, GlobalAveragePool, Flatten, Concat, Gemm and Softmax.

Made by `python3 toolchain/train_digits.py` (deterministic: fixed seeds, one thread,
`torch.use_deterministic_algorithms(True)`; torch {torch.__version__}, onnx {onnx.__version__},
onnxruntime {ort.__version__}, scikit-learn {sklearn.__version__}). Rerun it to regenerate every file here.

## Files

| file | content |
|---|---|
| `model.onnx` | the trained model, {size:,} bytes, opset {OPSET}, TorchScript exporter (`dynamo=False`) |
| `calibration.npy` | float32 [200,1,8,8]: 200 training images (seeded choice), for quantization |
| `test_inputs.npy` | float32 [500,1,8,8]: the held-out test images |
| `test_labels.npy` | int64 [500]: their labels (0..9) |

Input `image`: float32 [1,1,8,8] (NCHW, static batch 1), pixel/16 so values are in [0,1].
Output `probs`: float32 [1,10], softmax probabilities; the predicted digit is the argmax.

## Data and training

- Split: `train_test_split(test_size=500, stratify=labels, random_state=0)`: 1,297 train / 500 test images,
  stratified by class.
- Training: Adam (lr 3e-3, weight decay 1e-4, cosine schedule), {args.epochs} epochs, batch 32, cross-entropy on
  the logits, random +-1 pixel shifts as augmentation, dropout 0.2 before the classifier. CPU, about 15 seconds.
- Export in eval mode with `do_constant_folding=True`: BatchNorm was {bn_state}. Dropout disappears in eval
  export.

## Architecture

```
image [1,1,8,8]
stem:  Conv 3x3 1->16 pad 1, BN, ReLU                           [1,16,8,8]  = s
block: depthwise Conv 3x3 (group 16) pad 1, BN, ReLU;
       pointwise Conv 1x1 16->16, BN; Add(s, .); ReLU            [1,16,8,8]
MaxPool 2x2                                                      [1,16,4,4]
depthwise Conv 3x3 (group 16) pad 1, BN, ReLU                    [1,16,4,4]
pointwise Conv 1x1 16->32, BN, ReLU                              [1,32,4,4]
GlobalAveragePool -> Flatten [1,32]  and  Flatten [1,512]; Concat [1,544]
Linear (Gemm) 544->10, Softmax                                   [1,10]
```

{n_params:,} initializer elements. ONNX nodes:

| op | count |
|---|---|
{op_table}

## Accuracy

Float accuracy on the 500 test images, measured with onnxruntime {ort.__version__} on the exported `model.onnx`
(one image at a time, CPU): **{ort_acc * 100:.1f}%** ({int(round(ort_acc * 500))}/500). PyTorch on the same
images: {torch_acc * 100:.1f}%; largest |torch - onnxruntime| probability difference {max_diff:.1e}.
"""
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(readme)
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
