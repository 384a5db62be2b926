import MoteFixedPoint
import MoteIR

/// Float graph + calibration statistics → the int8 program (`QModel`).
///
/// Per node, in order: compute layers become conv/dense/add/mul with per-channel weights; a Relu or Clip
/// that is the only reader of such a layer's output becomes its clamp bounds; MatMul + constant Add becomes
/// one dense layer with a bias; elementwise functions of one tensor become exact 256-entry tables; data
/// movement keeps its input's quantization. Anything else is named in a `Diagnostic`.
public struct Quantizer {
    let graph: Graph
    let stats: [TensorStatistics]
    let options: QuantizeOptions
    var model: QModel
    /// Float value → QModel tensor index.
    var tensorOf: [ValueID: Int] = [:]
    let consumers: [[Int]]
    /// Nodes already absorbed into an earlier layer (fused activations, bias adds).
    var absorbed = Set<Int>()

    public static func quantize(_ graph: Graph, statistics: [TensorStatistics], options: QuantizeOptions = QuantizeOptions()) throws -> QModel {
        var q = Quantizer(graph: graph, stats: statistics, options: options, model: QModel(name: graph.name),
                          consumers: graph.consumers())
        try q.run()
        return q.model
    }

    mutating func run() throws {
        for id in graph.inputs { model.inputs.append(addTensor(id, quant: params(of: id))) }
        var problems: [Diagnostic] = []
        for (index, node) in graph.nodes.enumerated() where !absorbed.contains(index) {
            do {
                try lower(index, node)
            } catch let d as Diagnostic {
                problems.append(d.node == nil ? Diagnostic(node: node.name, op: node.sourceOp, d.message) : d)
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        for id in graph.outputs {
            guard let t = tensorOf[id] else {
                throw Diagnostic("graph output '\(graph[id].name)' is a constant; Mote compiles only computed outputs")
            }
            model.outputs.append(t)
        }
    }

    // MARK: tensors and parameters

    mutating func addTensor(_ id: ValueID, quant: QuantParams) -> Int {
        model.tensors.append(QTensor(name: graph[id].name, shape: graph.type(of: id).shape, quant: quant))
        tensorOf[id] = model.tensors.count - 1
        return model.tensors.count - 1
    }

    func params(of id: ValueID) -> QuantParams {
        let (lo, hi) = RangeChoice.range(stats[id.index], method: options.rangeMethod)
        return RangeChoice.params(low: lo, high: hi)
    }

    func input(_ id: ValueID, _ node: Node) throws -> Int {
        guard let t = tensorOf[id] else {
            if graph[id].isConstant {
                throw Diagnostic(node: node.name, op: node.sourceOp, "a constant operand of shape \(Shape.describe(graph.type(of: id).shape)) is not supported in int8 (only weights of Conv/Gemm/MatMul and scalar constants of elementwise ops)")
            }
            throw Diagnostic(node: node.name, op: node.sourceOp, "input '\(graph[id].name)' was not quantized")
        }
        return t
    }

    func quant(_ t: Int) -> QuantParams { model.tensors[t].quant }

    mutating func append(_ node: Node, _ op: QOp, extraOps: [String] = []) {
        model.layers.append(QLayer(name: node.name, sourceOps: [node.sourceOp] + extraOps, op: op))
    }

    func fail(_ node: Node, _ message: String) -> Diagnostic { Diagnostic(node: node.name, op: node.sourceOp, message) }

    // MARK: activation fusion

    /// The single Relu/Clip reading `value`, if it can become the producer's clamp.
    func fusibleActivation(after value: ValueID) -> (index: Int, low: Float, high: Float)? {
        guard !graph.outputs.contains(value), consumers[value.index].count == 1 else { return nil }
        let index = consumers[value.index][0]
        let node = graph.nodes[index]
        switch node.op {
        case .activation(.relu):
            return (index, 0, .infinity)
        case .clip:
            guard let lo = graph.constant(node.inputs[1])?.floats.first, let hi = graph.constant(node.inputs[2])?.floats.first,
                  lo <= 0, hi >= 0 else { return nil }
            return (index, lo, hi)
        default:
            return nil
        }
    }

    /// The output value of a compute node after fusing its activation, the quantization of that value, and
    /// the clamp bounds in the int8 domain.
    mutating func fusedOutput(_ node: Node) -> (value: ValueID, quant: QuantParams, clampMin: Int32, clampMax: Int32, ops: [String]) {
        var value = node.outputs[0]
        var ops: [String] = []
        var low = -Float.infinity, high = Float.infinity
        if let act = fusibleActivation(after: value) {
            absorbed.insert(act.index)
            let actNode = graph.nodes[act.index]
            value = actNode.outputs[0]
            ops.append(actNode.sourceOp)
            low = act.low
            high = act.high
        }
        let q = params(of: value)
        func bound(_ x: Float, _ fallback: Int32) -> Int32 {
            guard x.isFinite else { return fallback }
            return Int32(max(-128, min(127, (Double(x) / q.scale).rounded(.toNearestOrAwayFromZero) + Double(q.zeroPoint))))
        }
        return (value, q, bound(low, -128), bound(high, 127), ops)
    }
}
