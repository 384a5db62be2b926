import Foundation
import MoteFloat
import MoteIR
import XCTest
import MoteTestSupport

final class InterpreterTests: XCTestCase {
    /// x [1,2,6,6] → conv 3×3 → relu → global avg pool → reshape [1,4] → gemm (constant B) → softmax.
    func smallNetwork(rng: inout SeededGenerator) throws -> (Graph, ValueID) {
        var b = GraphBuilder()
        let x = b.input("x", [1, 2, 6, 6])
        let w = b.constant("w", rng.tensor([4, 2, 3, 3]))
        let bias = b.constant("b", rng.tensor([4]))
        let conv = try b.node(.conv(ConvAttributes(kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1)), [x, w, bias])
        let relu = try b.node(.activation(.relu), [conv])
        let pool = try b.node(.globalAveragePool, [relu])
        let flat = try b.node(.reshape(shape: [1, 4]), [pool])
        let fc = try b.node(.gemm(GemmAttributes(transB: true)), [flat, b.constant("fc", rng.tensor([3, 4])), b.constant("fcb", rng.tensor([3]))])
        let prob = try b.node(.softmax(SoftmaxAttributes(axis: 1, coerceTo2D: false)), [fc])
        b.output(prob)
        return (b.graph, x)
    }

    func testObserveSeesEveryNonConstantValueOnceInOrder() throws {
        var rng = SeededGenerator(seed: 50)
        let (graph, x) = try smallNetwork(rng: &rng)
        let interpreter = try FloatInterpreter(graph: graph)
        XCTAssertEqual(interpreter.graph, graph)
        let input = rng.tensor([1, 2, 6, 6])
        var seen: [(ValueID, FloatTensor)] = []
        let outputs = try interpreter.run([input]) { id, t in seen.append((id, t)) }
        XCTAssertEqual(seen.map(\.0), [x] + graph.nodes.map { $0.outputs[0] })
        XCTAssertEqual(seen.first?.1, input)
        for (id, t) in seen {
            XCTAssertEqual(t.shape, graph.type(of: id).shape)
            XCTAssertEqual(t.data.count, graph.type(of: id).count)
        }
        XCTAssertEqual(seen.last?.1, outputs[0])
        // Relu output is the clamped conv output, the softmax sums to one.
        XCTAssertEqual(seen[2].1.data, seen[1].1.data.map { max($0, 0) })
        XCTAssertEqual(Double(outputs[0].data.reduce(0, +)), 1, accuracy: 1e-6)
        // Same result without the hook, and run after run.
        XCTAssertEqual(try interpreter.run([input]), outputs)
        XCTAssertEqual(try interpreter.run([input]), outputs)
    }

    func testRunBatchBothModes() throws {
        var rng = SeededGenerator(seed: 51)
        let (graph, _) = try smallNetwork(rng: &rng)
        let interpreter = try FloatInterpreter(graph: graph)
        let samples = (0..<3).map { _ in rng.tensor([1, 2, 6, 6]) }
        let single = try samples.map { try interpreter.run([$0])[0] }
        // Exact graph shape: one run.
        XCTAssertEqual(try interpreter.runBatch([samples[0]]), [single[0]])
        // A batch of 3 along axis 0.
        let batch = FloatTensor(shape: [3, 2, 6, 6], data: samples.flatMap(\.data))
        let out = try interpreter.runBatch([batch])
        XCTAssertEqual(out, [FloatTensor(shape: [3, 3], data: single.flatMap(\.data))])
    }

    func testRunBatchErrorsNameInputAndShapes() throws {
        var b = GraphBuilder()
        let x = b.input("images", [1, 4])
        let z = b.input("extra", [1, 4])
        b.output(try b.node(.binary(.add), [x, z]))
        let interpreter = try FloatInterpreter(graph: b.graph)
        let ok = try interpreter.runBatch([FloatTensor(shape: [2, 4], data: Array(repeating: 1, count: 8)),
                                           FloatTensor(shape: [2, 4], data: (0..<8).map(Float.init))])
        XCTAssertEqual(ok, [FloatTensor(shape: [2, 4], data: (1...8).map(Float.init))])

        func expectError(_ inputs: [FloatTensor], mentions: [String], line: UInt = #line) {
            XCTAssertThrowsError(try interpreter.runBatch(inputs), line: line) { error in
                guard let d = error as? Diagnostic else { return XCTFail("not a Diagnostic: \(error)", line: line) }
                for text in mentions { XCTAssertTrue(d.description.contains(text), "\(d) lacks \(text)", line: line) }
            }
        }
        expectError([FloatTensor(shape: [2, 5], data: Array(repeating: 0, count: 10)), FloatTensor(shape: [1, 4], data: [0, 0, 0, 0])],
                    mentions: ["images", "[2,5]", "[1,4]"])
        expectError([FloatTensor(shape: [2, 4], data: Array(repeating: 0, count: 8)), FloatTensor(shape: [3, 4], data: Array(repeating: 0, count: 12))],
                    mentions: ["extra", "[3,4]", "[1,4]"])
        expectError([FloatTensor(shape: [4], data: [0, 0, 0, 0]), FloatTensor(shape: [1, 4], data: [0, 0, 0, 0])],
                    mentions: ["images", "[4]", "[1,4]"])
        expectError([FloatTensor(shape: [2, 4], data: [0, 0])], mentions: ["2 inputs", "got 1"])

        // A graph whose input has dim 0 ≠ 1 cannot be batched.
        var c = GraphBuilder()
        let v = c.input("v", [2, 3])
        c.output(try c.node(.activation(.relu), [v]))
        let i2 = try FloatInterpreter(graph: c.graph)
        XCTAssertThrowsError(try i2.runBatch([FloatTensor(shape: [4, 3], data: Array(repeating: 0, count: 12))])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("'v'") && text.contains("[4,3]") && text.contains("[2,3]"), text)
        }
    }

    func testRunInputErrors() throws {
        var b = GraphBuilder()
        let x = b.input("x", [2, 3])
        b.output(try b.node(.activation(.relu), [x]))
        let interpreter = try FloatInterpreter(graph: b.graph)
        XCTAssertThrowsError(try interpreter.run([])) { XCTAssertTrue($0 is Diagnostic) }
        XCTAssertThrowsError(try interpreter.run([FloatTensor(shape: [3, 2], data: Array(repeating: 0, count: 6))])) { error in
            XCTAssertTrue("\(error)".contains("[3,2]") && "\(error)".contains("[2,3]") && "\(error)".contains("'x'"), "\(error)")
        }
        XCTAssertThrowsError(try interpreter.run([FloatTensor(shape: [2, 3], data: [1, 2])])) { error in
            XCTAssertTrue(error is Diagnostic && "\(error)".contains("2 values"), "\(error)")
        }
        XCTAssertThrowsError(try interpreter.runBatch([FloatTensor(shape: [2, 3], data: [1])])) { XCTAssertTrue($0 is Diagnostic) }
    }

    func testInvalidGraphIsRejected() {
        var g = Graph(name: "bad")
        let x = g.addValue(Value(name: "x", type: TensorType(.float32, [2, 3])))
        let y = g.addValue(Value(name: "y", type: TensorType(.float32, [3, 3])))   // wrong type for relu
        g.inputs = [x]
        g.nodes = [Node(name: "r", op: .activation(.relu), inputs: [x], outputs: [y])]
        g.outputs = [y]
        XCTAssertThrowsError(try FloatInterpreter(graph: g))
    }

    func testOutputsThatAreInputsOrConstantsAndSharedValues() throws {
        var b = GraphBuilder()
        let x = b.input("x", [1, 3])
        let k = b.constant("k", FloatTensor(shape: [1, 3], data: [1, 2, 3]))
        let sum = try b.node(.binary(.add), [x, k])
        let twice = try b.node(.binary(.add), [sum, sum])
        let flat = try b.node(.reshape(shape: [3]), [sum])
        b.output(twice); b.output(x); b.output(k); b.output(flat); b.output(sum)
        let interpreter = try FloatInterpreter(graph: b.graph)
        var observed: [ValueID] = []
        let out = try interpreter.run([FloatTensor(shape: [1, 3], data: [10, 20, 30])]) { id, _ in observed.append(id) }
        XCTAssertEqual(out, [FloatTensor(shape: [1, 3], data: [22, 44, 66]), FloatTensor(shape: [1, 3], data: [10, 20, 30]),
                             FloatTensor(shape: [1, 3], data: [1, 2, 3]), FloatTensor(shape: [3], data: [11, 22, 33]),
                             FloatTensor(shape: [1, 3], data: [11, 22, 33])])
        XCTAssertEqual(observed, [x, sum, twice, flat])
        XCTAssertFalse(observed.contains(k))
    }

    func testRunBatchRankZeroOutputAndSendable() throws {
        var b = GraphBuilder()
        let x = b.input("x", [1, 4])
        let r = try b.node(.reduceMean(axes: [0, 1], keepDims: false), [x])
        b.output(r)
        let interpreter = try FloatInterpreter(graph: b.graph)
        let out = try interpreter.runBatch([FloatTensor(shape: [2, 4], data: [1, 1, 1, 1, 2, 4, 6, 8])])
        XCTAssertEqual(out, [FloatTensor(shape: [2], data: [1, 5])])
        // Usable from several threads at once.
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values = [Float](repeating: -1, count: 4)
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let y = try? interpreter.run([FloatTensor(shape: [1, 4], data: [Float(i), 0, 0, 0])])
            results.lock.lock()
            results.values[i] = y?.first?.data.first ?? -1
            results.lock.unlock()
        }
        XCTAssertEqual(results.values, [0, 0.25, 0.5, 0.75])
    }
}
