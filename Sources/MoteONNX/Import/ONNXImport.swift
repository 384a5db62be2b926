import MoteIR

/// Options for turning an ONNX model into a Graph.
public struct ImportOptions: Sendable {
    /// Graph inputs to bind to constant data (e.g. the weight inputs of ONNX conformance tests).
    public var constantInputs: [String: TensorData]
    /// Value given to symbolic or unknown dimensions of graph inputs (the batch dimension, usually).
    public var symbolicDimension: Int
    /// Fold BatchNormalization into a preceding Conv/Gemm where possible.
    public var foldBatchNorm: Bool

    public init(constantInputs: [String: TensorData] = [:], symbolicDimension: Int = 1, foldBatchNorm: Bool = true) {
        self.constantInputs = constantInputs
        self.symbolicDimension = symbolicDimension
        self.foldBatchNorm = foldBatchNorm
    }
}

/// ONNX → Graph. Pure: bytes in, graph or diagnostics out.
public enum ONNXImport {
    public static let supportedOpsets: ClosedRange<Int> = 6...25

    /// Decodes and imports a serialized ModelProto. `file` only labels diagnostics.
    public static func graph(fromBytes bytes: [UInt8], file: String, options: ImportOptions = ImportOptions()) throws -> Graph {
        let model: ONNXModel
        do {
            model = try ONNXDecoder.decodeModel(bytes)
        } catch let d as Diagnostic {
            throw d.inFile(file)
        }
        return try graph(from: model, file: file, options: options)
    }

    public static func graph(from model: ONNXModel, file: String, options: ImportOptions = ImportOptions()) throws -> Graph {
        do {
            return try importModel(model, options: options)
        } catch let d as Diagnostic {
            throw d.inFile(file)
        } catch let list as DiagnosticList {
            throw DiagnosticList(list.diagnostics.map { $0.inFile(file) })
        }
    }

    private static func importModel(_ model: ONNXModel, options: ImportOptions) throws -> Graph {
        guard model.hasGraph else { throw Diagnostic("the file holds no graph (is it an ONNX model?)") }
        guard let opset64 = model.defaultOpset else { throw Diagnostic("the model imports no opset of the default ONNX domain") }
        guard let opset = Int(exactly: opset64), supportedOpsets.contains(opset) else {
            throw Diagnostic("opset \(opset64) of the default domain is not supported (Mote reads opsets \(supportedOpsets.lowerBound)–\(supportedOpsets.upperBound))")
        }
        let onnx = model.graph
        guard onnx.sparseInitializerCount == 0 else { throw Diagnostic("sparse initializers are not supported") }

        let nodes = namedNodes(onnx.nodes)
        try checkSupport(nodes, opset: opset)
        let order = try executionOrder(nodes, graph: onnx)

        var ctx = ImportContext(graph: Graph(name: onnx.name), opset: opset)
        try bindInitializersAndInputs(onnx, options: options, &ctx)

        // Lower every node; after a failure keep going with the nodes that do not depend on it, so one run
        // reports every independent problem.
        var problems: [Diagnostic] = []
        var poisoned = Set<String>()
        for index in order {
            let node = nodes[index]
            if node.inputs.contains(where: { !$0.isEmpty && poisoned.contains($0) }) {
                poisoned.formUnion(node.outputs)
                continue
            }
            do {
                guard let importer = OpRegistry.importers[node.opType] else { continue }  // checked above
                try importer.lower(node, &ctx)
                for output in node.outputs where !output.isEmpty && ctx.env[output] == nil {
                    ctx.uncomputed[output] = node.name
                }
            } catch let d as Diagnostic {
                problems.append(d.node == nil ? Diagnostic(node: node.name, op: node.opType, d.message) : d)
                poisoned.formUnion(node.outputs)
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }

        for output in onnx.outputs {
            guard let id = ctx.env[output.name] else {
                throw Diagnostic("graph output '\(output.name)' is not computed by the supported part of any node")
            }
            ctx.graph.outputs.append(id)
        }
        guard !ctx.graph.outputs.isEmpty else { throw Diagnostic("the graph has no outputs") }

        var graph = ctx.graph
        graph.removeDeadNodes()
        if options.foldBatchNorm { graph.foldBatchNormalization() }
        graph.compact()
        try graph.verify()
        return graph
    }

    /// Gives unnamed nodes a stable name (`Conv_3`) so diagnostics and reports can point at them.
    private static func namedNodes(_ nodes: [ONNXNode]) -> [ONNXNode] {
        nodes.enumerated().map { i, node in
            var n = node
            if n.name.isEmpty { n.name = "\(node.opType.isEmpty ? "node" : node.opType)_\(i)" }
            return n
        }
    }

    /// Every node must be a supported op of the default domain in this opset with attributes Mote handles;
    /// all failures are reported at once.
    private static func checkSupport(_ nodes: [ONNXNode], opset: Int) throws {
        var problems: [Diagnostic] = []
        for node in nodes {
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                problems.append(node.failure("op domain '\(node.domain)' is not supported (only the default ONNX domain)"))
                continue
            }
            guard let importer = OpRegistry.importers[node.opType] else {
                problems.append(node.failure("op \(node.opType) is not supported"))
                continue
            }
            guard importer.opsets.contains(opset) else {
                problems.append(node.failure("op \(node.opType) is supported in opsets \(importer.opsets.lowerBound)–\(importer.opsets.upperBound), the model uses opset \(opset)"))
                continue
            }
            do {
                try importer.check(node, opset: opset)
            } catch let d as Diagnostic {
                problems.append(d)
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
    }

    /// A topological order of the nodes (ONNX requires one, but not every exporter provides it). Detects
    /// tensors written twice and cycles.
    private static func executionOrder(_ nodes: [ONNXNode], graph: ONNXGraph) throws -> [Int] {
        var producer: [String: Int] = [:]
        for (i, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if let other = producer[output] {
                    throw node.failure("output '\(output)' is also written by node '\(nodes[other].name)'")
                }
                producer[output] = i
            }
        }
        var indegree = [Int](repeating: 0, count: nodes.count)
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty {
                if let p = producer[input] {
                    indegree[i] += 1
                    dependents[p].append(i)
                }
            }
        }
        // Kahn's algorithm, always taking the lowest ready index: keeps the file's order when it is valid.
        var ready = (0..<nodes.count).filter { indegree[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let next = ready.popLast() {
            order.append(next)
            for d in dependents[next] {
                indegree[d] -= 1
                if indegree[d] == 0 {
                    let pos = ready.firstIndex(where: { $0 < d }) ?? ready.endIndex
                    ready.insert(d, at: pos)
                }
            }
        }
        if order.count < nodes.count {
            let stuck = (0..<nodes.count).filter { indegree[$0] > 0 }.prefix(5).map { "'\(nodes[$0].name)'" }
            throw Diagnostic("the graph has a cycle through nodes \(stuck.joined(separator: ", "))")
        }
        return order
    }

    private static func bindInitializersAndInputs(_ onnx: ONNXGraph, options: ImportOptions, _ ctx: inout ImportContext) throws {
        for tensor in onnx.initializers {
            let data: TensorData
            do {
                data = try tensor.data()
            } catch let d as Diagnostic {
                throw Diagnostic("initializer '\(tensor.name)': \(d.message)")
            }
            ctx.env[tensor.name] = ctx.newConstant(data, name: tensor.name)
        }
        for input in onnx.inputs where ctx.env[input.name] == nil {
            if let data = options.constantInputs[input.name] {
                ctx.env[input.name] = ctx.newConstant(data, name: input.name)
                continue
            }
            guard input.isTensor else { throw Diagnostic("graph input '\(input.name)' is not a tensor") }
            guard let dtype = ONNXDataType(rawValue: input.elemType)?.dtype, dtype == .float32 else {
                throw Diagnostic("graph input '\(input.name)' has element type #\(input.elemType); Mote's models take float32 inputs")
            }
            guard let dims = input.dims else { throw Diagnostic("graph input '\(input.name)' has no shape") }
            let shape = try dims.map { dim -> Int in
                switch dim {
                case .value(let v):
                    guard v >= 1, let d = Int(exactly: v) else {
                        throw Diagnostic("graph input '\(input.name)' has dimension \(v)")
                    }
                    return d
                case .param, .unknown:
                    return options.symbolicDimension
                }
            }
            guard Shape.checkedCount(shape) != nil else {
                throw Diagnostic("graph input '\(input.name)' shape \(Shape.describe(shape)) is too large")
            }
            let id = ctx.graph.addValue(Value(name: input.name, type: TensorType(.float32, shape)))
            ctx.graph.inputs.append(id)
            ctx.env[input.name] = id
        }
        guard !ctx.graph.inputs.isEmpty else { throw Diagnostic("the graph has no non-constant input") }
    }
}
