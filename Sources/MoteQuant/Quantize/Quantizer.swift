import MoteFixedPoint
import MoteFloat
import MoteIR

/// Float graph + calibration statistics → the int8 program (`QModel`).
///
/// Per node, in order: compute layers become conv/dense/add/mul with per-channel weights; a Relu or Clip
/// that is the only reader of such a layer's output becomes its clamp bounds; MatMul + constant Add becomes
/// one dense layer with a bias; elementwise functions of one tensor become exact 256-entry tables; data
/// movement keeps its input's quantization. Anything else is named in a `Diagnostic`.
///
/// Conv/dense weights are rounded to their grid (`WeightLayers.swift`); with `.gptq` the calibration samples
/// run through the integer layers as they are appended (`QuantizedActivations`), so each weight layer is
/// quantized against the inputs the integer program really gives it.
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
    /// Graph indices of the nodes that become conv/dense layers with weights, in order.
    let weightNodes: [Int]
    /// The node being lowered.
    var current = 0
    /// The calibration samples in the integer program built so far; nil when no layer needs them.
    var activations: QuantizedActivations?
    /// What each weight layer got, in order.
    var records: [WeightLayerRecord] = []
    /// Each weight layer under `options.alternatives`.
    var alternatives: [CompressionSearch.Alternatives] = []

    public static func quantize(_ graph: Graph, statistics: [TensorStatistics], calibration samples: [[FloatTensor]] = [],
                                options: QuantizeOptions = QuantizeOptions()) throws -> QModel {
        try quantizeDetailed(graph, statistics: statistics, calibration: samples, options: options).model
    }

    /// As `quantize`, with a record per weight layer (width, pruning, rounding used).
    public static func quantizeDetailed(_ graph: Graph, statistics: [TensorStatistics], calibration samples: [[FloatTensor]] = [],
                                        options: QuantizeOptions = QuantizeOptions()) throws -> QuantizationResult {
        var q = Quantizer(graph: graph, stats: statistics, options: options, model: QModel(name: graph.name),
                          consumers: graph.consumers(), weightNodes: Self.weightNodes(graph))
        try q.run(samples)
        return QuantizationResult(model: q.model, weightLayers: q.records, alternatives: q.alternatives)
    }

    /// Names of the nodes that become conv/dense layers (those `--layer-weights`/`--layer-prune` can name).
    public static func weightLayerNames(_ graph: Graph) -> [String] { weightNodes(graph).map { graph.nodes[$0].name } }

    static func weightNodes(_ graph: Graph) -> [Int] {
        graph.nodes.indices.filter { i in
            switch graph.nodes[i].op {
            case .conv, .batchNormalization, .gemm, .matMul: return true
            default: return false
            }
        }
    }

    mutating func run(_ samples: [[FloatTensor]]) throws {
        for id in graph.inputs { model.inputs.append(addTensor(id, quant: params(of: id))) }
        if !samples.isEmpty, weightNodes.contains(where: { needsLayerInputs(graph.nodes[$0], index: $0) }) {
            let count = QuantizedActivations.sampleCount(available: samples.count, maxSamples: options.gptqMaxSamples,
                                                         macs: graph.totalCost.macs)
            activations = QuantizedActivations(samples: samples, count: count, inputs: graph.inputs.map { (tensorOf[$0] ?? 0, params(of: $0)) })
        }
        // Where each value is read for the last time, so its per-sample data can go.
        var lastReader = [Int](repeating: -1, count: graph.values.count)
        for (i, readers) in consumers.enumerated() { lastReader[i] = readers.max() ?? -1 }
        let lastWeightNode = weightNodes.last ?? -1
        var problems: [Diagnostic] = []
        for (index, node) in graph.nodes.enumerated() where !absorbed.contains(index) {
            current = index
            let before = model.layers.count
            do {
                try lower(index, node)
            } catch let d as Diagnostic {
                problems.append(d.node == nil ? Diagnostic(node: node.name, op: node.sourceOp, d.message) : d)
                activations = nil  // the integer program is incomplete; the run fails below anyway
            }
            guard activations != nil else { continue }
            if index >= lastWeightNode {
                activations = nil  // nothing left to quantize against them
                continue
            }
            do {
                try activations?.run(model.layers[before...], tensors: model.tensors)
            } catch let d as Diagnostic {
                problems.append(d)
                activations = nil
                continue
            }
            for (value, t) in tensorOf where activations?.has(t) == true && lastReader[value.index] <= index {
                activations?.release(t)
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
