import MoteIR

/// The state of one import: the graph built so far and the ONNX tensor names bound to IR values.
struct ImportContext {
    var graph: Graph
    /// ONNX tensor name → IR value.
    var env: [String: ValueID] = [:]
    /// Optional outputs the importer does not compute (MaxPool indices, Dropout mask…) → producing node.
    var uncomputed: [String: String] = [:]
    let opset: Int

    init(graph: Graph, opset: Int) {
        self.graph = graph
        self.opset = opset
    }

    func type(_ id: ValueID) -> TensorType { graph.values[id.index].type }
    func constant(_ id: ValueID) -> TensorData? { graph.values[id.index].constant }

    /// True when input `i` is named (ONNX marks an absent optional input with an empty name).
    func hasInput(_ node: ONNXNode, _ i: Int) -> Bool { i < node.inputs.count && !node.inputs[i].isEmpty }

    func input(_ node: ONNXNode, _ i: Int) throws -> ValueID {
        guard hasInput(node, i) else { throw node.failure("required input #\(i + 1) is missing") }
        let name = node.inputs[i]
        guard let id = env[name] else {
            if let producer = uncomputed[name] {
                throw node.failure("input '\(name)' is an optional output of node '\(producer)' that Mote does not compute")
            }
            throw node.failure("input '\(name)' is not produced by any node, initializer or graph input")
        }
        return id
    }

    func optionalInput(_ node: ONNXNode, _ i: Int) throws -> ValueID? {
        hasInput(node, i) ? try input(node, i) : nil
    }

    /// The constant behind input `i`, or an error saying that Mote needs it to be known at compile time.
    func constantInput(_ node: ONNXNode, _ i: Int, _ what: String) throws -> TensorData {
        let id = try input(node, i)
        guard let data = constant(id) else {
            throw node.failure("\(what) (input '\(node.inputs[i])') must be a constant or computable from constants at compile time")
        }
        return data
    }

    /// Integer values of a constant input (shapes, axes, pads), range-checked. With `clamping`, values beyond
    /// ±2^40 are clamped instead (Slice bounds use INT64_MIN/MAX to mean "to the end").
    func constantInts(_ node: ONNXNode, _ i: Int, _ what: String, clamping: Bool = false) throws -> [Int] {
        let data = try constantInput(node, i, what)
        guard !data.isFloat || data.dtype == .float32 && data.floats.allSatisfy({ $0 == $0.rounded() }) else {
            throw node.failure("\(what) must hold integers")
        }
        return try data.ints.map { v in
            if clamping { return Int(min(max(v, -(1 << 40)), 1 << 40)) }
            guard let i = Int(exactly: v), abs(i) <= 1 << 40 else { throw node.failure("\(what) has out-of-range value \(v)") }
            return i
        }
    }

    /// Requires a float32 input for a computing op (Mote computes nothing else in float).
    mutating func floatInput(_ node: ONNXNode, _ i: Int) throws -> ValueID {
        let id = try input(node, i)
        let t = type(id)
        guard t.dtype == .float32 || (constant(id) != nil && t.dtype.isFloatingPoint) else {
            throw node.failure("input '\(node.inputs[i])' is \(t.dtype.rawValue); only float32 is supported")
        }
        if let c = constant(id), t.dtype != .float32 {
            // float64/float16 initializers feeding float32 math: store them as float32.
            return newConstant(TensorData(floats: c.floats, shape: c.shape), name: graph.values[id.index].name)
        }
        return id
    }

    /// Adds a constant value and returns its id.
    mutating func newConstant(_ data: TensorData, name: String) -> ValueID {
        graph.addValue(Value(name: name, type: data.type, constant: data))
    }

    /// Binds output `i` of the node to a constant (constant folding).
    mutating func defineConstant(_ node: ONNXNode, _ data: TensorData, output i: Int = 0) throws {
        guard Shape.checkedCount(data.shape) != nil else { throw node.failure("folded constant is too large") }
        let id = newConstant(data, name: outputName(node, i))
        bind(node, i, id)
    }

    /// Binds output `i` of the node to an existing value (Identity, Dropout, no-op reshapes).
    mutating func alias(_ node: ONNXNode, output i: Int = 0, to id: ValueID) {
        bind(node, i, id)
    }

    /// Adds an IR node computing `op` on `inputs`, types its output by shape inference, and binds it to the
    /// node's output `i`.
    @discardableResult
    mutating func emit(_ node: ONNXNode, _ op: Op, inputs: [ValueID], output i: Int = 0) throws -> ValueID {
        let id = try emitIntermediate(node, op, inputs: inputs, name: outputName(node, i))
        bind(node, i, id)
        return id
    }

    /// Adds an IR node whose output is not an ONNX tensor (when one ONNX node lowers to several).
    mutating func emitIntermediate(_ node: ONNXNode, _ op: Op, inputs: [ValueID], name: String) throws -> ValueID {
        let types: [TensorType]
        do {
            types = try ShapeInference.outputTypes(of: op, inputs: inputs.map(type))
        } catch let d as Diagnostic {
            throw node.failure(d.message)
        }
        guard let out = types.first, Shape.checkedCount(out.shape) != nil, !out.shape.contains(0) else {
            throw node.failure("output shape \(types.first.map { Shape.describe($0.shape) } ?? "?") is empty or too large")
        }
        let id = graph.addValue(Value(name: name, type: out))
        graph.nodes.append(Node(name: node.name, sourceOp: node.opType, op: op, inputs: inputs, outputs: [id]))
        return id
    }

    private func outputName(_ node: ONNXNode, _ i: Int) -> String {
        i < node.outputs.count && !node.outputs[i].isEmpty ? node.outputs[i] : "\(node.name):\(i)"
    }

    private mutating func bind(_ node: ONNXNode, _ i: Int, _ id: ValueID) {
        if i < node.outputs.count, !node.outputs[i].isEmpty { env[node.outputs[i]] = id }
    }
}
