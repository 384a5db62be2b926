import Foundation
import MoteFixedPoint
import MoteIR

extension Quantizer {
    mutating func lowerBinary(_ node: Node, _ op: BinaryOp) throws {
        let (a, b) = (node.inputs[0], node.inputs[1])
        // A scalar constant operand makes the op a function of one tensor: an exact table.
        if let c = graph.constant(b), c.count == 1 {
            let k = Double(c.floats[0])
            return try lowerTable(node, sourceOps: []) { op.applyDouble($0, k) }
        }
        if let c = graph.constant(a), c.count == 1 {
            let k = Double(c.floats[0])
            return try lowerTable(node, sourceOps: [], input: b) { op.applyDouble(k, $0) }
        }
        let x1 = try input(a, node), x2 = try input(b, node)
        let out = fusedOutput(node)
        let shape = graph.type(of: node.outputs[0]).shape
        guard shape.count <= 6 else { throw fail(node, "rank \(shape.count) is not supported in int8 (at most 6)") }
        let broadcast = QBroadcast(shape: shape, strides1: broadcastStrides(graph.type(of: a).shape, to: shape),
                                   strides2: broadcastStrides(graph.type(of: b).shape, to: shape))
        let output = addTensor(out.value, quant: out.quant)
        let (q1, q2) = (quant(x1), quant(x2))
        switch op {
        case .add, .sub:
            guard let p = FixedPoint.addParameters(input1Scale: q1.scale, input1ZeroPoint: q1.zeroPoint,
                                                   input2Scale: q2.scale, input2ZeroPoint: q2.zeroPoint,
                                                   outputScale: out.quant.scale, outputZeroPoint: out.quant.zeroPoint) else {
                throw fail(node, "input and output scales (\(q1.scale), \(q2.scale) → \(out.quant.scale)) cannot be combined in int8")
            }
            append(node, .add(QAdd(input1: x1, input2: x2, output: output, broadcast: broadcast, subtract: op == .sub,
                                   leftShift: p.leftShift, input1Offset: p.input1Offset,
                                   input1Multiplier: QMultiplier(multiplier: p.input1Multiplier, shift: p.input1Shift),
                                   input2Offset: p.input2Offset,
                                   input2Multiplier: QMultiplier(multiplier: p.input2Multiplier, shift: p.input2Shift),
                                   outputMultiplier: QMultiplier(multiplier: p.outputMultiplier, shift: p.outputShift),
                                   outputZeroPoint: out.quant.zeroPoint, clampMin: out.clampMin, clampMax: out.clampMax)),
                   extraOps: out.ops)
        case .mul:
            guard let m = FixedPoint.quantizeMultiplier(q1.scale * q2.scale / out.quant.scale) else {
                throw fail(node, "multiplier \(q1.scale * q2.scale / out.quant.scale) cannot be represented")
            }
            append(node, .mul(QMul(input1: x1, input2: x2, output: output, broadcast: broadcast,
                                   input1Offset: -q1.zeroPoint, input2Offset: -q2.zeroPoint,
                                   multiplier: QMultiplier(multiplier: m.multiplier, shift: m.shift),
                                   outputZeroPoint: out.quant.zeroPoint, clampMin: out.clampMin, clampMax: out.clampMax)),
                   extraOps: out.ops)
        case .div:
            throw fail(node, "division of two computed tensors is not supported in int8")
        }
    }

    func broadcastStrides(_ shape: [Int], to out: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: out.count - shape.count) + shape
        let strides = Shape.strides(padded)
        return padded.indices.map { padded[$0] == 1 && out[$0] != 1 ? 0 : strides[$0] }
    }

    mutating func lowerActivation(_ node: Node, _ activation: Activation) throws {
        switch activation {
        case .relu: try lowerTable(node, sourceOps: []) { max($0, 0) }
        case .leakyRelu(let alpha): try lowerTable(node, sourceOps: []) { $0 < 0 ? Double(alpha) * $0 : $0 }
        // TFLite fixes the output encodings of the logistic and tanh functions.
        case .sigmoid: try lowerTable(node, sourceOps: [], fixedOutput: QuantParams(scale: 1.0 / 256, zeroPoint: -128)) { 1 / (1 + exp(-$0)) }
        case .tanh: try lowerTable(node, sourceOps: [], fixedOutput: QuantParams(scale: 1.0 / 128, zeroPoint: 0)) { Foundation.tanh($0) }
        case .hardSigmoid(let alpha, let beta):
            try lowerTable(node, sourceOps: []) { max(0, min(1, Double(alpha) * $0 + Double(beta))) }
        case .hardSwish: try lowerTable(node, sourceOps: []) { $0 * max(0, min(1, $0 / 6 + 0.5)) }
        }
    }

    mutating func lowerClip(_ node: Node) throws {
        guard let lo = graph.constant(node.inputs[1])?.floats.first, let hi = graph.constant(node.inputs[2])?.floats.first else {
            throw fail(node, "min and max must be constant to quantize")
        }
        try lowerTable(node, sourceOps: []) { min(max($0, Double(lo)), Double(hi)) }
    }

    /// y = f(x) as a table over all 256 int8 inputs: out[q] = clamp(round(f(s_in·(q − z_in)) / s_out) + z_out).
    mutating func lowerTable(_ node: Node, sourceOps: [String], input inputValue: ValueID? = nil,
                             fixedOutput: QuantParams? = nil, _ f: (Double) -> Double) throws {
        let x = try input(inputValue ?? node.inputs[0], node)
        let inQ = quant(x)
        let outQ = fixedOutput ?? params(of: node.outputs[0])
        let table = (-128...127).map { q -> Int8 in
            let y = f(inQ.scale * Double(Int32(q) - inQ.zeroPoint))
            guard !y.isNaN else { return Int8(clamping: outQ.zeroPoint) }
            let r = (y / outQ.scale).rounded(.toNearestOrAwayFromZero) + Double(outQ.zeroPoint)
            return Int8(max(-128, min(127, r)))
        }
        let output = addTensor(node.outputs[0], quant: outQ)
        append(node, .table(QTable(input: x, output: output, table: table)), extraOps: sourceOps)
    }
}

extension BinaryOp {
    func applyDouble(_ a: Double, _ b: Double) -> Double {
        switch self {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        }
    }
}
