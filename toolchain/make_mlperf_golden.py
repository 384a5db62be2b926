#!/usr/bin/env python3
"""Golden onnxruntime outputs for the five MLPerf Tiny ONNX models, as Mote test fixtures.

Models: <repo>/../shared/benchmarks/mlperf-tiny/*.onnx (see the README there). For each
model M it writes, under <repo>/Tests/Fixtures/mlperf/ (or --out DIR):

M_input.npy      float32 [B, ...model input shape without its batch 1...] (NHWC as the models take it)
M_expected.npy   float32 [B, ...]: onnxruntime 1-thread CPU outputs, each input run as batch 1, stacked
manifest.json    per model: input/output names and shapes, where the inputs come from, model sha256

Inputs:
* kws01_dscnn [4,49,10,1]: the real sample samples/kws01_sample_float.npy, then 3
  seeded synthetic MFCC-like inputs (a speech segment with c0 in about -35..+15
  between frames of saturated silence -123.37, higher coefficients drawn around
  the real sample's per-coefficient mean/std and smoothed over time), snapped
  to the int8 reference model's input grid (q - 83) * 0.5847029 with q in
  [-128, 127], like the real sample.
* ad01_fc_autoencoder [8,640]: the first 8 windows spec[i:i+5].reshape(640) of
  samples/ad01_sample_normal_id_01_00000000.npy.
* ic01_resnet8, ic_resnet_large [4,32,32,3]: seeded uniform random integer
  pixels 0..255 as float32 (the models take raw pixels).
* vww01_mobilenet_v1_025 [2,96,96,3]: seeded uniform random values in [0,1).

Run:
    python3 toolchain/make_mlperf_golden.py [--out DIR] [--models DIR]

Deterministic (numpy default_rng with fixed seeds, one onnxruntime thread).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLPERF = os.path.normpath(os.path.join(REPO, "..", "shared", "benchmarks", "mlperf-tiny"))
SEED = 2024
KWS_SCALE, KWS_ZP = 0.5847029089927673, 83  # input quantization of the int8 reference model


def kws_synthetic(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """MFCC-like [n,49,10,1] inputs in the real sample's value range, on the int8 input grid."""
    x = real.reshape(49, 10).astype(np.float64)
    mean, std = x[:, 1:].mean(0), x[:, 1:].std(0)
    out = np.empty((n, 49, 10), np.float64)
    kernel = np.array([0.25, 0.5, 0.25])
    for k in range(n):
        start = int(rng.integers(4, 20))
        length = int(rng.integers(12, 49 - start))
        c0 = np.full(49, -123.37) + rng.normal(0, 3, 49)            # silence, saturating like the sample
        speech = -10 + 12 * np.convolve(rng.normal(0, 1, length + 2), kernel, "valid")
        c0[start:start + length] = np.clip(speech, -35, 15)
        rest = rng.normal(0, 1, (51, 9))
        rest = np.stack([np.convolve(rest[:, j], kernel, "valid") for j in range(9)], 1)  # smooth in time
        out[k, :, 0] = c0
        out[k, :, 1:] = mean + 1.6 * std * rest
    q = np.clip(np.round(out / KWS_SCALE) + KWS_ZP, -128, 127)
    return ((q - KWS_ZP) * KWS_SCALE).astype(np.float32).reshape(n, 49, 10, 1)


def make_inputs(models_dir: str) -> dict[str, tuple[np.ndarray, str]]:
    samples = os.path.join(models_dir, "samples")
    kws_real = np.load(os.path.join(samples, "kws01_sample_float.npy")).astype(np.float32)  # [1,49,10,1]
    kws = np.concatenate([kws_real, kws_synthetic(kws_real, 3, np.random.default_rng(SEED))])
    spec = np.load(os.path.join(samples, "ad01_sample_normal_id_01_00000000.npy")).astype(np.float32)  # [200,128]
    ad = np.stack([spec[i:i + 5].reshape(640) for i in range(8)])
    ic = np.random.default_rng(SEED + 1).integers(0, 256, (4, 32, 32, 3)).astype(np.float32)
    ic_large = np.random.default_rng(SEED + 2).integers(0, 256, (4, 32, 32, 3)).astype(np.float32)
    vww = np.random.default_rng(SEED + 3).random((2, 96, 96, 3), dtype=np.float32)
    return {
        "kws01_dscnn": (kws, "row 0: samples/kws01_sample_float.npy (real); rows 1-3: seeded synthetic "
                             "MFCC-like inputs on the int8 input grid (q-83)*0.5847029"),
        "ad01_fc_autoencoder": (ad, "windows spec[i:i+5].reshape(640), i=0..7, of "
                                    "samples/ad01_sample_normal_id_01_00000000.npy"),
        "ic01_resnet8": (ic, f"uniform random integer pixels 0..255 (numpy default_rng({SEED + 1}))"),
        "ic_resnet_large": (ic_large, f"uniform random integer pixels 0..255 (numpy default_rng({SEED + 2}))"),
        "vww01_mobilenet_v1_025": (vww, f"uniform random values in [0,1) (numpy default_rng({SEED + 3}))"),
    }


def ort_session(path: str) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def dims(vi: onnx.ValueInfoProto) -> list:
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in vi.type.tensor_type.shape.dim]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "Tests", "Fixtures", "mlperf"))
    ap.add_argument("--models", default=MLPERF, help="the mlperf-tiny directory (default: <repo>/../shared/...)")
    args = ap.parse_args()
    if not os.path.isdir(args.models):
        print(f"error: {args.models} not found", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)

    entries = []
    for name, (x, source) in make_inputs(args.models).items():
        path = os.path.join(args.models, f"{name}.onnx")
        model = onnx.load(path)
        sess = ort_session(path)
        in_name = sess.get_inputs()[0].name
        y = np.concatenate([sess.run(None, {in_name: x[i:i + 1]})[0] for i in range(len(x))]).astype(np.float32)
        np.save(os.path.join(args.out, f"{name}_input.npy"), np.ascontiguousarray(x, np.float32))
        np.save(os.path.join(args.out, f"{name}_expected.npy"), y)
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        entries.append({
            "model": f"{name}.onnx", "model_sha256": sha,
            "input_file": f"{name}_input.npy", "expected_file": f"{name}_expected.npy",
            "input": {"name": model.graph.input[0].name, "model_shape": dims(model.graph.input[0]),
                      "file_shape": list(x.shape), "min": float(x.min()), "max": float(x.max())},
            "output": {"name": model.graph.output[0].name, "model_shape": dims(model.graph.output[0]),
                       "file_shape": list(y.shape)},
            "input_source": source, "batching": "each input row run as batch 1, outputs stacked",
        })
        extra = ""
        if name == "kws01_dscnn":
            ref = np.load(os.path.join(args.models, "samples", "kws01_sample_ref_out_float.npy"))
            extra = f"; sample vs SavedModel ref {np.abs(y[0] - ref[0]).max():.1e}; argmax {y.argmax(1).tolist()}"
        elif name == "ad01_fc_autoencoder":
            ref = np.load(os.path.join(args.models, "samples", "ad01_sample_ref_out_float.npy"))[:8]
            extra = f"; vs tflite ref (outputs ~-60) max {np.abs(y - ref).max():.1e}"
        else:
            extra = f"; argmax {y.argmax(1).tolist()}"
        print(f"{name:<24} in {list(x.shape)} [{x.min():.3g}, {x.max():.3g}] -> out {list(y.shape)}{extra}")

    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"generator": "toolchain/make_mlperf_golden.py",
                   "models_dir": "<repo>/../shared/benchmarks/mlperf-tiny",
                   "onnxruntime": ort.__version__, "models": entries}, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, p)) for p in os.listdir(args.out))
    print(f"wrote {args.out}: {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
