import MoteFloat
import MoteIR
import XCTest
import MoteTestSupport

extension SeededGenerator {
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func bool() -> Bool { Bool.random(using: &self) }
    mutating func floats(_ n: Int, _ range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<n).map { _ in Float.random(in: range, using: &self) }
    }
    mutating func tensor(_ shape: [Int], _ range: ClosedRange<Float> = -1...1) -> FloatTensor {
        FloatTensor(shape: shape, data: floats(Shape.count(shape), range))
    }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

/// One operand of a single-node test graph: its data and whether it is a constant (initializer) or a graph input.
struct Operand {
    var tensor: FloatTensor
    var constant: Bool
    init(_ tensor: FloatTensor, constant: Bool = false) {
        self.tensor = tensor
        self.constant = constant
    }
}

/// A graph with one node `op` over `operands` (constants become initializers, the rest graph inputs in order).
func singleNodeGraph(_ op: Op, _ operands: [Operand]) throws -> Graph {
    var g = Graph(name: "test")
    var ids: [ValueID] = []
    for (i, operand) in operands.enumerated() {
        let t = operand.tensor
        let id = g.addValue(Value(name: "in\(i)", type: TensorType(.float32, t.shape),
                                  constant: operand.constant ? TensorData(floats: t.data, shape: t.shape) : nil))
        if !operand.constant { g.inputs.append(id) }
        ids.append(id)
    }
    let types = try ShapeInference.outputTypes(of: op, inputs: operands.map { TensorType(.float32, $0.tensor.shape) })
    let out = g.addValue(Value(name: "y", type: types[0]))
    g.nodes.append(Node(name: "node", op: op, inputs: ids, outputs: [out]))
    g.outputs = [out]
    return g
}

/// Runs `op` over `operands` through the interpreter and returns its single output.
func runSingle(_ op: Op, _ operands: [Operand]) throws -> FloatTensor {
    let graph = try singleNodeGraph(op, operands)
    let interpreter = try FloatInterpreter(graph: graph)
    let outputs = try interpreter.run(operands.filter { !$0.constant }.map(\.tensor))
    XCTAssertEqual(outputs.count, 1)
    return outputs[0]
}

/// |actual − expected| ≤ atol·max(1, max|expected|) + rtol·|expected| everywhere, and equal shapes.
func assertClose(_ actual: FloatTensor, _ expectedShape: [Int], _ expected: [Double], atol: Double = 2e-5, rtol: Double = 1e-5,
                 _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expectedShape, "shape " + message(), file: file, line: line)
    XCTAssertEqual(actual.data.count, expected.count, "count " + message(), file: file, line: line)
    guard actual.data.count == expected.count else { return }
    let scale = max(1, expected.filter(\.isFinite).map { abs($0) }.max() ?? 0)
    for i in expected.indices {
        let e = expected[i], a = Double(actual.data[i])
        let ok: Bool
        if e.isNaN { ok = a.isNaN } else if e.isInfinite { ok = a == e } else { ok = abs(a - e) <= atol * scale + rtol * abs(e) }
        if !ok {
            XCTFail("mismatch at \(i) of \(expected.count): got \(actual.data[i]), expected \(e) " + message(), file: file, line: line)
            return
        }
    }
}

/// Multi-index helpers for the naive references.
func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
    var index = [Int](repeating: 0, count: shape.count)
    var rest = flat
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        index[d] = rest % shape[d]
        rest /= shape[d]
    }
    return index
}

func ravel(_ index: [Int], _ shape: [Int]) -> Int {
    var flat = 0
    for d in 0..<shape.count { flat = flat * shape[d] + index[d] }
    return flat
}

/// Element of `shape`'s tensor that numpy broadcasting maps output `index` (of a higher or equal rank) to.
func broadcastSource(_ index: [Int], _ shape: [Int]) -> Int {
    let offset = index.count - shape.count
    var flat = 0
    for d in 0..<shape.count { flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d + offset]) }
    return flat
}

/// All multi-indices of a box, in row-major order.
func allIndices(_ shape: [Int]) -> [[Int]] {
    (0..<Shape.count(shape)).map { unravel($0, shape) }
}

/// Builds multi-node graphs by hand, typing every node with `ShapeInference`.
struct GraphBuilder {
    var graph = Graph(name: "built")

    mutating func input(_ name: String, _ shape: [Int]) -> ValueID {
        let id = graph.addValue(Value(name: name, type: TensorType(.float32, shape)))
        graph.inputs.append(id)
        return id
    }

    mutating func constant(_ name: String, _ tensor: FloatTensor) -> ValueID {
        graph.addValue(Value(name: name, type: TensorType(.float32, tensor.shape),
                             constant: TensorData(floats: tensor.data, shape: tensor.shape)))
    }

    @discardableResult
    mutating func node(_ op: Op, _ inputs: [ValueID], name: String? = nil) throws -> ValueID {
        let types = try ShapeInference.outputTypes(of: op, inputs: inputs.map { graph.type(of: $0) })
        let nodeName = name ?? "\(op.name.lowercased())_\(graph.nodes.count)"
        let out = graph.addValue(Value(name: nodeName + "_out", type: types[0]))
        graph.nodes.append(Node(name: nodeName, op: op, inputs: inputs, outputs: [out]))
        return out
    }

    mutating func output(_ id: ValueID) { graph.outputs.append(id) }
}
