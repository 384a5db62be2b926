import Foundation
import MoteIR
import MoteONNX

/// `mote inspect MODEL.onnx [--json]`.
enum InspectCommand {
    struct Report: Codable {
        struct TensorInfo: Codable {
            var name: String
            var dtype: String
            var shape: [Int]
        }
        struct NodeInfo: Codable {
            var name: String
            var op: String
            var sourceOp: String
            var inputs: [String]
            var outputs: [TensorInfo]
            var parameters: Int
            var macs: Int
        }
        struct Totals: Codable {
            var nodes: Int
            var parameters: Int
            var macs: Int
        }
        var file: String
        var producer: String
        var irVersion: Int64
        var opset: Int64
        var inputs: [TensorInfo]
        var outputs: [TensorInfo]
        var nodes: [NodeInfo]
        var totals: Totals
    }

    static func run(_ args: [String], console: Console) throws {
        let parsed = try Arguments(args, valueOptions: [], flagOptions: ["--json"])
        let path = try parsed.onePositional("MODEL.onnx")
        let (model, graph) = try ModelLoading.load(path)
        let report = makeReport(path, model, graph)
        if parsed.flags.contains("--json") {
            console.out(try JSON.encode(report))
        } else {
            console.out(text(report))
        }
    }

    static func makeReport(_ path: String, _ model: ONNXModel, _ graph: Graph) -> Report {
        func info(_ id: ValueID) -> Report.TensorInfo {
            let v = graph[id]
            return .init(name: v.name, dtype: v.type.dtype.rawValue, shape: v.type.shape)
        }
        let nodes = graph.nodes.map { node -> Report.NodeInfo in
            let cost = graph.cost(of: node)
            return .init(name: node.name, op: node.op.name, sourceOp: node.sourceOp,
                         inputs: node.inputs.map { graph[$0].name }, outputs: node.outputs.map(info),
                         parameters: cost.parameters, macs: cost.macs)
        }
        let total = graph.totalCost
        let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        return Report(file: path, producer: producer, irVersion: model.irVersion, opset: model.defaultOpset ?? 0,
                      inputs: graph.inputs.map(info), outputs: graph.outputs.map(info), nodes: nodes,
                      totals: .init(nodes: nodes.count, parameters: total.parameters, macs: total.macs))
    }

    static func text(_ r: Report) -> String {
        func p(_ s: String) -> String { Diagnostic.printable(s, limit: 48) }
        var lines = ["model \(p(r.file)): \(r.producer.isEmpty ? "unknown producer" : p(r.producer)), opset \(r.opset), IR version \(r.irVersion)"]
        lines.append("inputs:")
        for t in r.inputs { lines.append("  \(p(t.name))  \(t.dtype)\(Shape.describe(t.shape))") }
        lines.append("outputs:")
        for t in r.outputs { lines.append("  \(p(t.name))  \(t.dtype)\(Shape.describe(t.shape))") }
        let rows = r.nodes.enumerated().map { i, n in
            ["\(i)", p(n.name), n.op == n.sourceOp ? n.op : "\(n.op) (\(n.sourceOp))",
             n.outputs.map { Shape.describe($0.shape) }.joined(separator: " "), "\(n.parameters)", "\(n.macs)"]
        }
        lines.append("nodes:")
        lines += Table.render(header: ["#", "name", "op", "output", "params", "MACs"], rows: rows, rightAligned: [0, 4, 5])
            .map { "  " + $0 }
        lines.append("total: \(r.totals.nodes) nodes, \(r.totals.parameters) parameters, \(r.totals.macs) MACs")
        return lines.joined(separator: "\n")
    }
}

/// Plain-text tables with aligned columns.
enum Table {
    static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return rightAligned.contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return all.map(line)
    }
}

/// One JSON object, keys sorted, snake_case: stable output for scripts.
enum JSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
