import Foundation
import MoteFixedPoint
import MoteIR

extension Quantizer {
    mutating func lowerPool(_ node: Node, _ a: PoolAttributes, kind: QPool.Kind) throws {
        let xShape = graph.type(of: node.inputs[0]).shape
        guard xShape.count == 3 || xShape.count == 4 else { throw fail(node, "\(xShape.count - 2)-D pooling is not supported in int8") }
        let x = try input(node.inputs[0], node)
        let oShape = graph.type(of: node.outputs[0]).shape
        let twoD = xShape.count == 4
        let s = a.spatialRank
        let q = quant(x)
        let output = addTensor(node.outputs[0], quant: q)
        let pool = QPool(kind: kind, input: x, output: output, planes: xShape[0] * xShape[1],
                         inHeight: twoD ? xShape[2] : 1, inWidth: xShape[twoD ? 3 : 2],
                         outHeight: twoD ? oShape[2] : 1, outWidth: oShape[twoD ? 3 : 2],
                         kernelHeight: twoD ? a.kernel[0] : 1, kernelWidth: a.kernel[s - 1],
                         strideHeight: twoD ? a.strides[0] : 1, strideWidth: a.strides[s - 1],
                         dilationHeight: twoD ? a.dilations[0] : 1, dilationWidth: a.dilations[s - 1],
                         padTop: twoD ? a.pads[0] : 0, padLeft: a.pads[s - 1],
                         padBottom: twoD ? a.pads[s] : 0, padRight: a.pads[2 * s - 1],
                         countIncludePad: a.countIncludePad, zeroPoint: q.zeroPoint, clampMin: -128, clampMax: 127)
        append(node, .pool(pool))
    }

    mutating func lowerGlobalMaxPool(_ node: Node) throws {
        let xShape = graph.type(of: node.inputs[0]).shape
        let x = try input(node.inputs[0], node)
        let q = quant(x)
        let h = xShape.count >= 4 ? xShape[2] : 1
        let w = xShape[2...].reduce(1, *) / h
        let output = addTensor(node.outputs[0], quant: q)
        append(node, .pool(QPool(kind: .max, input: x, output: output, planes: xShape[0] * xShape[1], inHeight: h, inWidth: w,
                                 outHeight: 1, outWidth: 1, kernelHeight: h, kernelWidth: w, strideHeight: 1, strideWidth: 1,
                                 dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0,
                                 countIncludePad: false, zeroPoint: q.zeroPoint, clampMin: -128, clampMax: 127)))
    }

    mutating func lowerReduceMean(_ node: Node, axes: [Int]) throws {
        let shape = graph.type(of: node.inputs[0]).shape
        guard let first = axes.first, let last = axes.last, axes == Array(first...last) else {
            throw fail(node, "ReduceMean over non-adjacent axes \(Shape.describe(axes)) is not supported in int8")
        }
        try lowerMean(node, outer: shape[..<first].reduce(1, *), reduce: shape[first...last].reduce(1, *),
                      inner: shape[(last + 1)...].reduce(1, *))
    }

    /// Mean with its own output quantization: acc = Σ (q − z_in); out = MBQM(acc, s_in / (s_out · n)) + z_out.
    mutating func lowerMean(_ node: Node, outer: Int, reduce: Int, inner: Int) throws {
        let x = try input(node.inputs[0], node)
        let inQ = quant(x)
        let outQ = params(of: node.outputs[0])
        guard reduce <= 1 << 23 else { throw fail(node, "reducing \(reduce) elements could overflow the int32 accumulator") }
        guard let m = FixedPoint.quantizeMultiplier(inQ.scale / (outQ.scale * Double(reduce))) else {
            throw fail(node, "mean multiplier cannot be represented")
        }
        let output = addTensor(node.outputs[0], quant: outQ)
        append(node, .mean(QMean(input: x, output: output, outer: outer, reduce: reduce, inner: inner,
                                 inputZeroPoint: inQ.zeroPoint, multiplier: QMultiplier(multiplier: m.multiplier, shift: m.shift),
                                 outputZeroPoint: outQ.zeroPoint)))
    }

    /// Softmax with TFLite's fixed output encoding (scale 1/256, zero point −128) and a per-layer exp table.
    mutating func lowerSoftmax(_ node: Node, _ a: SoftmaxAttributes) throws {
        let shape = graph.type(of: node.inputs[0]).shape
        let outer = shape[..<a.axis].reduce(1, *)
        let axisSize = a.coerceTo2D ? shape[a.axis...].reduce(1, *) : shape[a.axis]
        let inner = a.coerceTo2D ? 1 : shape[(a.axis + 1)...].reduce(1, *)
        guard axisSize <= 65535 else { throw fail(node, "softmax over \(axisSize) elements is not supported in int8 (at most 65,535)") }
        let x = try input(node.inputs[0], node)
        let s = quant(x).scale
        let table = (0..<256).map { d in UInt32((exp(-s * Double(d)) * 65536).rounded(.toNearestOrAwayFromZero)) }
        let output = addTensor(node.outputs[0], quant: QuantParams(scale: 1.0 / 256, zeroPoint: -128))
        append(node, .softmax(QSoftmax(input: x, output: output, outer: outer, axis: axisSize, inner: inner, expTable: table)))
    }

    mutating func lowerPad(_ node: Node, _ a: PadAttributes) throws {
        let shape = graph.type(of: node.inputs[0]).shape
        guard shape.count <= 6 else { throw fail(node, "rank \(shape.count) padding is not supported in int8 (at most 6)") }
        let x = try input(node.inputs[0], node)
        let q = quant(x)
        let output = addTensor(node.outputs[0], quant: q)
        append(node, .pad(QPad(input: x, output: output, inShape: shape, outShape: graph.type(of: node.outputs[0]).shape,
                               padsBegin: Array(a.pads[..<shape.count]), value: q.quantize(a.value))))
    }

    mutating func lowerConcat(_ node: Node, axis: Int) throws {
        let outShape = graph.type(of: node.outputs[0]).shape
        let outQ = params(of: node.outputs[0])
        let outer = outShape[..<axis].reduce(1, *)
        let inner = outShape[(axis + 1)...].reduce(1, *)
        var parts: [QConcat.Part] = []
        for id in node.inputs {
            let t = try input(id, node)
            let q = quant(t)
            var requant: QMultiplier? = nil
            if q != outQ {
                guard let m = FixedPoint.quantizeMultiplier(q.scale / outQ.scale) else {
                    throw fail(node, "requantization multiplier cannot be represented")
                }
                requant = QMultiplier(multiplier: m.multiplier, shift: m.shift)
            }
            parts.append(QConcat.Part(input: t, rowSize: graph.type(of: id).shape[axis] * inner, requant: requant, inputZeroPoint: q.zeroPoint))
        }
        let output = addTensor(node.outputs[0], quant: outQ)
        append(node, .concat(QConcat(parts: parts, output: output, outer: outer, outputZeroPoint: outQ.zeroPoint)))
    }
}
