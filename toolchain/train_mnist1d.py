#!/usr/bin/env python3
"""Train a narrow 1-D CNN on MNIST-1D and write Mote's example model to Examples/mnist1d/.

It is the example on which rounding weights to nearest at 4 bits visibly hurts:
a narrow network (10 to 20 channels, so no layer has spare channels that
average rounding errors away) whose stem filters the raw, smooth 40-sample
signal, where neighbouring inputs are strongly correlated, so per-weight
rounding errors do not cancel. The script measures that on the exported model
with a fake quantization (per-output-channel symmetric int4, ±7, scale =
max|w|/7, round to nearest; float activations) and writes it into the README.

What it makes (under <repo>/Examples/mnist1d/, or --out DIR)
------------------------------------------------------------
model.onnx        TorchScript exporter (dynamo=False), opset 13, BatchNorm folded by the exporter,
                  input  "signal" float32 [1,1,40] (static batch 1),
                  output "probs"  float32 [1,10] (Softmax over the 10 classes)
calibration.npy   float32 [200,1,40]: 200 training signals (seeded choice) for quantization
test_inputs.npy   float32 [1000,1,40]: the whole MNIST-1D test split
test_labels.npy   int64 [1000]: their labels
README.md         data, training, float and fake-quantized accuracy (onnxruntime), versions

Data: MNIST-1D (Greydanus 2020, ``pip install mnist1d``), generated locally by
``mnist1d.data.make_dataset(get_dataset_args())`` -- the package's procedural
generator with its default arguments (5,000 signals, seed 42, 4,000 train /
1,000 test, 40 samples each, dataset standardized to mean 0 / std 1); nothing
is downloaded (``get_dataset`` would fetch a pickle; it is not used).

Architecture (shapes for one signal, W = 10):
  stem     Conv 1->W k5 pad 2 + BatchNorm + ReLU                        [W,40]
  down1    Conv W->W k3 stride 2 pad 1 + BN + ReLU                      [W,20]
  block    depthwise Conv k5 (groups=W) pad 2 + BN + ReLU,
           pointwise Conv 1x1 W->W + BN, residual Add with down1, ReLU  [W,20]
  down2    Conv W->2W k3 stride 2 pad 1 + BN + ReLU                     [2W,10]
  conv4    Conv 2W->2W k3 pad 1 + BN + ReLU                             [2W,10]
  head     Flatten [20W], Linear -> 10 (Gemm), Softmax

Run (CPU, about a minute):
    python3 toolchain/train_mnist1d.py [--out DIR] [--epochs N]

Deterministic: fixed seeds, torch.use_deterministic_algorithms(True), one
thread (train_digits.set_determinism); training is train_digits.train (Adam,
cosine schedule) with this data's augmentation; reruns on the same library
versions give identical files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from importlib.metadata import version

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_digits import ort_session, set_determinism, train  # noqa: E402  determinism, recipe, ORT session

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 0
OPSET = 13
WIDTH = 10
EPOCHS = 100
BATCH = 32
LR = 3e-3
WEIGHT_DECAY = 0.0
SHIFT = 3          # augmentation: circular shift by U{-3..3} samples
GAIN = 0.1         # augmentation: amplitude scaled by 1 + U(-0.05, 0.05)
MAX_BYTES = 300 * 1024
MIN_ACCURACY = 0.95
MIN_INT4_DROP = 0.03


def conv_bn_relu(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm1d(cout), nn.ReLU())


class MNIST1DNet(nn.Module):
    def __init__(self, w: int = WIDTH) -> None:
        super().__init__()
        self.stem = conv_bn_relu(1, w, 5)
        self.down1 = conv_bn_relu(w, w, 3, 2)
        self.dw = conv_bn_relu(w, w, 5, groups=w)
        self.pw = nn.Sequential(nn.Conv1d(w, w, 1, bias=False), nn.BatchNorm1d(w))
        self.down2 = conv_bn_relu(w, 2 * w, 3, 2)
        self.conv4 = conv_bn_relu(2 * w, 2 * w, 3)
        self.fc = nn.Linear(2 * w * 10, 10)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        s = self.down1(self.stem(x))
        x = F.relu(s + self.pw(self.dw(s)))  # residual Add
        x = self.conv4(self.down2(x))
        return self.fc(torch.flatten(x, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.softmax(self.logits(x), dim=1)


def load_data():
    """MNIST-1D from the package's generator with its default arguments: (x_tr, y_tr, x_te, y_te), x [N,1,40]."""
    from mnist1d.data import get_dataset_args, make_dataset
    d = make_dataset(get_dataset_args())
    x_tr = d["x"].astype(np.float32)[:, None, :]
    x_te = d["x_test"].astype(np.float32)[:, None, :]
    return x_tr, d["y"].astype(np.int64), x_te, d["y_test"].astype(np.int64)


def shift_gain_augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Per signal: circular shift by U{-SHIFT..SHIFT} samples, amplitude times 1 + U(-GAIN/2, GAIN/2)."""
    n = x.shape[0]
    shifts = torch.randint(-SHIFT, SHIFT + 1, (n,), generator=gen)
    out = torch.stack([torch.roll(x[i], int(shifts[i]), dims=-1) for i in range(n)])
    return out * (1 + GAIN * (torch.rand(n, 1, 1, generator=gen) - 0.5))


def fake_quant_weights(model: onnx.ModelProto, bits: int) -> onnx.ModelProto:
    """Copy of model with every Conv/Gemm weight rounded to nearest on a per-output-channel symmetric grid
    (±(2^(bits-1)-1), scale = max|w| / that); biases and activations stay float."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    qmax = 2 ** (bits - 1) - 1
    inits = {t.name: t for t in m.graph.initializer}
    for n in m.graph.node:
        if n.op_type not in ("Conv", "Gemm") or n.input[1] not in inits:
            continue
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float64)
        trans_b = next((a.i for a in n.attribute if a.name == "transB"), 0)
        out_axis = 0 if n.op_type == "Conv" or trans_b else 1
        wc = np.moveaxis(w, out_axis, 0).reshape(w.shape[out_axis], -1)
        scale = np.abs(wc).max(axis=1, keepdims=True) / qmax
        scale[scale == 0] = 1
        q = np.clip(np.round(wc / scale), -qmax, qmax) * scale
        q = np.moveaxis(q.reshape(np.moveaxis(w, out_axis, 0).shape), 0, out_axis)
        inits[n.input[1]].CopyFrom(numpy_helper.from_array(q.astype(np.float32), n.input[1]))
    return m


def ort_accuracy(model: onnx.ModelProto | str, x: np.ndarray, y: np.ndarray, path: str) -> tuple[float, np.ndarray]:
    if not isinstance(model, str):
        onnx.save(model, path)
        model = path
    sess = ort_session(model)
    name = sess.get_inputs()[0].name
    probs = np.concatenate([sess.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))])
    return float((probs.argmax(1) == y).mean()), probs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "Examples", "mnist1d"))
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--seed", type=int, default=SEED, help="torch seed of initialization and training (data: fixed)")
    args = ap.parse_args()
    set_determinism(args.seed)
    t0 = time.perf_counter()

    x_tr, y_tr, x_te, y_te = load_data()
    print(f"train {len(x_tr)}, test {len(x_te)}")
    model = MNIST1DNet()
    n_trainable = sum(p.numel() for p in model.parameters())
    train(model, x_tr, y_tr, args.epochs, augment=shift_gain_augment, batch=BATCH, lr=LR, weight_decay=WEIGHT_DECAY,
          seed=args.seed)
    model.eval()
    with torch.no_grad():
        torch_acc = float((model(torch.from_numpy(x_te)).argmax(1).numpy() == y_te).mean())
    print(f"torch test accuracy: {torch_acc:.4f}")

    os.makedirs(args.out, exist_ok=True)
    warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
    model_path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(
        model, (torch.zeros(1, 1, 40),), model_path,
        input_names=["signal"], output_names=["probs"],
        opset_version=OPSET, dynamo=False, do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    m = onnx.load(model_path)
    ops: dict[str, int] = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    n_params = sum(int(np.prod(t.dims)) for t in m.graph.initializer)
    n_weights = sum(int(np.prod(t.dims)) for t in m.graph.initializer
                    if t.name in {n.input[1] for n in m.graph.node if n.op_type in ("Conv", "Gemm")})
    depthwise = sum(1 for n in m.graph.node if n.op_type == "Conv"
                    and any(a.name == "group" and a.i > 1 for a in n.attribute))

    # Calibration: 200 training signals, seeded choice without replacement.
    rng = np.random.default_rng(SEED)
    cal_idx = np.sort(rng.choice(len(x_tr), 200, replace=False))
    np.save(os.path.join(args.out, "calibration.npy"), np.ascontiguousarray(x_tr[cal_idx], dtype=np.float32))
    np.save(os.path.join(args.out, "test_inputs.npy"), np.ascontiguousarray(x_te, dtype=np.float32))
    np.save(os.path.join(args.out, "test_labels.npy"), y_te.astype(np.int64))

    n_test = len(x_te)
    tmp = os.path.join(args.out, ".fake_quant.onnx")
    ort_acc, probs = ort_accuracy(model_path, x_te, y_te, tmp)
    fq = {bits: ort_accuracy(fake_quant_weights(m, bits), x_te, y_te, tmp)[0] for bits in (8, 4)}
    os.remove(tmp)
    with torch.no_grad():
        torch_probs = model(torch.from_numpy(x_te)).numpy()
    max_diff = float(np.abs(torch_probs - probs).max())
    size = os.path.getsize(model_path)
    drop = ort_acc - fq[4]
    print(f"onnxruntime test accuracy: {ort_acc:.4f} ({int(round(ort_acc * n_test))}/{n_test}); "
          f"max |torch - ort| {max_diff:.2e}")
    print(f"fake-quantized weights, float activations: int8 {fq[8]:.4f}, int4 nearest {fq[4]:.4f} "
          f"(drop {drop * 100:.1f} points)")
    print(f"model.onnx: {size} bytes, {n_params} initializer elements ({n_weights} Conv/Gemm weights), "
          f"{depthwise} depthwise Conv; ops {dict(sorted(ops.items()))}")
    status = 0
    if "BatchNormalization" in ops:
        print("error: BatchNorm was not folded by the exporter", file=sys.stderr)
        status = 1
    if size >= MAX_BYTES:
        print(f"error: model.onnx is {size} bytes, not under {MAX_BYTES}", file=sys.stderr)
        status = 1
    if ort_acc < MIN_ACCURACY:
        print(f"error: test accuracy {ort_acc:.4f} is below {MIN_ACCURACY}", file=sys.stderr)
        status = 1
    if drop < MIN_INT4_DROP:
        print(f"error: int4 nearest costs only {drop * 100:.1f} points, not the {MIN_INT4_DROP * 100:.0f} this "
              f"example is for", file=sys.stderr)
        status = 1

    def right(acc: float) -> str:
        return f"{int(round(acc * n_test))}/{n_test}"

    op_table = "\n".join(f"| {k} | {v} |" for k, v in sorted(ops.items()))
    w = WIDTH
    arch = "\n".join(f"{a:<62}{b}".rstrip() for a, b in [
        ("signal [1,1,40]", ""),
        (f"stem:  Conv k5 1->{w} pad 2, BN, ReLU", f"[1,{w},40]"),
        (f"down1: Conv k3 {w}->{w} stride 2 pad 1, BN, ReLU", f"[1,{w},20]  = s"),
        (f"block: depthwise Conv k5 (group {w}) pad 2, BN, ReLU;", ""),
        (f"       pointwise Conv 1x1 {w}->{w}, BN; Add(s, .); ReLU", f"[1,{w},20]"),
        (f"down2: Conv k3 {w}->{2 * w} stride 2 pad 1, BN, ReLU", f"[1,{2 * w},10]"),
        (f"conv4: Conv k3 {2 * w}->{2 * w} pad 1, BN, ReLU", f"[1,{2 * w},10]"),
        (f"Flatten [1,{20 * w}]; Linear (Gemm) {20 * w}->10, Softmax", "[1,10]")])
    readme = f"""# mnist1d: a narrow 1-D CNN on which 4-bit weights hurt

A 10-class classifier of 40-sample 1-D signals from MNIST-1D (Sam Greydanus, 2020: each class is a hand-drawn
1-D template, randomly padded, scaled, translated, sheared, with correlated and white noise added, then resampled
to 40 points). It is Mote's example for int4 weights: a narrow network ({w} to {2 * w} channels) whose stem filters
the raw, smooth signal, so rounding each weight to the nearest of 15 levels (int4, ±7) costs several points of
accuracy (measured below), while int8 costs a few tenths at most. Ops: Conv (1-D, regular, strided, depthwise and pointwise),
BatchNorm (folded), ReLU, a residual Add, Flatten, Gemm and Softmax.

Made by `python3 toolchain/train_mnist1d.py` (deterministic: fixed seeds, one thread,
`torch.use_deterministic_algorithms(True)`; torch {torch.__version__}, onnx {onnx.__version__},
onnxruntime {ort.__version__}, mnist1d {version("mnist1d")}, numpy {np.__version__}, scipy {version("scipy")}; the
data generator uses numpy and scipy). Rerun it to regenerate every file here.

## Files

| file | content |
|---|---|
| `model.onnx` | the trained model, {size:,} bytes, opset {OPSET}, TorchScript exporter (`dynamo=False`) |
| `calibration.npy` | float32 [200,1,40]: 200 training signals (seeded choice), for quantization |
| `test_inputs.npy` | float32 [{n_test},1,40]: the whole MNIST-1D test split |
| `test_labels.npy` | int64 [{n_test}]: their labels (0..9) |

Input `signal`: float32 [1,1,40] (N, C, L; static batch 1), standardized as the generator leaves it (the whole
dataset has mean 0, std 1). Output `probs`: float32 [1,10], softmax probabilities; the class is the argmax.

## Data and training

- Data: `mnist1d.data.make_dataset(get_dataset_args())`, the `mnist1d` package's own generator with its default
  arguments (5,000 signals, seed 42, `train_split` 0.8): {len(x_tr):,} train / {n_test:,} test signals, generated locally.
  (`mnist1d.data.get_dataset` would download the published pickle instead; it is not used.)
- Training: `train_digits.train` (Adam, lr {LR:g}, weight decay {WEIGHT_DECAY:g}, cosine schedule), {args.epochs}
  epochs, batch {BATCH}, cross-entropy on the logits; augmentation per signal: circular shift by -{SHIFT}..{SHIFT}
  samples and amplitude x (1 + U(-{GAIN / 2:g}, {GAIN / 2:g})). CPU, about a minute.
- Export in eval mode with `do_constant_folding=True`: BatchNorm is folded into the Conv weights and biases.

## Architecture

```
{arch}
```

{n_trainable:,} trainable parameters in PyTorch; {n_params:,} initializer elements after folding, of which
{n_weights:,} are Conv/Gemm weights. ONNX nodes:

| op | count |
|---|---|
{op_table}

Why so small: wider variants tried while making this example (exploratory runs, not reproduced by this
script: about a dozen CNNs of 20k to 37k parameters, with 12 to 64 channels or a hidden fully connected layer,
95-99% float) lost mostly 0.2 to 2.5 points (at most 3.2) to int4-nearest weights in the same measurement: their
extra channels average the rounding errors out. At {w} to {2 * w} channels there is no such slack.

## Accuracy

Measured with onnxruntime {ort.__version__} on the {n_test:,} test signals (one at a time, CPU):

| weights | accuracy |
|---|---|
| float (`model.onnx`) | **{ort_acc * 100:.1f}%** ({right(ort_acc)}) |
| int8 nearest, per output channel, symmetric ±127 | {fq[8] * 100:.1f}% ({right(fq[8])}) |
| int4 nearest, per output channel, symmetric ±7 | **{fq[4] * 100:.1f}%** ({right(fq[4])}) |

The quantized rows are a fake quantization of the exported model: every Conv/Gemm weight (BatchNorm already
folded) rounded to nearest on its output channel's grid, scale = max|w| / 127 or / 7, then run in float
(biases and activations unquantized). PyTorch on the same signals: {torch_acc * 100:.1f}%; largest
|torch - onnxruntime| probability difference {max_diff:.1e}. How much int4 costs depends on the training seed
(`--seed N --out DIR` retrains with another initialization and prints the same three figures).
"""
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(readme)
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
