#!/usr/bin/env python3
"""Export small seeded PyTorch models to ONNX as Mote test fixtures, with onnxruntime golden outputs.

What it makes (under <repo>/Tests/Fixtures/torch/, or --out DIR)
----------------------------------------------------------------
<name>_op13.onnx, <name>_op17.onnx   the model, TorchScript exporter (dynamo=False), opset 13 and 17
<name>_input.npy                     float32, a batch of 4 seeded inputs (batch on axis 0)
<name>_op<N>_expected.npy            onnxruntime (CPU, one thread) outputs of <name>_op<N>.onnx on the input
manifest.json                        every file with its opset, exporter, input/output, batching and op histogram

Models whose graph has batch 1 (static or the dynamic "N" axis) are run one
sample at a time and the outputs stacked; a model exported with a fixed batch
of 4 is run once on the whole batch ("batching" in the manifest says which).

Models (random seeded weights; BatchNorm running stats randomised too):

* convbn_residual - Conv2d+BatchNorm2d+ReLU, depthwise Conv2d+BN+ReLU6 (Clip),
  pointwise Conv2d+BN, residual Add, AdaptiveAvgPool2d(1) (GlobalAveragePool),
  x.view(x.size(0), -1) with a dynamic batch axis (Shape->Gather->Unsqueeze->
  Concat->Reshape), Linear (Gemm), Softmax. Exported with
  do_constant_folding=False so BatchNormalization nodes stay.
* pool_pad - nn.ZeroPad2d((0,1,0,1)) + strided Conv2d (asymmetric padding),
  LeakyReLU, F.pad((1,0,2,1)) + dilated Conv2d, Sigmoid, MaxPool2d(ceil_mode=True),
  AvgPool2d with count_include_pad=True and =False, torch.cat (Concat), Tanh,
  torch.flatten (Flatten), Linear.
* conv1d_mix - Conv1d, Hardsigmoid, strided Conv1d, Hardswish, Dropout (eval),
  permute (Transpose), mean over dims (ReduceMean), x * 0.5 (Mul), broadcasting
  x - y (Sub) and x / y (Div), Add of a constant, Linear, ReLU.
* mlp_batch4 - fixed batch 4: Linear (Gemm), ReLU, Dropout, x @ W (MatMul),
  LeakyReLU, Linear, Softmax.
* convbn_residual_dynamo_op18.onnx - the convbn_residual model (same seed and
  weights) through the dynamo exporter (dynamo=True) at opset 18. That exporter
  needs the ``onnxscript`` package (PyPI; works offline once installed). Without
  it the script leaves the existing dynamo files and their manifest entry as
  they are and says so.

Exporter quirks worth knowing (recorded in the manifest "notes"):
* F.pad / nn.ZeroPad2d: the TorchScript exporter computes the ONNX pads with
  Constant/ConstantOfShape/Concat/Reshape/Slice(step -1)/Transpose/Reshape/Cast
  in front of Pad and cannot constant-fold the negative-step Slice, so that
  chain stays in pool_pad_op*.onnx: a consumer must fold it (Slice included).
* Hardswish at opset 13 becomes HardSigmoid + Mul (HardSwish exists from 14).
* BatchNormalization survives only with do_constant_folding=False (eval mode
  otherwise folds it into the Conv); the dynamo exporter folds it as well, and
  turns AdaptiveAvgPool2d(1) into ReduceMean.

Run:
    python3 toolchain/make_torch_fixtures.py [--out DIR]

Deterministic: fixed seeds, torch.use_deterministic_algorithms(True), one
thread; it deletes the old *.onnx / *.npy in DIR first (except the dynamo
files when onnxscript is missing).
"""

from __future__ import annotations

import argparse
import collections
import glob
import importlib.util
import json
import logging
import os
import re
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1234
OPSETS = (13, 17)
DYNAMO_OPSET = 18


def set_determinism() -> None:
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
    # F.pad / nn.ZeroPad2d export their pads through a Slice with step -1 that the exporter cannot fold (see below).
    warnings.filterwarnings("ignore", message=".*Only steps=1 can be constant folded.*")


def randomize_bn(model: nn.Module, gen: torch.Generator) -> None:
    """Give every BatchNorm non-trivial affine parameters and running statistics."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(c, generator=gen))
                m.bias.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.3 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))


class ConvBNResidual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.pw = nn.Sequential(nn.Conv2d(8, 8, 1, bias=False), nn.BatchNorm2d(8))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.stem(x)
        x = F.relu(s + self.pw(self.dw(s)))
        x = self.gap(x)
        x = x.view(x.size(0), -1)
        return F.softmax(self.fc(x), dim=1)


class PoolPad(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))  # left, right, top, bottom: TF-style "SAME" for stride 2
        self.conv_s2 = nn.Conv2d(3, 8, 3, stride=2)
        self.act = nn.LeakyReLU(0.1)
        self.conv_dil = nn.Conv2d(8, 8, 3, dilation=2)
        self.maxpool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.avg_incl = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=True)
        self.avg_excl = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.fc = nn.Linear(16 * 5 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:        # [1,3,23,23]
        x = self.act(self.conv_s2(self.pad(x)))                # [1,8,11,11]
        x = torch.sigmoid(self.conv_dil(F.pad(x, (1, 0, 2, 1))))  # pad -> [1,8,14,12], conv -> [1,8,10,8]
        x = self.maxpool(x)                                    # [1,8,5,4] (ceil mode)
        x = torch.tanh(torch.cat([self.avg_incl(x), self.avg_excl(x)], dim=1))  # [1,16,5,4]
        return self.fc(torch.flatten(x, 1))


class Conv1dMix(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv1d(4, 8, 5, padding=2)
        self.c2 = nn.Conv1d(8, 8, 3, stride=2, padding=1)
        self.hsig = nn.Hardsigmoid()
        self.hswish = nn.Hardswish()
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(16 * 8, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:    # [1,4,32]
        h = self.hsig(self.c1(x))                          # [1,8,32]
        h = self.drop(self.hswish(self.c2(h)))             # [1,8,16]
        a = h.mean(dim=2)                                  # ReduceMean -> [1,8]
        b = h.permute(0, 2, 1)                             # Transpose -> [1,16,8]
        c = b * 0.5 - a.unsqueeze(1)                       # Mul, broadcasting Sub
        d = c / (torch.sigmoid(a).unsqueeze(1) + 0.5)      # broadcasting Div by (0.5..1.5)
        e = d - d.mean(dim=(1, 2), keepdim=True)           # ReduceMean over two axes
        return F.relu(self.fc(torch.flatten(e, 1)))


class MLPBatch4(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(20, 32)
        self.drop = nn.Dropout(0.5)
        self.w = nn.Parameter(torch.randn(32, 16) * 0.2)
        self.act = nn.LeakyReLU(0.01)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [4,20]
        x = self.drop(F.relu(self.fc1(x)))
        x = self.act(x @ self.w)                         # MatMul
        return F.softmax(self.fc2(x), dim=-1)


# name -> (class, per-sample input shape or None, fixed-batch input shape or None, export options)
MODELS = {
    "convbn_residual": (ConvBNResidual, (1, 3, 10, 10), None,
                        dict(do_constant_folding=False, dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})),
    "pool_pad": (PoolPad, (1, 3, 23, 23), None, dict(do_constant_folding=True)),
    "conv1d_mix": (Conv1dMix, (1, 4, 32), None, dict(do_constant_folding=True)),
    "mlp_batch4": (MLPBatch4, None, (4, 20), dict(do_constant_folding=True)),
}
DYNAMO_MODEL = "convbn_residual"


def build(name: str, index: int) -> nn.Module:
    torch.manual_seed(SEED + index)
    model = MODELS[name][0]()
    randomize_bn(model, torch.Generator().manual_seed(SEED + 100 + index))
    return model.eval()


def make_input(name: str, index: int) -> np.ndarray:
    _, one, fixed, _ = MODELS[name]
    shape = (4,) + tuple(one[1:]) if one is not None else tuple(fixed)
    return np.random.default_rng(SEED + index).standard_normal(shape).astype(np.float32)


def ort_session(path: str) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run_ort(path: str, x: np.ndarray, per_sample: bool) -> np.ndarray:
    sess = ort_session(path)
    in_name = sess.get_inputs()[0].name
    if not per_sample:
        return sess.run(None, {in_name: x})[0]
    return np.concatenate([sess.run(None, {in_name: x[i:i + 1]})[0] for i in range(len(x))])


def run_torch(model: nn.Module, x: np.ndarray, per_sample: bool) -> np.ndarray:
    with torch.no_grad():
        if not per_sample:
            return model(torch.from_numpy(x)).numpy()
        return np.concatenate([model(torch.from_numpy(x[i:i + 1])).numpy() for i in range(len(x))])


def scrub_paths(path: str) -> None:
    """Replace machine paths in the dynamo exporter's per-node stack traces (metadata_props) by stable names.

    The traces stay (real dynamo exports carry them, and a reader must skip them), but without
    "/work/main/..." or the site-packages location, so the file is the same in every checkout.
    """
    roots = [(REPO, "<repo>"), (os.path.dirname(os.path.dirname(torch.__file__)), "<site-packages>")]

    def fix(match: re.Match) -> str:
        p = match.group(1)
        for root, label in roots:
            if p.startswith(root + os.sep):
                return f'File "{label}/{os.path.relpath(p, root)}"'
        return f'File "{os.path.basename(p)}"'

    m = onnx.load(path)
    for node in m.graph.node:
        for prop in node.metadata_props:
            prop.value = re.sub(r'File "([^"]+)"', fix, prop.value)
    onnx.save(m, path)


def histogram(model: onnx.ModelProto) -> dict[str, int]:
    return dict(sorted(collections.Counter(n.op_type for n in model.graph.node).items()))


def value_info(vi: onnx.ValueInfoProto) -> dict:
    dims = [d.dim_value if d.HasField("dim_value") else d.dim_param for d in vi.type.tensor_type.shape.dim]
    return {"name": vi.name, "dtype": onnx.helper.tensor_dtype_to_np_dtype(vi.type.tensor_type.elem_type).name,
            "shape": dims}


def record(out_dir: str, file: str, name: str, opset: int, exporter: str, x: np.ndarray,
           model: nn.Module, per_sample: bool, export_options: dict) -> dict:
    path = os.path.join(out_dir, file)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    y = run_ort(path, x, per_sample)
    expected = file[:-len(".onnx")] + "_expected.npy"
    np.save(os.path.join(out_dir, expected), y.astype(np.float32))
    diff = float(np.abs(run_torch(model, x, per_sample) - y).max())
    size = os.path.getsize(path)
    hist = histogram(m)
    print(f"{file:<36} {size:>7} B  max|torch-ort| {diff:.1e}  {hist}")
    if size >= 100 * 1024:
        print(f"warning: {file} is not under 100 KB", file=sys.stderr)
    opts = {k: v for k, v in export_options.items() if k != "dynamic_axes"}
    return {
        "file": file, "model": name, "opset": opset, "exporter": exporter, "export_options": opts,
        "bytes": size, "input_file": f"{name}_input.npy", "expected_file": expected,
        "inputs": [value_info(vi) for vi in m.graph.input if vi.name not in {t.name for t in m.graph.initializer}],
        "outputs": [value_info(vi) for vi in m.graph.output],
        "batching": "per-sample (run each of the 4 inputs as batch 1, stack outputs)" if per_sample
                    else "whole (fixed batch 4, one run)",
        "op_histogram": hist, "max_abs_diff_torch_vs_ort": diff,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "Tests", "Fixtures", "torch"))
    args = ap.parse_args()
    set_determinism()
    out = args.out
    os.makedirs(out, exist_ok=True)
    dyn_name = f"{DYNAMO_MODEL}_dynamo"
    dyn_files = {f"{dyn_name}_op{DYNAMO_OPSET}.onnx", f"{dyn_name}_input.npy",
                 f"{dyn_name}_op{DYNAMO_OPSET}_expected.npy"}
    have_onnxscript = importlib.util.find_spec("onnxscript") is not None
    old_manifest = {}
    if os.path.exists(os.path.join(out, "manifest.json")):
        with open(os.path.join(out, "manifest.json")) as f:
            old_manifest = json.load(f)
    for old in glob.glob(os.path.join(out, "*.onnx")) + glob.glob(os.path.join(out, "*.npy")):
        if have_onnxscript or os.path.basename(old) not in dyn_files:
            os.remove(old)

    entries, notes = [], []
    for index, (name, (_, one, fixed, opts)) in enumerate(MODELS.items()):
        model = build(name, index)
        x = make_input(name, index)
        np.save(os.path.join(out, f"{name}_input.npy"), x)
        per_sample = one is not None
        example = torch.zeros(one if per_sample else fixed)
        for opset in OPSETS:
            file = f"{name}_op{opset}.onnx"
            torch.onnx.export(model, (example,), os.path.join(out, file), input_names=["x"], output_names=["y"],
                              opset_version=opset, dynamo=False, **opts)
            entries.append(record(out, file, name, opset, "torchscript", x, model, per_sample, opts))

    # One model through the dynamo (torch.export) exporter, if onnxscript is installed.
    name = DYNAMO_MODEL
    index = list(MODELS).index(name)
    if not have_onnxscript:
        kept = [e for e in old_manifest.get("files", []) if e.get("exporter") == "dynamo"
                and os.path.exists(os.path.join(out, e["file"]))]
        entries.extend(kept)
        notes.append("dynamo exporter not run: it needs the 'onnxscript' package (`pip install onnxscript`); "
                     + (f"kept the existing {', '.join(e['file'] for e in kept)}" if kept else "no dynamo file made"))
    else:
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # "torchvision is not installed" chatter
        model = build(name, index)
        x = make_input(name, index)
        np.save(os.path.join(out, f"{dyn_name}_input.npy"), x)
        file = f"{dyn_name}_op{DYNAMO_OPSET}.onnx"
        path = os.path.join(out, file)
        try:
            torch.onnx.export(model, (torch.zeros(MODELS[name][1]),), path, input_names=["x"], output_names=["y"],
                              opset_version=DYNAMO_OPSET, dynamo=True, external_data=False, verbose=False)
            scrub_paths(path)
            entries.append(record(out, file, dyn_name, DYNAMO_OPSET, "dynamo", x, model, True,
                                  {"dynamo": True, "external_data": False}))
        except Exception as e:  # noqa: BLE001 - report and go on: the TorchScript files are the main product
            notes.append(f"dynamo exporter failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
            for leftover in dyn_files:
                if os.path.exists(os.path.join(out, leftover)):
                    os.remove(os.path.join(out, leftover))

    notes.append("pool_pad: torch's F.pad/nn.ZeroPad2d export leaves a Slice(step -1)-based pads computation in "
                 "front of each Pad (the TorchScript exporter cannot fold negative-step Slice)")
    notes.append("conv1d_mix_op13: Hardswish is exported as HardSigmoid + Mul (HardSwish is opset 14+)")
    manifest = {
        "generator": "toolchain/make_torch_fixtures.py",
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": ort.__version__},
        "notes": notes,
        "files": entries,
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    for n in notes:
        print("note:", n)
    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(out, "*")))
    print(f"wrote {len(entries)} models to {out} ({total} bytes total)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
