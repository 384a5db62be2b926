import MoteFloat
import MoteIR

/// A layer whose input channels are removed and whose weights are refit: how its input becomes least-squares
/// rows (im2col for a convolution, the feature vector for Gemm/MatMul), and how its weights are read as a
/// matrix W (outputs × input columns, plus the bias as a last column) and written back.
struct Consumer {
    enum Kind {
        case conv(ConvAttributes)
        case gemm(GemmAttributes)
        /// `biasAdd`: the node that adds a per-output constant to the MatMul (its only reader), which takes
        /// the refit's bias; without one the refit has no intercept.
        case matMul(biasAdd: Int?)
    }

    let node: Int
    let kind: Kind
    /// Axis-1 size of the input in the original graph.
    let inputChannels: Int
    /// Columns per input channel: kernel taps for a convolution, 1 for Gemm/MatMul.
    let taps: Int
    /// Output positions per sample (output spatial size for a convolution, 1 otherwise).
    let positions: Int
    /// For a convolution: per output position, the input spatial offset of each tap (−1 where it reads padding).
    private let tapOffsets: [Int]
    private let inputSpatial: Int

    init(node index: Int, in graph: Graph) {
        node = index
        let n = graph.nodes[index]
        let x = graph.type(of: n.inputs[0]).shape
        let y = graph.type(of: n.outputs[0]).shape
        inputChannels = x[1]
        switch n.op {
        case .conv(let a):
            kind = .conv(a)
            taps = Shape.count(a.kernel)
            let inSpatial = Array(x[2...]), outSpatial = Array(y[2...])
            positions = Shape.count(outSpatial)
            inputSpatial = Shape.count(inSpatial)
            tapOffsets = Consumer.offsets(a, input: inSpatial, output: outSpatial)
        case .gemm(let a):
            kind = .gemm(a)
            (taps, positions, inputSpatial, tapOffsets) = (1, 1, 1, [])
        default:
            let readers = graph.consumers()[n.outputs[0].index]
            var biasAdd: Int?
            if readers.count == 1, !graph.outputs.contains(n.outputs[0]) {
                let r = graph.nodes[readers[0]]
                let other = r.inputs[0] == n.outputs[0] ? r.inputs[1] : r.inputs[0]
                if r.op == .binary(.add), r.inputs[0] != r.inputs[1], let c = graph[other].constant,
                   c.count == y[1], c.shape.last == y[1] { biasAdd = readers[0] }
            }
            kind = .matMul(biasAdd: biasAdd)
            (taps, positions, inputSpatial, tapOffsets) = (1, 1, 1, [])
        }
    }

    var hasIntercept: Bool {
        if case .matMul(let add) = kind { return add != nil }
        return true
    }

    /// Input offsets of every (output position, tap) pair of a convolution, row-major over both.
    private static func offsets(_ a: ConvAttributes, input: [Int], output: [Int]) -> [Int] {
        let s = a.spatialRank
        let outStrides = Shape.strides(output), kStrides = Shape.strides(a.kernel), inStrides = Shape.strides(input)
        let taps = Shape.count(a.kernel), positions = Shape.count(output)
        var result = [Int](repeating: -1, count: positions * taps)
        for p in 0..<positions {
            for t in 0..<taps {
                var offset = 0
                var inside = true
                for d in 0..<s {
                    let o = (p / outStrides[d]) % output[d], k = (t / kStrides[d]) % a.kernel[d]
                    let i = o * a.strides[d] - a.pads[d] + k * a.dilations[d]
                    if i < 0 || i >= input[d] { inside = false; break }
                    offset += i * inStrides[d]
                }
                if inside { result[p * taps + t] = offset }
            }
        }
        return result
    }

    /// The least-squares row of output position `p` from `input` (the layer's input tensor, whose axis-1 index
    /// `channels[j]` becomes columns j·taps ..< (j+1)·taps).
    func row(_ input: FloatTensor, channels: [Int], position p: Int) -> [Double] {
        var row = [Double](repeating: 0, count: channels.count * taps)
        if tapOffsets.isEmpty {
            for (j, c) in channels.enumerated() { row[j] = Double(input.data[c]) }
            return row
        }
        let base = p * taps
        for (j, c) in channels.enumerated() {
            let plane = c * inputSpatial
            for t in 0..<taps {
                let o = tapOffsets[base + t]
                if o >= 0 { row[j * taps + t] = Double(input.data[plane + o]) }
            }
        }
        return row
    }

    /// Values of output rows `rows` at position `p` of the layer's output tensor (the least-squares targets).
    func target(_ output: FloatTensor, rows: [Int], position p: Int) -> [Double] {
        rows.map { Double(output.data[$0 * positions + p]) }
    }

    /// W: one row per output, columns (input channel, tap) in weight layout, then the bias when `hasIntercept`.
    /// The Gemm's alpha and beta are folded in; a MatMul's bias column is 0 (its target excludes the bias Add).
    func weights(in graph: Graph) throws -> Matrix {
        let n = graph.nodes[node]
        guard let w = graph[n.inputs[1]].constant?.floats else { throw Diagnostic(node: n.name, op: n.op.name, "weights are not constant") }
        let bias = n.inputs.count > 2 ? graph[n.inputs[2]].constant?.floats : nil
        let k = inputChannels * taps
        let cols = k + (hasIntercept ? 1 : 0)
        switch kind {
        case .conv:
            let outputs = graph.type(of: n.inputs[1]).shape[0]
            var m = Matrix(rows: outputs, cols: cols)
            for r in 0..<outputs {
                for c in 0..<k { m[r, c] = Double(w[r * k + c]) }
                m[r, k] = Double(bias?[r] ?? 0)
            }
            return m
        case .gemm(let a):
            let outputs = graph.type(of: n.outputs[0]).shape[1]
            var m = Matrix(rows: outputs, cols: cols)
            for r in 0..<outputs {
                for c in 0..<k { m[r, c] = Double(a.alpha) * Double(a.transB ? w[r * k + c] : w[c * outputs + r]) }
                if let bias { m[r, k] = Double(a.beta) * Double(bias.count == 1 ? bias[0] : bias[r]) }
            }
            return m
        case .matMul:
            let outputs = graph.type(of: n.outputs[0]).shape[1]
            var m = Matrix(rows: outputs, cols: cols)
            for r in 0..<outputs { for c in 0..<k { m[r, c] = Double(w[c * outputs + r]) } }
            return m
        }
    }

    /// Writes a refit W (the layer's current outputs × (`inputChannels'`·taps + intercept)) into the layer, as
    /// new constants. A Gemm is rewritten with alpha = beta = 1 and a [N] bias; a Conv gains a bias if it had none.
    func write(_ m: Matrix, into graph: inout Graph) throws {
        let n = graph.nodes[node]
        let k = m.cols - (hasIntercept ? 1 : 0)
        let outputs = m.rows
        let name = graph[n.inputs[1]].name
        func constant(_ values: [Float], _ shape: [Int], _ suffix: String) -> ValueID {
            graph.addValue(Value(name: name + suffix, type: TensorType(.float32, shape), constant: TensorData(floats: values, shape: shape)))
        }
        let bias = (0..<outputs).map { Float(hasIntercept ? m[$0, k] : 0) }
        switch kind {
        case .conv:
            var shape = graph.type(of: n.inputs[1]).shape
            shape[1] = k / taps
            let w = constant(m.data.enumerated().filter { $0.offset % m.cols < k }.map { Float($0.element) }, shape, ".refit")
            graph.nodes[node].inputs = [n.inputs[0], w, constant(bias, [outputs], ".refit_bias")]
        case .gemm(let a):
            var values = [Float](repeating: 0, count: outputs * k)
            for r in 0..<outputs { for c in 0..<k { values[a.transB ? r * k + c : c * outputs + r] = Float(m[r, c]) } }
            let w = constant(values, a.transB ? [outputs, k] : [k, outputs], ".refit")
            graph.nodes[node].op = .gemm(GemmAttributes(alpha: 1, beta: 1, transA: false, transB: a.transB))
            graph.nodes[node].inputs = [n.inputs[0], w, constant(bias, [outputs], ".refit_bias")]
        case .matMul(let add):
            var values = [Float](repeating: 0, count: outputs * k)
            for r in 0..<outputs { for c in 0..<k { values[c * outputs + r] = Float(m[r, c]) } }
            graph.nodes[node].inputs = [n.inputs[0], constant(values, [k, outputs], ".refit")]
            if let add {
                let adder = graph.nodes[add]
                let slot = graph[adder.inputs[0]].isConstant ? 0 : 1
                guard let old = graph[adder.inputs[slot]].constant, old.count == outputs else {
                    throw Diagnostic(node: adder.name, op: adder.op.name, "bias does not match the refit layer")
                }
                let shifted = zip(old.floats, bias).map { $0 + $1 }
                graph.nodes[add].inputs[slot] = constant(shifted, old.shape, ".refit_bias")
            }
        }
    }
}
