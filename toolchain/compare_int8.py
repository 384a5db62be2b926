#!/usr/bin/env python3
"""Benchmark (not a test): Mote's int8 quantization side by side with onnxruntime's quantize_static.

For every model the same calibration inputs and the same evaluation inputs go to

* onnxruntime: ``quant_pre_process`` (shape inference + graph optimization), then
  ``quantize_static`` in QDQ format, ``per_channel=True``, ``CalibrationMethod.MinMax``,
  activations QInt8, weights QInt8, with a CalibrationDataReader that feeds the
  calibration inputs one at a time (the models have batch 1); the quantized
  model runs in onnxruntime (CPU, one thread, graph optimizations on, so the
  QDQ pairs become int8 kernels);
* Mote: ``mote compile MODEL --calibration CAL.npy -o DIR --calibrate M --json`` for
  M in minmax, percentile, mse, then ``mote verify DIR --input EVAL.npy [--labels L.npy]
  --output Q.npy --json``; Q.npy holds the dequantized int8 outputs of the emitted C.

The reference for both is the float model in onnxruntime (CPU, one thread,
batch 1). Both quantizers are scored by this script in the same way, on the
first output flattened per sample:

* top-1 agreement = share of inputs whose argmax equals the float model's;
* SQNR dB = 10*log10(sum f^2 / sum (f - q)^2) over all outputs and inputs;
* accuracy (labelled models only) = share of argmaxes equal to the label.

These are the definitions ``mote verify`` uses (its own figures are measured
against Mote's float interpreter; they are kept in the --json output). The FC
autoencoder (ad01, output [1,640], a reconstruction) is a regression model, so
argmax agreement means nothing there: its row gives SQNR and the error of the
anomaly score instead (score = mean squared reconstruction error of a window,
mean |score_int8 - score_float| over the windows, and that relative to the mean
float score). ``mismatches`` is what ``mote verify`` reports: output bytes where
the C build and Mote's Swift integer interpreter differ (must be 0).

Models and inputs (calibration and evaluation inputs are always disjoint)
--------------------------------------------------------------------------
digits         Examples/digits/: calibration.npy (200 training images), test_inputs.npy /
               test_labels.npy (500 held-out images, labelled).
digits_bn      Examples/digits_bn/ (toolchain/train_digits_bn.py): the same data, BatchNorm unfolded.
The MLPerf Tiny models from <repo>/../shared/benchmarks/mlperf-tiny/ have no
labelled data offline, so their inputs are made here (seeded; calibration seed
and evaluation seed differ):
kws01_dscnn    [49,10,1] MFCC. Variants of the one real sample (samples/kws01_sample_float.npy,
               the word "on": 28 speech frames, then 21 silent frames with c0 saturated at
               -123.37): time shift of the whole clip by -6..+15 frames (vacated frames filled
               with the sample's silent frame), gain (c0 of the non-silent frames + U(-8,8)),
               timbre (MFCC 1..9 scaled per coefficient by U(0.8,1.2)) and noise (N(0,1.2) on
               every non-saturated value), clipped to the real sample's range [-123.37, 16.96]
               and snapped to the int8 model's input grid (q-83)*0.5847029.
ad01_fc_autoencoder  [640] = 5 frames x 128 log-mel. Sliding windows spec[i:i+5].reshape(640)
               of the real normal ToyCar spectrogram (samples/ad01_sample_normal_id_01_00000000.npy,
               196 windows): calibration = the 98 even windows + noisy copies of even windows,
               evaluation = the 98 odd windows + noisy copies of odd windows. A noisy copy adds a
               level offset U(-3,3) and Gaussian noise with sigma U(0.3,1.5) (log-mel units; the
               spectrogram's std is 11).
ic01_resnet8, ic_resnet_large  [32,32,3] raw pixels 0..255 (CIFAR-10 scale, no normalization);
vww01_mobilenet_v1_025         [96,96,3] RGB in [0,1] (8-bit levels k/255).
               Synthetic natural-looking images, not white noise: a two-colour linear
               gradient background, 2-3 low-frequency sinusoidal shading waves, 2-6 soft
               elliptical blobs and 0-2 soft straight edges (half-planes) in correlated
               colours, a smooth illumination falloff, then Gaussian pixel noise sigma
               U(0.005,0.025), clipped to [0,1] and rounded to 8-bit levels.
Default sizes: 200 calibration and 300 evaluation inputs per MLPerf model (the
digits models use their 200 / 500); --quick: 50 and 60 (digits: 50 and 100).
ic_resnet_large runs only with --large or when named in --models.

Run:
    python3 toolchain/compare_int8.py [--mote PATH] [--models NAME ...] [--quick] [--large]
                                      [--methods minmax percentile mse] [--skip-mote] [--json OUT]

--mote defaults to <repo>/.build/release/mote (built with ``swift build -c release``
if missing). Everything is written to a temporary directory, removed at the end
(--keep DIR keeps the work files there instead). Exit status: 0, or 1 when a Mote
step failed or reported mismatches.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quant_pre_process, quantize_static)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLPERF = os.path.normpath(os.path.join(REPO, "..", "shared", "benchmarks", "mlperf-tiny"))
SEED = 2024
METHODS = ("minmax", "percentile", "mse")
EXAMPLE_MODELS = ("digits", "digits_bn", "mnist1d")  # Examples/NAME/: model.onnx, calibration.npy, test_*.npy
ALL_MODELS = ("digits", "digits_bn", "kws01_dscnn", "vww01_mobilenet_v1_025", "ic01_resnet8",
              "ad01_fc_autoencoder", "ic_resnet_large")
DEFAULT_MODELS = ALL_MODELS[:-1]
KWS_SCALE, KWS_ZP = 0.5847029089927673, 83
MOTE_TIMEOUT = 3600


# ---------------------------------------------------------------------------------------------- inputs

def natural_images(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """[n,size,size,3] float32 in [0,1] on 8-bit levels: smooth, natural-looking synthetic images."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / (size - 1)
    out = np.empty((n, size, size, 3), np.float32)

    def colour() -> np.ndarray:  # grey level plus a modest, correlated chroma, like most natural colours
        return np.clip(rng.uniform(0.05, 0.95) + rng.normal(0, 0.12, 3), 0, 1)

    for k in range(n):
        theta = rng.uniform(0, 2 * math.pi)
        t = math.cos(theta) * xx + math.sin(theta) * yy
        t = (t - t.min()) / max(t.max() - t.min(), 1e-9)
        c0, c1 = colour(), colour()
        img = c0 + (c1 - c0) * t[..., None]
        for _ in range(int(rng.integers(2, 4))):  # low-frequency shading waves, 0.5..3 cycles per image
            f = rng.uniform(0.5, 3.0)
            a = rng.uniform(0, 2 * math.pi)
            wave = np.sin(2 * math.pi * f * (math.cos(a) * xx + math.sin(a) * yy) + rng.uniform(0, 2 * math.pi))
            img = img + rng.uniform(0.02, 0.08) * wave[..., None] * (1 + rng.normal(0, 0.2, 3))
        for _ in range(int(rng.integers(2, 7))):  # soft elliptical blobs ("objects")
            cy, cx = rng.uniform(-0.1, 1.1, 2)
            ry, rx = rng.uniform(0.06, 0.35, 2)
            a = rng.uniform(0, math.pi)
            u = math.cos(a) * (xx - cx) + math.sin(a) * (yy - cy)
            v = -math.sin(a) * (xx - cx) + math.cos(a) * (yy - cy)
            d = (u / rx) ** 2 + (v / ry) ** 2
            sharp = rng.uniform(2, 12)
            mask = 1 / (1 + np.exp(np.clip(sharp * (d - 1), -50, 50)))
            img = img + rng.uniform(0.5, 1.0) * mask[..., None] * (colour() - img)
        for _ in range(int(rng.integers(0, 3))):  # soft straight edges (horizons, object boundaries)
            a = rng.uniform(0, 2 * math.pi)
            dist = math.cos(a) * (xx - rng.uniform(0.2, 0.8)) + math.sin(a) * (yy - rng.uniform(0.2, 0.8))
            mask = 1 / (1 + np.exp(np.clip(-dist * size / rng.uniform(0.5, 3.0), -50, 50)))
            img = img + rng.uniform(0.3, 0.8) * mask[..., None] * (colour() - img)
        cy, cx = rng.uniform(0, 1, 2)  # illumination falloff
        img = img * (1 - rng.uniform(0, 0.35) * ((yy - cy) ** 2 + (xx - cx) ** 2))[..., None]
        img = img + rng.normal(0, rng.uniform(0.005, 0.025), img.shape)
        out[k] = np.round(np.clip(img, 0, 1) * 255) / 255
    return out


def kws_variants(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """[n,49,10,1]: shifted, gain-scaled, timbre-scaled, noisy copies of the real MFCC sample, on its int8 grid."""
    x = real.reshape(49, 10).astype(np.float64)
    lo, hi = float(x.min()), float(x.max())
    floor = -KWS_ZP * KWS_SCALE - 128 * KWS_SCALE + 1e-6  # q = -128: c0 saturated
    silent_rows = np.where(x[:, 0] <= floor + 1e-3)[0]
    silence = x[silent_rows[-1]].copy()
    out = np.empty((n, 49, 10), np.float64)
    for k in range(n):
        shift = int(rng.integers(-6, 16))
        y = np.tile(silence, (49, 1))
        for dst in range(49):
            src = dst - shift
            if 0 <= src < 49:
                y[dst] = x[src]
        voiced = y[:, 0] > floor + 1e-3
        y[voiced, 0] += rng.uniform(-8, 8)                    # gain: log-energy offset
        y[:, 1:] *= rng.uniform(0.8, 1.2, 9)                  # timbre: per-coefficient scale
        noise = rng.normal(0, 1.2, y.shape)
        noise[~voiced, 0] = 0                                 # keep saturated silence saturated
        y += noise
        out[k] = np.clip(y, lo, hi)
    q = np.clip(np.round(out / KWS_SCALE) + KWS_ZP, -128, 127)
    return ((q - KWS_ZP) * KWS_SCALE).astype(np.float32).reshape(n, 49, 10, 1)


def ad_windows(spec: np.ndarray, parity: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """[n,640]: the real windows spec[i:i+5] with i % 2 == parity, then noisy copies of them."""
    base = np.stack([spec[i:i + 5].reshape(640) for i in range(parity, spec.shape[0] - 4, 2)]).astype(np.float64)
    if n <= len(base):
        return base[np.sort(rng.choice(len(base), n, replace=False))].astype(np.float32)
    extra = []
    for _ in range(n - len(base)):
        w = base[int(rng.integers(len(base)))]
        extra.append(w + rng.uniform(-3, 3) + rng.normal(0, rng.uniform(0.3, 1.5), w.shape))
    return np.concatenate([base, np.stack(extra)]).astype(np.float32)


def make_data(name: str, n_cal: int, n_eval: int):
    """(model path, calibration [B,...], evaluation [B,...], labels or None, kind, description)."""
    if name in EXAMPLE_MODELS:
        d = os.path.join(REPO, "Examples", name)
        cal = np.load(os.path.join(d, "calibration.npy")).astype(np.float32)
        x = np.load(os.path.join(d, "test_inputs.npy")).astype(np.float32)
        y = np.load(os.path.join(d, "test_labels.npy")).astype(np.int64)
        n_e = min(n_eval, len(x))
        what = "signals" if name == "mnist1d" else "images"
        return (os.path.join(d, "model.onnx"), cal[:n_cal], x[:n_e], y[:n_e], "class",
                f"Examples/{name}: calibration.npy (first {min(n_cal, len(cal))} training {what}), "
                f"test_inputs.npy/test_labels.npy (first {n_e} held-out labelled {what})")
    path = os.path.join(MLPERF, f"{name}.onnx")
    samples = os.path.join(MLPERF, "samples")
    cal_rng, eval_rng = np.random.default_rng(SEED), np.random.default_rng(SEED + 1)
    if name == "kws01_dscnn":
        real = np.load(os.path.join(samples, "kws01_sample_float.npy")).astype(np.float32)
        return (path, kws_variants(real, n_cal, cal_rng), kws_variants(real, n_eval, eval_rng), None, "class",
                "variants of the real MFCC sample (word 'on'): time shift -6..+15 frames, c0 gain U(-8,8), "
                "MFCC1-9 scale U(0.8,1.2), noise N(0,1.2), clipped to the sample's range, on the int8 input grid; "
                f"calibration seed {SEED}, evaluation seed {SEED + 1}")
    if name == "ad01_fc_autoencoder":
        spec = np.load(os.path.join(samples, "ad01_sample_normal_id_01_00000000.npy")).astype(np.float32)
        return (path, ad_windows(spec, 0, n_cal, cal_rng), ad_windows(spec, 1, n_eval, eval_rng), None, "ae",
                "windows spec[i:i+5] of the real ToyCar spectrogram: calibration = even i (98) + noisy copies, "
                "evaluation = odd i (98) + noisy copies (level U(-3,3), noise sigma U(0.3,1.5))")
    if name in ("ic01_resnet8", "ic_resnet_large"):
        off = 10 if name == "ic_resnet_large" else 0
        cal_rng, eval_rng = np.random.default_rng(SEED + 2 + off), np.random.default_rng(SEED + 3 + off)
        return (path, np.round(natural_images(n_cal, 32, cal_rng) * 255), np.round(natural_images(n_eval, 32, eval_rng) * 255),
                None, "class", "synthetic natural-looking 32x32 images (gradients, shading waves, blobs, edges, "
                f"noise), integer pixels 0..255; calibration seed {SEED + 2 + off}, evaluation seed {SEED + 3 + off}")
    if name == "vww01_mobilenet_v1_025":
        cal_rng, eval_rng = np.random.default_rng(SEED + 4), np.random.default_rng(SEED + 5)
        return (path, natural_images(n_cal, 96, cal_rng), natural_images(n_eval, 96, eval_rng), None, "class",
                "synthetic natural-looking 96x96 images (gradients, shading waves, blobs, edges, noise), "
                f"RGB in [0,1] on 8-bit levels; calibration seed {SEED + 4}, evaluation seed {SEED + 5}")
    raise SystemExit(f"error: unknown model {name}; choose from {', '.join(ALL_MODELS)}")


# ---------------------------------------------------------------------------------------------- onnxruntime

def ort_session(path: str, optimize: bool = True) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    if not optimize:  # QDQ pairs stay as DequantizeLinear -> float op -> QuantizeLinear: exact QDQ semantics
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run_ort(path: str, x: np.ndarray, optimize: bool = True) -> np.ndarray:
    sess = ort_session(path, optimize)
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))])


class OneByOne(CalibrationDataReader):
    def __init__(self, name: str, x: np.ndarray) -> None:
        self.name, self.x, self.i = name, x, 0

    def get_next(self):
        if self.i >= len(self.x):
            return None
        self.i += 1
        return {self.name: self.x[self.i - 1:self.i]}

    def rewind(self) -> None:
        self.i = 0


def ort_preprocess(model: str, work: str) -> tuple[str, str]:
    """``quant_pre_process`` into work/ort_pre.onnx; returns (model to quantize, note on pre-processing)."""
    pre = os.path.join(work, "ort_pre.onnx")
    try:
        quant_pre_process(model, pre)
        return pre, "quant_pre_process"
    except Exception as e:  # pre-processing is optional; quantize the original then
        return model, f"quant_pre_process failed ({type(e).__name__}: {str(e)[:120]}); original model quantized"


def ort_quantize_static(src: str, cal: np.ndarray, out: str, weight_type: QuantType = QuantType.QInt8,
                        extra_options: dict | None = None) -> str:
    """``quantize_static``: QDQ, per-channel, MinMax, activations QInt8, calibration fed one input at a time."""
    input_name = onnx.load(src).graph.input[0].name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_static(src, out, OneByOne(input_name, cal), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QInt8, weight_type=weight_type,
                        calibrate_method=CalibrationMethod.MinMax, extra_options=extra_options)
    return out


def ort_quantize(model: str, cal: np.ndarray, work: str) -> tuple[str, str]:
    """Quantize with onnxruntime; returns (path of the QDQ model, note on pre-processing)."""
    src, note = ort_preprocess(model, work)
    return ort_quantize_static(src, cal, os.path.join(work, "ort_int8.onnx")), note


# ---------------------------------------------------------------------------------------------- metrics

def score(f: np.ndarray, q: np.ndarray, labels, kind: str, x: np.ndarray) -> dict:
    """The figures of `mote verify`, computed here on both quantizers' outputs against the float output f."""
    f2 = f.reshape(len(f), -1).astype(np.float64)
    q2 = q.reshape(len(q), -1).astype(np.float64)
    noise = float(((f2 - q2) ** 2).sum())
    r = {"sqnr_db": math.inf if noise == 0 else 10 * math.log10(float((f2 ** 2).sum()) / noise),
         "max_abs_error": float(np.abs(f2 - q2).max())}
    if kind == "class":
        r["top1_agreement"] = float((f2.argmax(1) == q2.argmax(1)).mean())
        if labels is not None:
            r["accuracy"] = float((q2.argmax(1) == labels).mean())
    else:  # autoencoder: per-window anomaly score = mean squared reconstruction error
        xs = x.reshape(len(x), -1).astype(np.float64)
        sf, sq = ((xs - f2) ** 2).mean(1), ((xs - q2) ** 2).mean(1)
        r["score_abs_error_mean"] = float(np.abs(sq - sf).mean())
        r["score_abs_error_max"] = float(np.abs(sq - sf).max())
        r["score_rel_error_mean"] = float(np.abs(sq - sf).mean() / sf.mean())
        r["score_float_mean"] = float(sf.mean())
        r["score_int8_mean"] = float(sq.mean())
    return r


# ---------------------------------------------------------------------------------------------- mote

def ensure_mote(mote: str, default: str) -> None:
    if os.path.exists(mote):
        return
    if os.path.abspath(mote) != os.path.abspath(default):
        raise SystemExit(f"error: {mote} not found")
    print(f"{mote} missing: running swift build -c release in {REPO}", flush=True)
    subprocess.run(["swift", "build", "-c", "release"], cwd=REPO, check=True)
    if not os.path.exists(mote):
        raise SystemExit(f"error: swift build did not produce {mote}")


class MoteError(RuntimeError):
    """A mote command failed; ``code`` is its exit status (None when it printed no JSON), ``stderr`` its errors."""

    def __init__(self, message: str, code: int | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.code, self.stderr = code, stderr


def run_json(cmd: list[str], ok_codes=(0,)) -> tuple[int, dict]:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=MOTE_TIMEOUT)
    if proc.returncode not in ok_codes:
        msg = (proc.stderr.strip() or proc.stdout.strip())
        raise MoteError(f"`mote {' '.join(cmd[1:])}` exited {proc.returncode}: {msg}", proc.returncode, proc.stderr)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise MoteError(f"`{' '.join(cmd)}` printed no JSON ({e}): {proc.stdout[:300]!r}") from None


def snake(d: dict) -> dict:
    """Accept camelCase keys too (top1Agreement -> top1_agreement)."""
    out = {}
    for k, v in d.items():
        s = "".join("_" + c.lower() if c.isupper() else c for c in k)
        out[s] = v
    return out


def run_mote(mote: str, model: str, cal_path: str, x_path: str, labels_path, method: str, work: str) -> dict:
    return run_mote_flags(mote, model, cal_path, x_path, labels_path, ["--calibrate", method], f"mote_{method}", work)


def run_mote_flags(mote: str, model: str, cal_path: str, x_path: str, labels_path, flags: list[str], tag: str,
                   work: str) -> dict:
    """`mote compile MODEL --calibration CAL -o work/TAG FLAGS --json`, then `mote verify` on the evaluation inputs."""
    out_dir = os.path.join(work, tag)
    q_path = os.path.join(work, f"{tag}_q.npy")
    t0 = time.perf_counter()
    _, comp = run_json([mote, "compile", model, "--calibration", cal_path, "-o", out_dir, *flags, "--json"])
    t1 = time.perf_counter()
    cmd = [mote, "verify", out_dir, "--input", x_path, "--output", q_path, "--json"]
    if labels_path:
        cmd += ["--labels", labels_path]
    code, ver = run_json(cmd, ok_codes=(0, 3))
    t2 = time.perf_counter()
    if not os.path.exists(q_path):
        raise MoteError(f"mote verify exited {code} but wrote no {os.path.basename(q_path)}")
    return {"compile": snake(comp), "verify": snake(ver), "q": np.load(q_path),
            "compile_s": t1 - t0, "verify_s": t2 - t1}


def score_mote(f: np.ndarray, r: dict, labels, kind: str, x: np.ndarray) -> dict:
    """score() of a run_mote result against the float output f, with verify's mismatches and both reports."""
    if r["q"].shape != f.shape and r["q"].size != f.size:
        raise MoteError(f"verify --output has shape {list(r['q'].shape)}, float output {list(f.shape)}")
    s = score(f, r["q"].reshape(f.shape), labels, kind, x)
    v = r["verify"]
    s.update({"mismatches": v.get("mismatches"), "first_mismatch": v.get("first_mismatch"),
              "verify_report": v, "compile_report": r["compile"],
              "compile_s": r["compile_s"], "verify_s": r["verify_s"]})
    return s


# ---------------------------------------------------------------------------------------------- main

def main() -> int:
    default_mote = os.path.join(REPO, ".build", "release", "mote")
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Models: " + ", ".join(ALL_MODELS))
    ap.add_argument("--mote", default=default_mote, help="mote binary (default .build/release/mote)")
    ap.add_argument("--models", nargs="+", default=None, metavar="NAME", help="models to run (default: all but "
                    "ic_resnet_large)")
    ap.add_argument("--large", action="store_true", help="add ic_resnet_large")
    ap.add_argument("--quick", action="store_true", help="50 calibration / 60 evaluation inputs (digits: 50 / 100)")
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS, help="Mote calibration methods")
    ap.add_argument("--skip-mote", action="store_true", help="onnxruntime only")
    ap.add_argument("--json", metavar="OUT", help="write all figures to this JSON file")
    ap.add_argument("--keep", metavar="DIR", help="keep the work files (inputs, quantized models, C) in DIR")
    args = ap.parse_args()
    models = list(args.models or DEFAULT_MODELS)
    if args.large and "ic_resnet_large" not in models:
        models.append("ic_resnet_large")
    for m in models:
        if m not in ALL_MODELS:
            ap.error(f"unknown model {m}; choose from {', '.join(ALL_MODELS)}")
    n_cal, n_eval = (50, 60) if args.quick else (200, 300)
    if not args.skip_mote:
        ensure_mote(args.mote, default_mote)
    mote = os.path.abspath(args.mote)

    results: dict = {"settings": {"quick": args.quick, "methods": args.methods, "seed": SEED,
                                  "onnxruntime": ort.__version__, "onnx": onnx.__version__, "numpy": np.__version__,
                                  "cpu": cpu_flags(), "mote": None if args.skip_mote else mote}, "models": {}}
    failures: list[tuple[str, str]] = []
    root = args.keep or tempfile.mkdtemp(prefix="mote-int8-")
    os.makedirs(root, exist_ok=True)
    try:
        for name in models:
            t0 = time.perf_counter()
            work = os.path.join(root, name)
            os.makedirs(work, exist_ok=True)
            de = n_eval if not name.startswith("digits") else (100 if args.quick else 500)
            model, cal, x, labels, kind, desc = make_data(name, n_cal, de)
            cal_path, x_path = os.path.join(work, "calibration.npy"), os.path.join(work, "eval_inputs.npy")
            np.save(cal_path, np.ascontiguousarray(cal, np.float32))
            np.save(x_path, np.ascontiguousarray(x, np.float32))
            labels_path = None
            if labels is not None:
                labels_path = os.path.join(work, "eval_labels.npy")
                np.save(labels_path, labels)
            print(f"[{name}] {len(cal)} calibration / {len(x)} evaluation inputs: {desc}", flush=True)

            f = run_ort(model, x)
            entry = {"model": os.path.relpath(model, REPO), "kind": kind, "inputs": desc,
                     "calibration_inputs": len(cal), "evaluation_inputs": len(x),
                     "input_shape": list(x.shape[1:]), "output_shape": list(f.shape[1:])}
            if labels is not None:
                entry["float_accuracy"] = float((f.reshape(len(f), -1).argmax(1) == labels).mean())
            if kind == "class":
                hist = np.bincount(f.reshape(len(f), -1).argmax(1), minlength=f.reshape(len(f), -1).shape[1])
                entry["float_class_histogram"] = hist.tolist()
            tq = time.perf_counter()
            try:
                q_model, note = ort_quantize(model, cal, work)
                q = run_ort(q_model, x)
                entry["onnxruntime"] = score(f, q, labels, kind, x)
                entry["onnxruntime"]["note"] = note
                entry["onnxruntime"]["seconds"] = time.perf_counter() - tq
                entry["onnxruntime_qdq_ref"] = score(f, run_ort(q_model, x, optimize=False), labels, kind, x)
            except Exception as e:
                entry["onnxruntime"] = entry["onnxruntime_qdq_ref"] = {"error": f"{type(e).__name__}: {e}"}
                print(f"[{name}] onnxruntime quantization failed: {e}", file=sys.stderr)
            entry["mote"] = {}
            if not args.skip_mote:
                for method in args.methods:
                    try:
                        r = run_mote(mote, model, cal_path, x_path, labels_path, method, work)
                        s = score_mote(f, r, labels, kind, x)
                        v = r["verify"]
                        if v.get("mismatches"):
                            failures.append((f"{name} {method}", f"{v.get('mismatches')} mismatching output bytes "
                                                                     f"({v.get('first_mismatch')})"))
                        entry["mote"][method] = s
                    except (MoteError, subprocess.TimeoutExpired) as e:
                        entry["mote"][method] = {"error": str(e)}
                        failures.append((f"{name} {method}", str(e)))
                        print(f"[{name}] mote {method} failed: {str(e).splitlines()[0][:300]}", file=sys.stderr)
            results["models"][name] = entry
            print(f"[{name}] done in {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    print_table(results, args.methods, args.skip_mote)
    if failures:
        print("\nMote problems (identical messages grouped; paths shortened to <work>):")
        groups: dict[str, list[str]] = {}
        for where, msg in failures:
            key = msg.replace(root, "<work>")
            for m in METHODS:
                key = key.replace(f"mote_{m}", "mote_<method>")
            groups.setdefault(key, []).append(where)
        for key, wheres in groups.items():
            msg = ", ".join(wheres) + ": " + key
            lines = msg.splitlines()
            more = f"\n      ... ({len(lines) - 12} more lines; --json keeps all)" if len(lines) > 12 else ""
            print("  - " + "\n    ".join(lines[:12]) + more)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=lambda o: None, allow_nan=True)
            fh.write("\n")
        print(f"\nwrote {args.json}")
    return 1 if failures else 0


def cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            flags = set(next(line for line in fh if line.startswith("flags")).split(":", 1)[1].split())
    except (OSError, StopIteration):
        return "CPU flags unknown"
    vnni = sorted(f for f in flags if "vnni" in f)
    simd = [f for f in ("avx2", "avx512f", "avx512bw") if f in flags]
    return f"{'/'.join(simd) or 'no AVX2'}, {'VNNI: ' + '/'.join(vnni) if vnni else 'no VNNI'}"


def print_table(results: dict, methods: list[str], skip_mote: bool) -> None:
    def pct(v):
        return "—" if v is None else f"{v * 100:.1f}%"

    def db(v):
        return "—" if v is None else ("inf" if v == math.inf else f"{v:.2f}")

    header = ["model", "quantizer", "float acc", "int8 acc", "top-1 agree", "SQNR dB", "AD score err", "mismatches"]
    rows = []
    for name, e in results["models"].items():
        quants = [("ort int8", e.get("onnxruntime", {})), ("ort QDQ ref", e.get("onnxruntime_qdq_ref", {}))]
        if not skip_mote:
            quants += [(f"mote {m}", e["mote"].get(m, {"error": "not run"})) for m in methods]
        for i, (qname, r) in enumerate(quants):
            first = i == 0
            if "error" in r:
                rows.append([name if first else "", qname, pct(e.get("float_accuracy")) if first else "",
                             "error", "error", "error", "", "—"])
                continue
            agree = pct(r.get("top1_agreement")) if e["kind"] == "class" else "n/a (regression)"
            sc = ""
            if e["kind"] == "ae":
                sc = f"{r['score_abs_error_mean']:.3f} ({r['score_rel_error_mean'] * 100:.2f}%)"
            mm = "—" if qname.startswith("ort") else str(r.get("mismatches"))
            rows.append([name if first else "", qname, pct(e.get("float_accuracy")) if first else "",
                         pct(r.get("accuracy")), agree, db(r.get("sqnr_db")), sc, mm])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print()
    print("int8 vs float (onnxruntime, 1 thread); agreement and SQNR on the first output, computed identically for both")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))))
    print("\nNotes:")
    print("  ort int8: the QDQ model from quantize_static run by onnxruntime with its default graph optimizations,")
    print("  i.e. its int8 kernels on this CPU (" + cpu_flags() + "). On x86 without VNNI onnxruntime")
    print("  turns S8S8 into U8S8 and its AVX2 kernels add u8*s8 pairs in saturating int16, which can wreck")
    print("  accuracy (onnxruntime documents this saturation; reduce_range or VNNI avoid it).")
    print("  ort QDQ ref: the same QDQ model with graph optimizations off (DequantizeLinear -> float op ->")
    print("  QuantizeLinear), the exact semantics of onnxruntime's quantization choices without kernel effects.")
    print("  accuracy only for the labelled digits models; the MLPerf inputs are synthetic/augmented (see above),")
    print("  so for them agreement with float and SQNR are the measures.")
    print("  AD score err: anomaly score = mean squared reconstruction error per window; mean |int8 - float| over the")
    print("  windows (and relative to the mean float score). Top-1 agreement is meaningless for the autoencoder.")
    print("  mismatches: output bytes where Mote's C differs from its Swift integer interpreter (mote verify), must be 0.")
    gaps = [abs(r["sqnr_db"] - r["verify_report"]["sqnr_db"]) for e in results["models"].values()
            for r in e.get("mote", {}).values() if "verify_report" in r and math.isfinite(r["sqnr_db"])
            and isinstance(r["verify_report"].get("sqnr_db"), (int, float))]
    if gaps:
        print(f"  mote verify's own SQNR (against Mote's float interpreter) differs from the SQNR here (against")
        print(f"  onnxruntime float) by at most {max(gaps):.3f} dB.")
    for name, e in results["models"].items():
        if "float_class_histogram" in e:
            hist = e["float_class_histogram"]
            top = int(np.argmax(hist))
            print(f"  {name}: float argmax classes over the evaluation inputs: {hist} (most common {top}: "
                  f"{hist[top]}/{sum(hist)})")


if __name__ == "__main__":
    sys.exit(main())
