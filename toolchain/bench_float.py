#!/usr/bin/env python3
"""Benchmark (not a test): Mote's float interpreter against onnxruntime on two MLPerf Tiny models.

For ResNet-8 (ic01_resnet8) and the KWS DS-CNN (kws01_dscnn) from
<repo>/../shared/benchmarks/mlperf-tiny it writes 200 seeded inputs per model as
one .npy (batch of 200 on axis 0) into a temporary directory, then measures

* mote: wall clock of the subprocess ``mote run MODEL --input X.npy --output Y.npy``
  (process start, model load, 200 inferences, output write), best of --reps;
* onnxruntime: session creation (intra_op_num_threads=1, inter_op_num_threads=1)
  plus running the 200 inputs one at a time (batch 1, as the models are), best of --reps,

checks that the outputs agree (max |mote - ort| divided by max |ort|, and the
share of equal argmaxes) and prints a table: model, mote s, ort s, mote/ort.

Run:
    python3 toolchain/bench_float.py [MOTE_BINARY] [--reps 3] [--count 200] [--skip-mote]

MOTE_BINARY defaults to <repo>/.build/release/mote; if it is missing the script
runs ``swift build -c release`` in the repo first. --skip-mote times onnxruntime
only. Exit status: 0, or 1 when mote fails or the outputs disagree by more
than --tolerance (relative, default 1e-4).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLPERF = os.path.normpath(os.path.join(REPO, "..", "shared", "benchmarks", "mlperf-tiny"))
SEED = 7
MODELS = ("ic01_resnet8", "kws01_dscnn")


def make_inputs(name: str, count: int) -> np.ndarray:
    rng = np.random.default_rng(SEED + MODELS.index(name))
    if name == "ic01_resnet8":  # raw pixels 0..255, NHWC
        return rng.integers(0, 256, (count, 32, 32, 3)).astype(np.float32)
    # KWS: MFCC-like values on the int8 model's input grid, like make_mlperf_golden.py's synthetic inputs.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_mlperf_golden import kws_synthetic
    real = np.load(os.path.join(MLPERF, "samples", "kws01_sample_float.npy")).astype(np.float32)
    return kws_synthetic(real, count, rng)


def run_ort(model: str, x: np.ndarray) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    outs = [sess.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))]
    elapsed = time.perf_counter() - t0
    return elapsed, np.concatenate(outs)


def run_mote(mote: str, model: str, x_path: str, y_path: str) -> tuple[float, np.ndarray]:
    if os.path.exists(y_path):
        os.remove(y_path)
    cmd = [mote, "run", model, "--input", x_path, "--output", y_path]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()[:500]}")
    return elapsed, np.load(y_path)


def ensure_mote(mote: str, default: str) -> None:
    if os.path.exists(mote):
        return
    if os.path.abspath(mote) != os.path.abspath(default):
        raise SystemExit(f"error: {mote} not found")
    print(f"{mote} missing: running swift build -c release in {REPO}", flush=True)
    subprocess.run(["swift", "build", "-c", "release"], cwd=REPO, check=True)
    if not os.path.exists(mote):
        raise SystemExit(f"error: swift build did not produce {mote}")


def main() -> int:
    default_mote = os.path.join(REPO, ".build", "release", "mote")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mote", nargs="?", default=default_mote, help="mote binary (default .build/release/mote)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--count", type=int, default=200, help="inputs per model")
    ap.add_argument("--skip-mote", action="store_true", help="time onnxruntime only")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="max allowed relative error")
    ap.add_argument("--models", default=MLPERF, help="the mlperf-tiny directory")
    args = ap.parse_args()
    if not args.skip_mote:
        ensure_mote(args.mote, default_mote)

    rows, ok = [], True
    with tempfile.TemporaryDirectory(prefix="mote-bench-") as tmp:
        for name in MODELS:
            model = os.path.join(args.models, f"{name}.onnx")
            x = make_inputs(name, args.count)
            x_path, y_path = os.path.join(tmp, f"{name}_x.npy"), os.path.join(tmp, f"{name}_y.npy")
            np.save(x_path, x)

            ort_times, ref = [], None
            for _ in range(args.reps):
                t, ref = run_ort(model, x)
                ort_times.append(t)
            row = {"model": name, "ort": min(ort_times), "mote": None, "rel": None, "top1": None}
            if not args.skip_mote:
                try:
                    mote_times, got = [], None
                    for _ in range(args.reps):
                        t, got = run_mote(args.mote, model, x_path, y_path)
                        mote_times.append(t)
                    row["mote"] = min(mote_times)
                    if got.shape != ref.shape:
                        raise RuntimeError(f"mote output shape {got.shape}, onnxruntime {ref.shape}")
                    row["rel"] = float(np.abs(got.astype(np.float64) - ref).max() / max(np.abs(ref).max(), 1e-30))
                    row["top1"] = float((got.argmax(-1) == ref.argmax(-1)).mean())
                    if row["rel"] > args.tolerance:
                        ok = False
                except RuntimeError as e:
                    print(f"{name}: mote failed: {e}", file=sys.stderr)
                    ok = False
            rows.append(row)

    def fmt(v, spec):
        width = int(spec.split(".")[0])
        return format(v, spec) if v is not None else "n/a".rjust(width)

    print(f"\n{args.count} inputs per model, best of {args.reps}; mote = whole subprocess, "
          f"ort = session creation + {args.count} batch-1 runs, 1 thread")
    print(f"{'model':<16} {'mote s':>8} {'ort s':>8} {'mote/ort':>9} {'max rel err':>12} {'top1 eq':>8}")
    for r in rows:
        ratio = r["mote"] / r["ort"] if r["mote"] is not None else None
        print(f"{r['model']:<16} {fmt(r['mote'], '8.3f')} {fmt(r['ort'], '8.3f')} {fmt(ratio, '9.2f')} "
              f"{fmt(r['rel'], '12.2e')} {fmt(r['top1'], '8.3f')}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
