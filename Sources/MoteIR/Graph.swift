/// Index of a value (tensor) in `Graph.values`.
public struct ValueID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
    public var description: String { "%\(index)" }
}

/// A tensor in the graph: a graph input, a node output, or a constant.
public struct Value: Sendable, Equatable {
    /// Name from the source model (untrusted text: sanitise before emitting it anywhere).
    public var name: String
    public var type: TensorType
    /// Set for initializers and folded constants.
    public var constant: TensorData?

    public init(name: String, type: TensorType, constant: TensorData? = nil) {
        self.name = name
        self.type = type
        self.constant = constant
    }

    public var isConstant: Bool { constant != nil }
}

public struct Node: Sendable, Equatable {
    /// Name from the source model (may be empty in ONNX; the importer fills in a unique one).
    public var name: String
    /// The ONNX op this node came from (e.g. `Flatten` for a `.reshape`), for reports.
    public var sourceOp: String
    public var op: Op
    public var inputs: [ValueID]
    public var outputs: [ValueID]

    public init(name: String, sourceOp: String? = nil, op: Op, inputs: [ValueID], outputs: [ValueID]) {
        self.name = name
        self.sourceOp = sourceOp ?? op.name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A static-shaped dataflow graph whose nodes are in a valid execution order.
public struct Graph: Sendable, Equatable {
    public var name: String
    public var values: [Value]
    public var nodes: [Node]
    public var inputs: [ValueID]
    public var outputs: [ValueID]

    public init(name: String, values: [Value] = [], nodes: [Node] = [], inputs: [ValueID] = [], outputs: [ValueID] = []) {
        self.name = name
        self.values = values
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
    }

    public subscript(id: ValueID) -> Value {
        get { values[id.index] }
        set { values[id.index] = newValue }
    }

    @discardableResult
    public mutating func addValue(_ value: Value) -> ValueID {
        values.append(value)
        return ValueID(values.count - 1)
    }

    public func type(of id: ValueID) -> TensorType { values[id.index].type }
    public func constant(_ id: ValueID) -> TensorData? { values[id.index].constant }

    /// For every value, the indices of the nodes that read it.
    public func consumers() -> [[Int]] {
        var result = [[Int]](repeating: [], count: values.count)
        for (i, node) in nodes.enumerated() {
            for input in node.inputs where !result[input.index].contains(i) { result[input.index].append(i) }
        }
        return result
    }

    /// For every value, the index of the node that writes it (nil for inputs and constants).
    public func producers() -> [Int?] {
        var result = [Int?](repeating: nil, count: values.count)
        for (i, node) in nodes.enumerated() {
            for output in node.outputs { result[output.index] = i }
        }
        return result
    }

    /// Drops values no longer referenced by a node or the graph's inputs/outputs, renumbering the rest.
    public mutating func compact() {
        var used = [Bool](repeating: false, count: values.count)
        for id in inputs + outputs { used[id.index] = true }
        for node in nodes { for id in node.inputs + node.outputs { used[id.index] = true } }
        var remap = [Int](repeating: -1, count: values.count)
        var kept: [Value] = []
        for (i, value) in values.enumerated() where used[i] {
            remap[i] = kept.count
            kept.append(value)
        }
        func map(_ id: ValueID) -> ValueID { ValueID(remap[id.index]) }
        values = kept
        inputs = inputs.map(map)
        outputs = outputs.map(map)
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map(map)
            nodes[i].outputs = nodes[i].outputs.map(map)
        }
    }
}
