#!/usr/bin/env python3
"""Export ONNX's own operator conformance tests that Mote's op set can run.

What it makes
-------------
OUT_DIR/<case_name>/model.onnx                   the test model (bytes as ONNX made them)
OUT_DIR/<case_name>/data_<k>/input_<i>.npy       inputs of data set k, in graph-input order
OUT_DIR/<case_name>/data_<k>/output_<i>.npy      expected outputs of data set k, in graph-output order
OUT_DIR/manifest.json                            one entry per exported case (see below)

Sources (all from the installed ``onnx`` wheel; nothing is downloaded):

* ``onnx.backend.test.case.node.collect_testcases()``: the node tests, generated
  offline from the wheel's Python exporters (``kind = "node"``), including the
  ``*_expanded`` function-body variants.
* ``onnx/backend/test/data/pytorch-converted/*`` and ``pytorch-operator/*``:
  directories with ``model.onnx`` and ``test_data_set_*/{input,output}_*.pb``
  (``kind = "pytorch-converted"`` / ``"pytorch-operator"``). These are old files
  (IR 3, opset 6) whose weights are initializers that are also listed as graph
  inputs; the ``.pb`` inputs map, in order, to the graph inputs that are not
  initializers.

A case is kept only when every node of its graph (subgraphs included) is in the
default ONNX domain and its op is in MOTE_OPS or HELPER_OPS below, at least one
op is in MOTE_OPS (so the 100+ pure Cast/Shape/Gather tests are left out), and
its data are plain tensors (no sequences/optionals). ``.npy`` files keep the dtypes of
the test data (float32 mostly; int64 for shape/axes/pads inputs; a few bool,
float16, float64 cases exist too - see the manifest flags).

manifest.json entry fields
--------------------------
name, kind, ops (sorted unique op types), op_counts, opset (ai.onnx version),
ir_version, inputs / outputs ([{name, dtype, shape, declared_shape, role}]; shape
is the shape in data set 0, declared_shape the graph's type: ints, dim_param
strings or null), all_float32 (every input and output is float32),
float32_with_int64_params (every output is float32 and every input is float32
or int64 data that only feeds shape/axes/pads slots, role "int64_params"),
num_data_sets, nodes ([{op, attributes}] for every node, e.g. Pad "mode",
MaxPool "ceil_mode"; tensor attributes as dtype/shape only), rtol, atol (the tolerances ONNX's backend test runner uses for
the case: node tests carry their own; the data-directory cases use its default
rtol=1e-3, atol=1e-7).

Run
---
    python3 toolchain/onnx_node_tests/export_cases.py OUT_DIR

It deletes and rewrites OUT_DIR (only if it is empty or was made by this
script), prints cases per op, the time taken and the size of OUT_DIR. Deterministic: ONNX seeds numpy before each exporter; files
are written in sorted order and the manifest with sorted keys.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import shutil
import sys
import time
import warnings

import numpy as np
import onnx
import onnx.numpy_helper
from onnx import TensorProto

# Ops Mote implements (the float interpreter and, later, the quantized path).
MOTE_OPS = {
    "Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "Clip", "LeakyRelu",
    "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Softmax", "MaxPool", "AveragePool",
    "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Flatten", "Reshape",
    "Transpose", "Squeeze", "Unsqueeze", "Concat", "Pad", "ReduceMean", "Identity", "Dropout",
}
# Ops that shape arithmetic in exported models needs (constant-folded by Mote).
HELPER_OPS = {"Constant", "Shape", "Gather", "Cast", "ConstantOfShape", "Unsqueeze", "Squeeze", "Concat"}
ALLOWED_OPS = MOTE_OPS | HELPER_OPS

# (op_type, input index) slots whose int64 input is shape/axes/pads/indices data.
INT64_PARAM_SLOTS = {
    ("Reshape", 1), ("Pad", 1), ("Pad", 3), ("Squeeze", 1), ("Unsqueeze", 1),
    ("ReduceMean", 1), ("ConstantOfShape", 0), ("Gather", 1),
}

DATA_DIR_KINDS = ("pytorch-converted", "pytorch-operator")
DEFAULT_RTOL, DEFAULT_ATOL = 1e-3, 1e-7


def all_nodes(graph: onnx.GraphProto):
    """Every node of the graph, including nodes of subgraph attributes."""
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from all_nodes(attr.g)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for g in attr.graphs:
                    yield from all_nodes(g)


def op_usage(model: onnx.ModelProto) -> tuple[bool, collections.Counter]:
    counts: collections.Counter = collections.Counter()
    ok = True
    for node in all_nodes(model.graph):
        counts[node.op_type] += 1
        if node.domain not in ("", "ai.onnx") or node.op_type not in ALLOWED_OPS:
            ok = False
    return ok, counts


def attr_value(attr: onnx.AttributeProto):
    A = onnx.AttributeProto
    if attr.type == A.INT:
        return int(attr.i)
    if attr.type == A.FLOAT:
        return float(attr.f)
    if attr.type == A.STRING:
        return attr.s.decode("utf-8", "replace")
    if attr.type == A.INTS:
        return [int(v) for v in attr.ints]
    if attr.type == A.FLOATS:
        return [float(v) for v in attr.floats]
    if attr.type == A.TENSOR:
        return {"tensor_dtype": onnx.helper.tensor_dtype_to_np_dtype(attr.t.data_type).name,
                "tensor_shape": [int(d) for d in attr.t.dims]}
    return f"<{A.AttributeType.Name(attr.type)}>"


def to_numpy(value) -> np.ndarray | None:
    """Test data as a numpy array; None for values that are not plain tensors."""
    if isinstance(value, TensorProto):
        return onnx.numpy_helper.to_array(value)
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, np.generic):  # numpy scalar, e.g. np.float32(1.0)
        return np.asarray(value)
    return None  # sequences (list), optionals (None), maps


def declared_shape(vi: onnx.ValueInfoProto):
    t = vi.type
    if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        return None
    dims = []
    for d in t.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            dims.append(int(d.dim_value))
        elif d.HasField("dim_param"):
            dims.append(d.dim_param)
        else:
            dims.append(None)
    return dims


def ai_onnx_opset(model: onnx.ModelProto) -> int | None:
    for oi in model.opset_import:
        if oi.domain in ("", "ai.onnx"):
            return int(oi.version)
    return None


def real_inputs(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    inits = {t.name for t in model.graph.initializer}
    return [vi for vi in model.graph.input if vi.name not in inits]


def input_role(model: onnx.ModelProto, name: str, arr: np.ndarray) -> str:
    if arr.dtype == np.float32:
        return "data"
    if arr.dtype == np.int64:
        slots = [(n.op_type, i) for n in all_nodes(model.graph) for i, x in enumerate(n.input) if x == name]
        if slots and all(s in INT64_PARAM_SLOTS for s in slots):
            return "int64_params"
    return "other"


def collect_node_cases():
    import onnx.backend.test.case.node as node_cases

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # ONNX's exporters for ops we drop anyway (Cast, Reduce*) warn about overflow/log(0).
        warnings.simplefilter("ignore")
        cases = list(node_cases.collect_testcases())
    for case in cases:
        yield case.name, "node", case.model, case.data_sets, float(case.rtol), float(case.atol)


def load_pb(path: str) -> np.ndarray:
    t = TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return onnx.numpy_helper.to_array(t)


def collect_dir_cases():
    root = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
    for kind in DATA_DIR_KINDS:
        for case_dir in sorted(glob.glob(os.path.join(root, kind, "test_*"))):
            model_path = os.path.join(case_dir, "model.onnx")
            if not os.path.isfile(model_path):
                continue
            model = onnx.load(model_path)
            data_sets = []
            for ds in sorted(glob.glob(os.path.join(case_dir, "test_data_set_*")),
                             key=lambda p: int(p.rsplit("_", 1)[1])):
                def files(prefix):
                    paths = glob.glob(os.path.join(ds, f"{prefix}_*.pb"))
                    return [load_pb(p) for p in sorted(paths, key=lambda p: int(p[:-3].rsplit("_", 1)[1]))]
                data_sets.append((files("input"), files("output")))
            yield os.path.basename(case_dir), kind, model, data_sets, DEFAULT_RTOL, DEFAULT_ATOL


def export(out_dir: str) -> dict:
    if os.path.isdir(out_dir) and os.listdir(out_dir):
        # Only wipe a directory this script made (guards against `export_cases.py .` and the like).
        if not os.path.isfile(os.path.join(out_dir, "manifest.json")):
            raise SystemExit(f"error: {out_dir} is not empty and has no manifest.json from this script; "
                             "refusing to delete it")
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)

    entries = []
    skipped = collections.Counter()
    seen = set()
    for name, kind, model, data_sets, rtol, atol in list(collect_node_cases()) + list(collect_dir_cases()):
        ok, counts = op_usage(model)
        if not ok:
            skipped["unsupported op"] += 1
            continue
        if not set(counts) & MOTE_OPS:
            skipped["helper ops only (Cast, Shape, Gather, ...)"] += 1
            continue
        if name in seen:
            raise SystemExit(f"duplicate case name {name}")
        data = []
        for ins, outs in data_sets:
            ins_np = [to_numpy(v) for v in ins]
            outs_np = [to_numpy(v) for v in outs]
            if any(a is None for a in ins_np + outs_np):
                data = None
                break
            data.append((ins_np, outs_np))
        if not data:
            skipped["non-tensor data"] += 1
            continue
        g_inputs, g_outputs = real_inputs(model), list(model.graph.output)
        ins0, outs0 = data[0]
        if len(ins0) != len(g_inputs) or len(outs0) != len(g_outputs):
            # Node tests may leave optional trailing inputs out of the graph.
            if len(ins0) > len(g_inputs) or len(outs0) > len(g_outputs):
                skipped["data/graph mismatch"] += 1
                continue
        seen.add(name)

        case_dir = os.path.join(out_dir, name)
        os.makedirs(case_dir)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(model.SerializeToString())
        for k, (ins, outs) in enumerate(data):
            ds_dir = os.path.join(case_dir, f"data_{k}")
            os.makedirs(ds_dir)
            for i, a in enumerate(ins):
                np.save(os.path.join(ds_dir, f"input_{i}.npy"), a, allow_pickle=False)
            for i, a in enumerate(outs):
                np.save(os.path.join(ds_dir, f"output_{i}.npy"), a, allow_pickle=False)

        inputs = []
        for vi, a in zip(g_inputs, ins0):
            inputs.append({"name": vi.name, "dtype": str(a.dtype), "shape": list(a.shape),
                           "declared_shape": declared_shape(vi), "role": input_role(model, vi.name, a)})
        outputs = [{"name": vi.name, "dtype": str(a.dtype), "shape": list(a.shape),
                    "declared_shape": declared_shape(vi)} for vi, a in zip(g_outputs, outs0)]
        all_f32 = all(x["dtype"] == "float32" for x in inputs + outputs)
        f32_params = (all(x["dtype"] == "float32" for x in outputs)
                      and all(x["role"] in ("data", "int64_params") for x in inputs)
                      and any(x["dtype"] == "float32" for x in inputs + outputs))
        entries.append({
            "name": name, "kind": kind,
            "ops": sorted(counts), "op_counts": dict(sorted(counts.items())),
            "opset": ai_onnx_opset(model), "ir_version": int(model.ir_version),
            "inputs": inputs, "outputs": outputs,
            "all_float32": all_f32, "float32_with_int64_params": f32_params,
            "num_data_sets": len(data), "rtol": rtol, "atol": atol,
            "nodes": [{"op": n.op_type, "attributes": {a.name: attr_value(a) for a in n.attribute}}
                      for n in all_nodes(model.graph)],
        })

    entries.sort(key=lambda e: e["name"])
    manifest = {
        "generator": "toolchain/onnx_node_tests/export_cases.py",
        "onnx_version": onnx.__version__,
        "mote_ops": sorted(MOTE_OPS), "helper_ops": sorted(HELPER_OPS - MOTE_OPS),
        "cases": entries,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    return {"entries": entries, "skipped": skipped}


def dir_size(path: str) -> tuple[int, int]:
    total, n = 0, 0
    for root, _, files in os.walk(path):
        for fn in files:
            total += os.path.getsize(os.path.join(root, fn))
            n += 1
    return total, n


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().split("\n")[0],
                                 epilog="See the module docstring for the manifest fields.")
    ap.add_argument("out_dir", metavar="OUT_DIR", help="directory to (re)create")
    out_dir = ap.parse_args(argv[1:]).out_dir
    t0 = time.perf_counter()
    result = export(out_dir)
    elapsed = time.perf_counter() - t0
    entries = result["entries"]

    per_op: collections.Counter = collections.Counter()
    per_op_f32: collections.Counter = collections.Counter()
    for e in entries:
        for op in e["ops"]:
            per_op[op] += 1
            if e["float32_with_int64_params"]:
                per_op_f32[op] += 1
    by_kind = collections.Counter(e["kind"] for e in entries)
    print(f"{'op':<20} {'cases':>6} {'float32*':>9}")
    for op in sorted(per_op):
        print(f"{op:<20} {per_op[op]:>6} {per_op_f32[op]:>9}")
    print("(a case counts once under every op it uses; float32* = float32 I/O apart from int64 shape/axes/pads inputs)")
    print(f"cases: {len(entries)} ({', '.join(f'{k} {v}' for k, v in sorted(by_kind.items()))}); "
          f"all float32: {sum(e['all_float32'] for e in entries)}; "
          f"float32*: {sum(e['float32_with_int64_params'] for e in entries)}")
    print(f"skipped: {dict(sorted(result['skipped'].items()))}")
    size, nfiles = dir_size(out_dir)
    print(f"time: {elapsed:.1f} s; {out_dir}: {nfiles} files, {size} bytes ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
