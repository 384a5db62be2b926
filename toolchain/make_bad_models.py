#!/usr/bin/env python3
"""Writes the malformed and unsupported ONNX files that Mote's command-line tests must reject cleanly.

Usage: python3 toolchain/make_bad_models.py   (from the repository root; writes Tests/Fixtures/bad/*.onnx)

Each file is built with onnx's helper API without running the checker, so it can hold exactly the defect the
test is about. The files are tiny and committed; rerun this script to regenerate them byte for byte.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "bad")


def model(nodes, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, "bad", inputs, outputs, list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_bad_models")
    m.ir_version = 7
    return m


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def save(m, name):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(m.SerializeToString(deterministic=True))


def main():
    os.makedirs(OUT, exist_ok=True)
    x = f32("x", [1, 4, 8, 8])

    # Four unsupported nodes of different kinds, and one supported node between them.
    pads = numpy_helper.from_array(np.zeros(8, dtype=np.int64), "pads")
    save(model([
        helper.make_node("Relu", ["x"], ["a"], name="relu_ok"),
        helper.make_node("LRN", ["a"], ["b"], name="lrn", size=3),
        helper.make_node("Pad", ["b", "pads"], ["c"], name="pad_reflect", mode="reflect"),
        helper.make_node("HardSwish", ["c"], ["d"], name="hardswish_opset13"),
        helper.make_node("FusedConv", ["d"], ["y"], name="vendor_op", domain="com.microsoft"),
    ], [x], [f32("y", [1, 4, 8, 8])], [pads]), "unsupported_many.onnx")

    # A cycle: a depends on b, b on a.
    save(model([
        helper.make_node("Add", ["x", "b"], ["a"], name="add_in_cycle"),
        helper.make_node("Relu", ["a"], ["b"], name="relu_in_cycle"),
    ], [x], [f32("b", [1, 4, 8, 8])]), "cyclic.onnx")

    # The weight 'w' is referenced but never defined.
    save(model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv_without_weight")],
               [x], [f32("y", [1, 4, 8, 8])]), "missing_initializer.onnx")

    # An initializer that claims 2^40 elements but carries 16 bytes.
    huge = TensorProto()
    huge.name = "w"
    huge.data_type = TensorProto.FLOAT
    huge.dims.extend([1 << 20, 1 << 20])
    huge.raw_data = b"\0" * 16
    save(model([helper.make_node("Mul", ["x", "w"], ["y"], name="mul_huge")],
               [x], [f32("y", [1, 4, 8, 8])], [huge]), "huge_tensor.onnx")

    # Weights stored in an external file.
    ext = numpy_helper.from_array(np.ones((4, 4, 1, 1), dtype=np.float32), "w")
    ext.ClearField("raw_data")
    ext.data_location = TensorProto.EXTERNAL
    entry = ext.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    save(model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv_external")],
               [x], [f32("y", [1, 4, 8, 8])], [ext]), "external_data.onnx")

    # A Conv whose weight has the wrong number of input channels.
    w = numpy_helper.from_array(np.ones((4, 3, 3, 3), dtype=np.float32), "w")
    save(model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv_bad_channels", pads=[1, 1, 1, 1])],
               [x], [f32("y", [1, 4, 8, 8])], [w]), "shape_mismatch.onnx")


def edge_models():
    """Valid models that stress quantization: an all-zero weight channel and a constant-zero activation."""
    rng = np.random.default_rng(7)
    x = f32("x", [1, 2, 6, 6])
    w = rng.normal(size=(4, 2, 3, 3)).astype(np.float32)
    w[2] = 0  # channel 2 is dead: its scale must not divide by zero
    b = np.array([0.1, -0.2, 0.0, 0.3], dtype=np.float32)
    fc = rng.normal(size=(4, 3)).astype(np.float32)
    zero = numpy_helper.from_array(np.zeros((1,), dtype=np.float32), "zero")
    save(model([
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv_dead_channel", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Mul", ["r", "zero"], ["z"], name="times_zero"),  # a constant-zero activation
        helper.make_node("Add", ["r", "z"], ["s"], name="plus_zero"),
        helper.make_node("GlobalAveragePool", ["s"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("MatMul", ["f", "fc"], ["y"], name="fc"),
    ], [x], [f32("y", [1, 3])], [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"),
                                  numpy_helper.from_array(fc, "fc"), zero]), "edge_zero_channel.onnx")


if __name__ == "__main__":
    main()
    edge_models()
