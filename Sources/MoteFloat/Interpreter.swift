import MoteIR

/// Runs a `Graph` on float32 inputs: the reference that quantized code is checked against, and the engine
/// calibration uses over many samples. Kernels are prepared once (attributes resolved, constant weights
/// packed for the GEMM); a run allocates each node's output, frees every tensor after its last reader, and
/// works single-threaded.
public struct FloatInterpreter: Sendable {
    public let graph: Graph

    private enum Step: Sendable {
        case kernel(any NodeKernel)
        /// Output shares the input's data (Reshape).
        case alias
    }

    private let steps: [Step]
    private let constants: [FloatBuffer?]
    /// Values whose last reader is node i (excluding graph outputs and constants), dropped after it runs.
    private let releases: [[Int]]
    private let workspaces = WorkspacePool()

    public init(graph: Graph) throws {
        try graph.verify()
        self.graph = graph
        let constants = graph.values.map { value in value.constant.map { FloatBuffer($0.floats) } }
        self.constants = constants
        steps = graph.nodes.map { FloatInterpreter.step(for: $0, in: graph, constants: constants) }
        var lastUse = [Int?](repeating: nil, count: graph.values.count)
        for (i, node) in graph.nodes.enumerated() { for id in node.inputs { lastUse[id.index] = i } }
        var releases = [[Int]](repeating: [], count: graph.nodes.count)
        var keep = Set(graph.outputs.map(\.index))
        for (i, v) in graph.values.enumerated() where v.isConstant { keep.insert(i) }
        for (v, node) in lastUse.enumerated() {
            if let node, !keep.contains(v) { releases[node].append(v) }
        }
        self.releases = releases
    }

    private static func step(for node: Node, in graph: Graph, constants: [FloatBuffer?]) -> Step {
        let count = graph.type(of: node.outputs[0]).count
        switch node.op {
        case .conv(let a): return .kernel(ConvKernel(graph: graph, node: node, attrs: a, constants: constants))
        case .gemm(let a): return .kernel(GemmKernel(graph: graph, node: node, attrs: a, constants: constants))
        case .matMul: return .kernel(MatMulKernel(graph: graph, node: node, constants: constants))
        case .binary(let op): return .kernel(BinaryKernel(graph: graph, node: node, op: op))
        case .activation(let a): return .kernel(ActivationKernel(activation: a, count: count))
        case .clip: return .kernel(ClipKernel(count: count))
        case .softmax(let a): return .kernel(SoftmaxKernel(graph: graph, node: node, attrs: a))
        case .maxPool(let a): return .kernel(PoolKernel(graph: graph, node: node, attrs: a, isMax: true))
        case .averagePool(let a): return .kernel(PoolKernel(graph: graph, node: node, attrs: a, isMax: false))
        case .globalAveragePool: return .kernel(GlobalPoolKernel(graph: graph, node: node, isMax: false))
        case .globalMaxPool: return .kernel(GlobalPoolKernel(graph: graph, node: node, isMax: true))
        case .batchNormalization(let eps): return .kernel(BatchNormKernel(graph: graph, node: node, epsilon: eps))
        case .reshape: return .alias
        case .transpose(let perm): return .kernel(TransposeKernel(graph: graph, node: node, perm: perm))
        case .concat(let axis): return .kernel(ConcatKernel(graph: graph, node: node, axis: axis))
        case .pad(let a): return .kernel(PadKernel(graph: graph, node: node, attrs: a))
        case .reduceMean(let axes, _): return .kernel(ReduceMeanKernel(graph: graph, node: node, axes: axes))
        }
    }

    /// One run; inputs in `graph.inputs` order with exactly the graph's input shapes. `observe` sees every
    /// non-constant value (graph inputs and every node output) once, as it is computed (calibration hook).
    public func run(_ inputs: [FloatTensor], observe: ((ValueID, FloatTensor) -> Void)? = nil) throws -> [FloatTensor] {
        try checkInputs(inputs)
        var store = constants
        let ws = workspaces.take()
        defer { workspaces.give(ws) }
        for (t, id) in graph.inputs.enumerated() {
            store[id.index] = FloatBuffer(inputs[t].data)
            observe?(id, inputs[t])
        }
        var pointers: [UnsafePointer<Float>] = []
        for (i, node) in graph.nodes.enumerated() {
            let outID = node.outputs[0]
            let outType = graph.type(of: outID)
            pointers.removeAll(keepingCapacity: true)
            for id in node.inputs {
                guard let buffer = store[id.index] else {
                    throw Diagnostic(node: node.name, op: node.op.name, "input '\(Diagnostic.printable(graph.values[id.index].name))' was not computed")
                }
                pointers.append(UnsafePointer(buffer.pointer))
            }
            let output: FloatBuffer
            switch steps[i] {
            case .alias:
                guard let input = store[node.inputs[0].index] else { continue }
                output = input
            case .kernel(let kernel):
                output = FloatBuffer(uninitialized: outType.count)
                do {
                    // `store` keeps every input buffer alive while the kernel reads it.
                    try kernel.run(pointers, output.pointer, ws)
                } catch var d as Diagnostic {
                    if d.node == nil { d.node = node.name; d.op = node.op.name }
                    throw d
                }
            }
            store[outID.index] = output
            observe?(outID, FloatTensor(shape: outType.shape, data: output.array))
            for v in releases[i] { store[v] = nil }
        }
        return try graph.outputs.map { id in
            guard let buffer = store[id.index] else {
                throw Diagnostic("graph output '\(Diagnostic.printable(graph.values[id.index].name))' was not computed")
            }
            return FloatTensor(shape: graph.type(of: id).shape, data: buffer.array)
        }
    }

    private func checkInputs(_ inputs: [FloatTensor]) throws {
        guard inputs.count == graph.inputs.count else {
            throw Diagnostic("the graph has \(graph.inputs.count) input\(graph.inputs.count == 1 ? "" : "s"), got \(inputs.count)")
        }
        for (t, id) in graph.inputs.enumerated() {
            let expected = graph.type(of: id).shape
            let name = Diagnostic.printable(graph.values[id.index].name)
            guard inputs[t].shape == expected else {
                throw Diagnostic("input '\(name)' has shape \(Shape.describe(inputs[t].shape)), the graph expects \(Shape.describe(expected))")
            }
            guard inputs[t].data.count == Shape.count(expected) else {
                throw Diagnostic("input '\(name)' holds \(inputs[t].data.count) values for shape \(Shape.describe(expected)) (\(Shape.count(expected)) expected)")
            }
        }
    }

    /// A batch along axis 0: if every input's shape equals the graph input shape, one run; otherwise, when every
    /// graph input has dim 0 == 1 and each given tensor is [B] + graphShape[1...] (same B for all), runs B samples
    /// and concatenates each output along axis 0 (a rank-0 output becomes [B]). Anything else throws a Diagnostic
    /// that names the input and both shapes.
    public func runBatch(_ inputs: [FloatTensor]) throws -> [FloatTensor] {
        guard inputs.count == graph.inputs.count else {
            throw Diagnostic("the graph has \(graph.inputs.count) input\(graph.inputs.count == 1 ? "" : "s"), got \(inputs.count)")
        }
        let shapes = graph.inputs.map { graph.type(of: $0).shape }
        if zip(inputs, shapes).allSatisfy({ $0.shape == $1 }) { return try run(inputs) }

        var batch: Int?
        var batchSource = ""
        for (t, id) in graph.inputs.enumerated() {
            let expected = shapes[t], given = inputs[t].shape
            let name = Diagnostic.printable(graph.values[id.index].name)
            let batchable = !expected.isEmpty && expected[0] == 1 && given.count == expected.count
                && given[0] >= 1 && given[1...] == expected[1...]
            guard batchable else {
                let form = !expected.isEmpty && expected[0] == 1
                    ? " (or a batch [" + (["B"] + expected.dropFirst().map(String.init)).joined(separator: ",") + "])"
                    : ""
                throw Diagnostic("input '\(name)' has shape \(Shape.describe(given)), the graph expects \(Shape.describe(expected))\(form)")
            }
            if let batch, batch != given[0] {
                throw Diagnostic("input '\(name)' has shape \(Shape.describe(given)), a batch of \(given[0]) for graph shape \(Shape.describe(expected)), but input '\(batchSource)' has a batch of \(batch)")
            }
            if batch == nil { batch = given[0]; batchSource = name }
            guard inputs[t].data.count == Shape.count(given) else {
                throw Diagnostic("input '\(name)' holds \(inputs[t].data.count) values for shape \(Shape.describe(given)) (\(Shape.count(given)) expected)")
            }
        }
        let b = batch ?? 1
        let outShapes = graph.outputs.map { graph.type(of: $0).shape }
        var outData = outShapes.map { [Float](reserveCapacity: Shape.count($0) * b) }
        for sample in 0..<b {
            let slices = zip(inputs, shapes).map { tensor, shape -> FloatTensor in
                let n = Shape.count(shape)
                return FloatTensor(shape: shape, data: Array(tensor.data[(sample * n)..<((sample + 1) * n)]))
            }
            let outs = try run(slices)
            for (t, out) in outs.enumerated() { outData[t].append(contentsOf: out.data) }
        }
        return zip(outShapes, outData).map { shape, data in
            let batched = shape.isEmpty ? [b] : [shape[0] * b] + shape[1...]
            return FloatTensor(shape: batched, data: data)
        }
    }
}

private extension Array where Element == Float {
    init(reserveCapacity n: Int) {
        self.init()
        reserveCapacity(n)
    }
}
