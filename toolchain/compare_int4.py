#!/usr/bin/env python3
"""Benchmark (not a test): int4 weights and pruning, Mote side by side with onnxruntime.

For every model the same calibration inputs and the same evaluation inputs
(compare_int8.py's: its data generation, onnxruntime helpers and scoring are
imported, not copied) go to these quantizers; one table row each:

float            the float model in onnxruntime (CPU, one thread, batch 1): the reference of every row.
ort int8         ``quant_pre_process`` (shape inference + graph optimization, which folds BatchNorm
                 into the Conv before it), then ``quantize_static``: QDQ, ``per_channel=True``,
                 ``CalibrationMethod.MinMax``, activations QInt8, weights QInt8 (symmetric, ±127),
                 the calibration inputs fed one at a time; exactly compare_int8.py's recipe.
ort int4         the same with ``weight_type=QuantType.QInt4`` (symmetric per channel: onnxruntime
                 uses the int4 range -8..7 with scale max|w|/7.5, rounds to nearest and clips, so
                 the largest weight becomes 7, not 7.5). Before opset 21 the Q/DQ nodes go to the
                 com.microsoft domain, which the CPU provider runs. Weights onnxruntime leaves in
                 int8 or float (an op it does not quantize to int4) are counted and named in the
                 output; the figures are for what was quantized.
ort prune50      magnitude pruning, then int8: in the pre-processed float model (after BatchNorm
                 folding, as Mote prunes folded weights) the 50% smallest-magnitude elements of every
                 Conv/Gemm/MatMul weight initializer are set to 0, per layer (per initializer; bias
                 untouched), then ``quantize_static`` as for ort int8. onnxruntime stores the zeros,
                 so its weight bytes are counted dense.
mote ...         ``mote compile MODEL --calibration CAL.npy -o DIR --json FLAGS`` then ``mote verify DIR
                 --input EVAL.npy [--labels L.npy] --output Q.npy --json``; Q.npy holds the dequantized
                 outputs of the emitted C. FLAGS per row:
                   mote int8               (none: int8 weights, Mote's default calibration)
                   mote int4 nearest       --weights int4 --rounding nearest
                   mote int4 gptq          --weights int4               (GPTQ is the default rounding)
                   mote int4all nearest    --weights int4 --int4-ends --rounding nearest   (every layer int4,
                                           like ort int4; by default Mote keeps the first and last at int8)
                   mote int4all gptq       --weights int4 --int4-ends
                   mote prune50 nearest    --prune 0.5 --rounding nearest   (magnitude pruning)
                   mote prune50 gptq       --prune 0.5
                   mote struct25           --prune-structured 0.25
                   mote budget1            --accuracy-budget 1 (per-layer width/pruning chosen on the
                                           calibration set within 1 point of top-1 agreement)
                 A row whose flags the mote binary refuses (usage error, exit 2: "unknown option", or
                 e.g. "--weights int4 is not available yet") is skipped with that reason printed;
                 later models skip it without asking again.

All onnxruntime QDQ models run with graph optimizations off (DequantizeLinear -> float op ->
QuantizeLinear), i.e. the exact semantics of onnxruntime's quantization choices without its kernels'
effects (compare_int8.py's "ort QDQ ref"; int4 has no CPU kernel path to compare anyway).

Columns (scored identically for every row by compare_int8.score, on the first output flattened per sample):
  acc           accuracy (labelled models: digits, digits_bn, mnist1d), share of argmaxes equal to the label;
  top-1 agree   share of evaluation inputs whose argmax equals the float model's;
  SQNR dB       10*log10(sum f^2 / sum (f - q)^2) over all outputs and inputs;
  AD score err  ad01 only (a reconstruction autoencoder, where argmax means nothing): anomaly score =
                mean squared reconstruction error of a window; mean |score_q - score_float| over the
                windows, and that relative to the mean float score;
  weight B      Mote: ``weightsBytes`` of the compile JSON report (the Conv/Gemm/MatMul weights as
                stored in flash). onnxruntime: the quantized weight initializers consumed by
                Conv/Gemm/MatMul: int4 ceil(n/2) bytes per tensor, int8 n; float row: 4 n;
  flash B       Mote: ``flashBytes`` (code + constants as ``mote compile`` measures them, with
                arm-none-eabi-gcc for Cortex-M4 when present); "—" for onnxruntime, which has no
                comparable figure;
  MACs          Mote: ``macs`` of the report (structured pruning removes MACs); "—" otherwise;
  mismatches    ``mote verify``: output bytes where Mote's C differs from its Swift integer interpreter
                (must be 0).

Models: digits, digits_bn, mnist1d (Examples/, labelled: their calibration.npy and full test split) and
the MLPerf Tiny models kws01_dscnn, ic01_resnet8, vww01_mobilenet_v1_025, ad01_fc_autoencoder (inputs
made as in compare_int8.py: 200 calibration / 300 evaluation, disjoint seeds), plus ic_resnet_large with
--large. --quick: 50 calibration / 60 evaluation inputs (Examples: 50 / 100).

Run:
    python3 toolchain/compare_int4.py [--mote PATH] [--models NAME ...] [--quick] [--large]
                                      [--skip-mote] [--json OUT] [--keep DIR]

--mote defaults to <repo>/.build/release/mote (built with ``swift build -c release`` if missing).
Work files go to a temporary directory, removed at the end (--keep DIR keeps them). Exit status: 0, or 1
when a Mote step failed (other than refused flags) or reported mismatches.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnxruntime.quantization import QuantType

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_int8 as c8  # noqa: E402  data, onnxruntime helpers, scoring, mote runner

REPO = c8.REPO
ALL_MODELS = ("digits", "digits_bn", "mnist1d", "kws01_dscnn", "ic01_resnet8", "vww01_mobilenet_v1_025",
              "ad01_fc_autoencoder", "ic_resnet_large")
DEFAULT_MODELS = ALL_MODELS[:-1]
PRUNE_RATIO = 0.5
MOTE_ROWS = (
    ("mote int8", []),
    ("mote int4 nearest", ["--weights", "int4", "--rounding", "nearest"]),
    ("mote int4 gptq", ["--weights", "int4"]),
    ("mote int4all nearest", ["--weights", "int4", "--int4-ends", "--rounding", "nearest"]),
    ("mote int4all gptq", ["--weights", "int4", "--int4-ends"]),
    ("mote prune50 nearest", ["--prune", "0.5", "--rounding", "nearest"]),
    ("mote prune50 gptq", ["--prune", "0.5"]),
    ("mote struct25", ["--prune-structured", "0.25"]),
    ("mote budget1", ["--accuracy-budget", "1"]),
)
INT_BITS = {onnx.TensorProto.INT8: 8, onnx.TensorProto.UINT8: 8, onnx.TensorProto.INT4: 4, onnx.TensorProto.UINT4: 4}


# ---------------------------------------------------------------------------------------------- onnx models

def weight_inputs(model: onnx.ModelProto) -> list[tuple[onnx.NodeProto, str]]:
    """(node, tensor name) of every weight operand of a Conv/Gemm/MatMul: Conv/Gemm input 1, MatMul either input."""
    out = []
    for n in model.graph.node:
        if n.op_type in ("Conv", "Gemm"):
            out.append((n, n.input[1]))
        elif n.op_type == "MatMul":
            out += [(n, i) for i in n.input[:2]]
    return out


def prune_magnitude(src: str, dst: str, ratio: float) -> dict:
    """Zero the `ratio` smallest-magnitude elements of each Conv/Gemm/MatMul weight initializer of src."""
    m = onnx.load(src)
    inits = {t.name: t for t in m.graph.initializer}
    done, total, zeroed = set(), 0, 0
    for _, name in weight_inputs(m):
        if name not in inits or name in done:
            continue
        done.add(name)
        w = numpy_helper.to_array(inits[name])
        if w.dtype.kind != "f" or w.size < 2:
            continue
        flat = w.reshape(-1).copy()
        k = int(math.floor(ratio * flat.size))
        flat[np.argsort(np.abs(flat), kind="stable")[:k]] = 0
        inits[name].CopyFrom(numpy_helper.from_array(flat.reshape(w.shape).astype(w.dtype), name))
        total += flat.size
        zeroed += int((flat == 0).sum())
    onnx.save(m, dst)
    return {"pruned_tensors": len(done), "weight_elements": total, "zero_elements": zeroed}


def float_weight_bytes(path: str) -> dict:
    m = onnx.load(path)
    inits = {t.name: t for t in m.graph.initializer}
    names = {name for _, name in weight_inputs(m) if name in inits}
    n = sum(int(np.prod(inits[k].dims)) for k in names)
    return {"weight_bytes": 4 * n, "weight_elements": n, "weight_tensors": len(names)}


def qdq_weight_bytes(path: str) -> dict:
    """Bytes of the quantized Conv/Gemm/MatMul weights of a QDQ model, by storage width, and what stayed float."""
    m = onnx.load(path)
    inits = {t.name: t for t in m.graph.initializer}
    dq_of = {n.output[0]: n for n in m.graph.node if n.op_type == "DequantizeLinear"}
    by_bits: dict[int, dict] = {}
    unquantized: list[str] = []
    seen = set()
    for node, name in weight_inputs(m):
        if name in inits:  # a float weight operand onnxruntime did not quantize
            if inits[name].data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16) and name not in seen:
                unquantized.append(f"{node.op_type} {node.name or node.output[0]}")
                seen.add(name)
            continue
        dq = dq_of.get(name)
        if dq is None or dq.input[0] not in inits or dq.input[0] in seen:
            continue
        t = inits[dq.input[0]]
        bits = INT_BITS.get(t.data_type)
        if bits is None:
            continue
        seen.add(dq.input[0])
        n = int(np.prod(t.dims))
        b = by_bits.setdefault(bits, {"tensors": 0, "elements": 0, "bytes": 0, "ops": {}})
        b["tensors"] += 1
        b["elements"] += n
        b["bytes"] += (n + 1) // 2 if bits == 4 else n
        b["ops"][node.op_type] = b["ops"].get(node.op_type, 0) + 1
    return {"weight_bytes": sum(b["bytes"] for b in by_bits.values()),
            "by_bits": {str(k): v for k, v in sorted(by_bits.items())}, "unquantized": unquantized}


# ---------------------------------------------------------------------------------------------- rows

def ort_rows(model: str, cal: np.ndarray, x: np.ndarray, f: np.ndarray, labels, kind: str, work: str) -> dict:
    """The ort int8, ort int4 and ort prune50 rows (scores, weight bytes, notes) of one model."""
    rows: dict = {}
    src, note = c8.ort_preprocess(model, work)
    variants = [("ort int8", QuantType.QInt8, src, {}), ("ort int4", QuantType.QInt4, src, {})]
    prune_error = None
    try:
        pruned = os.path.join(work, "ort_pre_pruned50.onnx")
        stats = prune_magnitude(src, pruned, PRUNE_RATIO)
        stats["float_pruned"] = c8.score(f, c8.run_ort(pruned, x), labels, kind, x)  # pruning alone, no quantization
        variants.append(("ort prune50", QuantType.QInt8, pruned, stats))
    except Exception as e:
        prune_error = {"error": f"pruning failed: {type(e).__name__}: {e}"}
        print(f"  ort prune50 failed: {prune_error['error']}", file=sys.stderr)
    for row, wtype, path, extra in variants:
        t0 = time.perf_counter()
        try:
            out = os.path.join(work, row.replace(" ", "_") + ".onnx")
            c8.ort_quantize_static(path, cal, out, weight_type=wtype)
            r = c8.score(f, c8.run_ort(out, x, optimize=False), labels, kind, x)
            r.update(qdq_weight_bytes(out))
            r.update({"note": note, "seconds": time.perf_counter() - t0, **extra})
            if wtype == QuantType.QInt4:
                kept8 = r["by_bits"].get("8")
                r["int4_coverage"] = (
                    "all Conv/Gemm/MatMul weights int4" if not kept8 and not r["unquantized"] else
                    f"int8: {kept8['tensors'] if kept8 else 0} tensors {kept8['ops'] if kept8 else {}}, "
                    f"float: {r['unquantized'] or 'none'}")
            rows[row] = r
        except Exception as e:
            rows[row] = {"error": f"{type(e).__name__}: {str(e)[:400]}"}
            print(f"  {row} failed: {rows[row]['error']}", file=sys.stderr)
    if prune_error is not None:
        rows["ort prune50"] = prune_error
    return rows


def refused_flags(e: c8.MoteError) -> str | None:
    """Why a mote binary refused a row's flags, or None for any other failure.

    A refusal is "unknown option" (a binary from before the flag existed) or any usage error (exit 2, e.g.
    "--weights int4 is not available yet") of `mote compile`: the flags, not the model, are the problem."""
    text = (e.stderr or str(e)).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = lines[0] if lines else "?"
    hit = next((ln for ln in lines if "unknown option" in ln), None)
    if hit is not None:
        return hit.removeprefix("mote: ")
    if e.code == 2 and str(e).startswith("`mote compile "):
        return first.removeprefix("mote: ")
    return None


# ---------------------------------------------------------------------------------------------- main

def main() -> int:
    default_mote = os.path.join(REPO, ".build", "release", "mote")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Models: " + ", ".join(ALL_MODELS))
    ap.add_argument("--mote", default=default_mote, help="mote binary (default .build/release/mote)")
    ap.add_argument("--models", nargs="+", default=None, metavar="NAME",
                    help="models to run (default: all but ic_resnet_large)")
    ap.add_argument("--large", action="store_true", help="add ic_resnet_large")
    ap.add_argument("--quick", action="store_true", help="50 calibration / 60 evaluation inputs (Examples: 50 / 100)")
    ap.add_argument("--skip-mote", action="store_true", help="onnxruntime rows only")
    ap.add_argument("--json", metavar="OUT", help="write all figures to this JSON file")
    ap.add_argument("--keep", metavar="DIR", help="keep the work files (inputs, quantized models, C) in DIR")
    args = ap.parse_args()
    # quantize_static logs (root logger, WARNING) that int4 Q/DQ nodes go to the com.microsoft domain below
    # opset 21, once per model; the docstring and the notes say so instead.
    logging.getLogger().setLevel(logging.ERROR)
    models = list(args.models or DEFAULT_MODELS)
    if args.large and "ic_resnet_large" not in models:
        models.append("ic_resnet_large")
    for m in models:
        if m not in ALL_MODELS:
            ap.error(f"unknown model {m}; choose from {', '.join(ALL_MODELS)}")
    n_cal, n_eval = (50, 60) if args.quick else (200, 300)
    if not args.skip_mote:
        c8.ensure_mote(args.mote, default_mote)
    mote = os.path.abspath(args.mote)

    results: dict = {"settings": {"quick": args.quick, "seed": c8.SEED, "prune_ratio": PRUNE_RATIO,
                                  "onnxruntime": ort.__version__, "onnx": onnx.__version__, "numpy": np.__version__,
                                  "mote": None if args.skip_mote else mote,
                                  "mote_rows": {k: v for k, v in MOTE_ROWS}}, "models": {}}
    failures: list[tuple[str, str]] = []
    refused: dict[str, str] = {}  # mote row -> reason, once its flag was refused
    root = args.keep or tempfile.mkdtemp(prefix="mote-int4-")
    os.makedirs(root, exist_ok=True)
    try:
        for name in models:
            t0 = time.perf_counter()
            work = os.path.join(root, name)
            os.makedirs(work, exist_ok=True)
            example = name in c8.EXAMPLE_MODELS
            de = (100 if args.quick else 1 << 30) if example else n_eval  # Examples: the whole test split
            model, cal, x, labels, kind, desc = c8.make_data(name, n_cal, de)
            cal_path, x_path = os.path.join(work, "calibration.npy"), os.path.join(work, "eval_inputs.npy")
            np.save(cal_path, np.ascontiguousarray(cal, np.float32))
            np.save(x_path, np.ascontiguousarray(x, np.float32))
            labels_path = None
            if labels is not None:
                labels_path = os.path.join(work, "eval_labels.npy")
                np.save(labels_path, labels)
            print(f"[{name}] {len(cal)} calibration / {len(x)} evaluation inputs: {desc}", flush=True)

            f = c8.run_ort(model, x)
            entry = {"model": os.path.relpath(model, REPO), "kind": kind, "inputs": desc,
                     "calibration_inputs": len(cal), "evaluation_inputs": len(x),
                     "input_shape": list(x.shape[1:]), "output_shape": list(f.shape[1:]), "rows": {}}
            fl = c8.score(f, f, labels, kind, x)
            fl.update(float_weight_bytes(model))
            entry["rows"]["float"] = fl
            entry["rows"].update(ort_rows(model, cal, x, f, labels, kind, work))
            if not args.skip_mote:
                for row, flags in MOTE_ROWS:
                    if row in refused:
                        entry["rows"][row] = {"skipped": refused[row]}
                        continue
                    tag = "mote_" + row.split(" ", 1)[1].replace(" ", "_")
                    try:
                        r = c8.run_mote_flags(mote, model, cal_path, x_path, labels_path, flags, tag, work)
                        s = c8.score_mote(f, r, labels, kind, x)
                        comp = r["compile"]
                        s.update({"weight_bytes": comp.get("weights_bytes"), "flash_bytes": comp.get("flash_bytes"),
                                  "macs": comp.get("macs")})
                        if s.get("mismatches"):
                            failures.append((f"{name} {row}", f"{s['mismatches']} mismatching output bytes "
                                                               f"({s.get('first_mismatch')})"))
                        entry["rows"][row] = s
                    except c8.MoteError as e:
                        why = refused_flags(e)
                        if why is not None:
                            reason = f"`mote compile ... {' '.join(flags)}` refused by this binary: {why}"
                            refused[row] = reason
                            entry["rows"][row] = {"skipped": reason}
                            print(f"[{name}] {row} skipped: {reason}", flush=True)
                            continue
                        entry["rows"][row] = {"error": str(e)}
                        failures.append((f"{name} {row}", str(e)))
                        print(f"[{name}] {row} failed: {str(e).splitlines()[0][:300]}", file=sys.stderr)
                    except subprocess.TimeoutExpired as e:
                        entry["rows"][row] = {"error": str(e)}
                        failures.append((f"{name} {row}", str(e)))
            results["models"][name] = entry
            print(f"[{name}] done in {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    print_table(results)
    if failures:
        print("\nMote problems (paths shortened to <work>):")
        for where, msg in failures:
            lines = msg.replace(root, "<work>").splitlines()
            print(f"  - {where}: " + "\n    ".join(lines[:12]) + (" ..." if len(lines) > 12 else ""))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=lambda o: None, allow_nan=True)
            fh.write("\n")
        print(f"\nwrote {args.json}")
    return 1 if failures else 0


def print_table(results: dict) -> None:
    def pct(v):
        return "—" if v is None else f"{v * 100:.1f}%"

    def db(v):
        return "—" if v is None else ("inf" if v == math.inf else f"{v:.2f}")

    def num(v):
        return "—" if v is None else f"{v:,}"

    header = ["model", "row", "acc", "top-1 agree", "SQNR dB", "AD score err", "weight B", "flash B", "MACs",
              "mismatches"]
    rows = []
    notes = []
    for name, e in results["models"].items():
        for i, (row, r) in enumerate(e["rows"].items()):
            first = name if i == 0 else ""
            if "skipped" in r or "error" in r:
                what = "skipped" if "skipped" in r else "error"
                rows.append([first, row, what, "", "", "", "", "", "", ""])
                continue
            agree = pct(r.get("top1_agreement")) if e["kind"] == "class" else "n/a"
            sc = "—"
            if e["kind"] == "ae":
                sc = f"{r['score_abs_error_mean']:.3f} ({r['score_rel_error_mean'] * 100:.2f}%)"
            sq = "(ref)" if row == "float" else db(r.get("sqnr_db"))
            mm = str(r["mismatches"]) if "mismatches" in r else "—"
            rows.append([first, row, pct(r.get("accuracy")), agree, sq, sc, num(r.get("weight_bytes")),
                         num(r.get("flash_bytes")), num(r.get("macs")), mm])
            if row == "ort int4" and r.get("int4_coverage", "").startswith("int8"):
                notes.append(f"{name}: ort int4 left some weights wider: {r['int4_coverage']}")
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if j < 2 else "---:" for j in range(len(header))) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print("\nNotes:")
    print("  float: onnxruntime, the reference; every other row is scored against it (compare_int8.score).")
    print("  ort rows: QDQ models run with graph optimizations off (exact QDQ semantics). ort int4 = QInt4")
    print("  weights (-8..7, scale max|w|/7.5; Q/DQ in the com.microsoft domain below opset 21), QInt8")
    print("  activations. ort prune50 = 50% smallest |w| of each Conv/Gemm/MatMul weight set to 0 after BatchNorm")
    print("  folding, no fine-tuning, then int8; its weight bytes are dense (onnxruntime stores the zeros).")
    fp = [(n, e["rows"]["ort prune50"]["float_pruned"]) for n, e in results["models"].items()
          if "float_pruned" in e["rows"].get("ort prune50", {})]
    if fp:
        print("  the pruned float model alone (before int8), top-1 agree / SQNR dB:")
        for n, r in fp:
            print(f"    {n}: {pct(r.get('top1_agreement')) if 'top1_agreement' in r else 'n/a'} / {db(r['sqnr_db'])}")
    print("  weight B: Conv/Gemm/MatMul weights only (no biases, scales); flash B and MACs from Mote's report.")
    print("  mismatches: output bytes where Mote's C differs from its Swift integer interpreter, must be 0.")
    for n in notes:
        print("  " + n)
    skipped = {r["skipped"] for e in results["models"].values() for r in e["rows"].values() if "skipped" in r}
    for s in sorted(skipped):
        print("  skipped: " + s)


if __name__ == "__main__":
    sys.exit(main())
