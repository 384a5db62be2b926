import MoteIR
import MoteInteger
import XCTest

/// The interpreter's API on whole models, and validation of malformed ones: every problem is a Diagnostic
/// naming the layer, never a trap.
final class InterpreterTests: XCTestCase {
    private func tensor(_ name: String, _ shape: [Int]) -> QTensor {
        QTensor(name: name, shape: shape, quant: QuantParams(scale: 0.1, zeroPoint: 0))
    }

    private let one = QMultiplier(multiplier: 1 << 30, shift: 1)

    /// x [1, 1, 2, 2] → conv 1×1 (×2) → reshape [1, 4] → dense (sum) → table (negate).
    private func chain() -> QModel {
        let conv = QConv(input: 0, output: 1, batch: 1, inChannels: 1, inHeight: 2, inWidth: 2, outChannels: 1,
                         outHeight: 2, outWidth: 2, kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1,
                         dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, groups: 1, weights: [2], bias: [0],
                         requant: [one], inputOffset: 0, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        let dense = QDense(input: 2, output: 3, rows: 1, inFeatures: 4, outFeatures: 1, weights: [1, 1, 1, 1], bias: [0],
                           requant: [one], inputOffset: 0, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        let negate = QTable(input: 3, output: 4, table: (-128...127).map { Int8(clamping: -$0) })
        return QModel(name: "chain",
                      tensors: [tensor("x", [1, 1, 2, 2]), tensor("c", [1, 1, 2, 2]), tensor("r", [1, 4]),
                                tensor("d", [1, 1]), tensor("y", [1, 1])],
                      layers: [QLayer(name: "conv", sourceOps: ["Conv"], op: .conv(conv)),
                               QLayer(name: "flat", sourceOps: ["Flatten"], op: .reshape(input: 1, output: 2)),
                               QLayer(name: "fc", sourceOps: ["Gemm"], op: .dense(dense)),
                               QLayer(name: "neg", sourceOps: ["Neg"], op: .table(negate))],
                      inputs: [0], outputs: [4, 1])
    }

    func testRunsAChainAndObservesEveryLayer() throws {
        let interpreter = try IntegerInterpreter(model: chain())
        var seen: [(Int, [Int8])] = []
        let outputs = try interpreter.run([[1, 2, 3, -4]]) { seen.append(($0, $1)) }
        // conv: [2, 4, 6, −8]; dense: 4; negate: −4. Outputs in model.outputs order: y, then c.
        XCTAssertEqual(outputs, [[-4], [2, 4, 6, -8]])
        XCTAssertEqual(seen.map(\.0), [1, 2, 3, 4])
        XCTAssertEqual(seen.map(\.1), [[2, 4, 6, -8], [2, 4, 6, -8], [4], [-4]])
        XCTAssertEqual(try interpreter.run([[1, 2, 3, -4]]), outputs)
    }

    /// One layer run on its own (the quantizer's use) gives what it gives inside the model, and bad inputs
    /// or a malformed layer are Diagnostics.
    func testSingleLayerMatchesTheModelRun() throws {
        let model = chain()
        var seen: [Int: [Int8]] = [0: [1, 2, 3, -4]]
        _ = try IntegerInterpreter(model: model).run([[1, 2, 3, -4]]) { seen[$0] = $1 }
        for layer in model.layers {
            let single = try IntegerLayer(layer, tensors: model.tensors)
            XCTAssertEqual(try single.run(layer.op.inputs.map { seen[$0] ?? [] }), seen[layer.op.output], layer.name)
        }
        let conv = try IntegerLayer(model.layers[0], tensors: model.tensors)
        XCTAssertThrowsError(try conv.run([[1, 2, 3]]))
        XCTAssertThrowsError(try conv.run([]))
        var broken = model.layers[0]
        if case .conv(var p) = broken.op { p.weights = [1, 2]; broken.op = .conv(p) }
        XCTAssertThrowsError(try IntegerLayer(broken, tensors: model.tensors)) { error in
            XCTAssertEqual((error as? Diagnostic)?.node, "conv")
        }
    }

    func testRejectsWrongInputs() throws {
        let interpreter = try IntegerInterpreter(model: chain())
        XCTAssertThrowsError(try interpreter.run([])) { XCTAssertTrue("\($0)".contains("1 inputs, got 0"), "\($0)") }
        XCTAssertThrowsError(try interpreter.run([[1, 2, 3]])) { XCTAssertTrue("\($0)".contains("has 3 values, expected 4"), "\($0)") }
    }

    /// Applies `mutate` to a valid chain model and expects a Diagnostic naming `layer` and containing `message`.
    private func assertRejected(_ layer: String?, _ message: String, file: StaticString = #filePath, line: UInt = #line,
                                _ mutate: (inout QModel) -> Void) {
        var model = chain()
        mutate(&model)
        XCTAssertThrowsError(try IntegerInterpreter(model: model), file: file, line: line) { error in
            guard let d = error as? Diagnostic else { return XCTFail("not a Diagnostic: \(error)", file: file, line: line) }
            XCTAssertEqual(d.node, layer, file: file, line: line)
            XCTAssertTrue(d.message.contains(message), "\(d)", file: file, line: line)
        }
    }

    private func withConv(_ model: inout QModel, _ change: (inout QConv) -> Void) {
        guard case .conv(var c) = model.layers[0].op else { return XCTFail("layer 0 is not a conv") }
        change(&c)
        model.layers[0].op = .conv(c)
    }

    func testRejectsMalformedModels() {
        assertRejected(nil, "refers to tensor 9") { $0.inputs = [9] }
        assertRejected(nil, "never computed") { $0.outputs = [3, 2, 0, 4, 1]; $0.layers.removeLast() }
        assertRejected("flat", "input tensor 7 is out of range") { $0.layers[1].op = .reshape(input: 7, output: 2) }
        assertRejected("flat", "is not computed before") { $0.layers.swapAt(0, 1) }
        assertRejected("flat", "already written") { $0.layers[1].op = .reshape(input: 1, output: 0) }
        assertRejected("flat", "has 5 elements") { $0.tensors[2].shape = [1, 5] }
        assertRejected("conv", "weights has 2 values, expected 1") { self.withConv(&$0) { $0.weights = [1, 2] } }
        assertRejected("conv", "bias has 0 values") { self.withConv(&$0) { $0.bias = [] } }
        assertRejected("conv", "shift is 31") { self.withConv(&$0) { $0.requant = [QMultiplier(multiplier: 1, shift: 31)] } }
        assertRejected("conv", "multiplier is -1") { self.withConv(&$0) { $0.requant = [QMultiplier(multiplier: -1, shift: 0)] } }
        assertRejected("conv", "clamp range 0...200") { self.withConv(&$0) { $0.clampMin = 0; $0.clampMax = 200 } }
        assertRejected("conv", "clamp range 5...4") { self.withConv(&$0) { $0.clampMin = 5; $0.clampMax = 4 } }
        assertRejected("conv", "groups 2 does not divide") { self.withConv(&$0) { $0.groups = 2 } }
        assertRejected("conv", "strideHeight is 0") { self.withConv(&$0) { $0.strideHeight = 0 } }
        assertRejected("conv", "padTop is -1") { self.withConv(&$0) { $0.padTop = -1 } }
        assertRejected("conv", "window extent") { self.withConv(&$0) { $0.dilationWidth = 1 << 26; $0.kernelWidth = 5 } }
        assertRejected("conv", "input tensor 0 has 4 elements") { self.withConv(&$0) { $0.inChannels = 2; $0.weights = [1, 1] } }
        assertRejected(nil, "negative dimension") { $0.tensors[3].shape = [-1] }
    }

    private func single(_ op: QOp, inputs: [[Int]], output: [Int]) -> QModel {
        var tensors = inputs.enumerated().map { tensor("in\($0)", $1) }
        tensors.append(tensor("out", output))
        return QModel(name: "m", tensors: tensors, layers: [QLayer(name: "L", sourceOps: [], op: op)],
                      inputs: Array(inputs.indices), outputs: [inputs.count])
    }

    private func assertRejected(_ model: QModel, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try IntegerInterpreter(model: model), file: file, line: line) { error in
            guard let d = error as? Diagnostic else { return XCTFail("not a Diagnostic: \(error)", file: file, line: line) }
            XCTAssertEqual(d.node, "L", file: file, line: line)
            XCTAssertTrue(d.message.contains(message), "\(d)", file: file, line: line)
        }
    }

    func testRejectsMalformedLayersOfEveryKind() {
        let b7 = QBroadcast(shape: [1, 1, 1, 1, 1, 1, 1], strides1: [0, 0, 0, 0, 0, 0, 0], strides2: [0, 0, 0, 0, 0, 0, 0])
        assertRejected(single(.mul(QMul(input1: 0, input2: 1, output: 2, broadcast: b7, input1Offset: 0, input2Offset: 0,
                                        multiplier: one, outputZeroPoint: 0, clampMin: -128, clampMax: 127)),
                              inputs: [[1], [1]], output: [1]), "rank 7")
        // A stride that reads past the end of input 2.
        let far = QBroadcast(shape: [3], strides1: [1], strides2: [1])
        assertRejected(single(.add(QAdd(input1: 0, input2: 1, output: 2, broadcast: far, subtract: false, leftShift: 20,
                                        input1Offset: 0, input1Multiplier: one, input2Offset: 0, input2Multiplier: one,
                                        outputMultiplier: one, outputZeroPoint: 0, clampMin: -128, clampMax: 127)),
                              inputs: [[3], [2]], output: [3]), "reads offset 2")
        assertRejected(single(.add(QAdd(input1: 0, input2: 1, output: 2, broadcast: far, subtract: false, leftShift: 32,
                                        input1Offset: 0, input1Multiplier: one, input2Offset: 0, input2Multiplier: one,
                                        outputMultiplier: one, outputZeroPoint: 0, clampMin: -128, clampMax: 127)),
                              inputs: [[3], [3]], output: [3]), "leftShift is 32")
        assertRejected(single(.softmax(QSoftmax(input: 0, output: 1, outer: 1, axis: 70000, inner: 1,
                                                expTable: [UInt32](repeating: 1, count: 256))),
                              inputs: [[70000]], output: [70000]), "axis size is 70000")
        assertRejected(single(.softmax(QSoftmax(input: 0, output: 1, outer: 1, axis: 2, inner: 1,
                                                expTable: [0] + [UInt32](repeating: 1, count: 255))),
                              inputs: [[2]], output: [2]), "expTable[0] is 0")
        assertRejected(single(.softmax(QSoftmax(input: 0, output: 1, outer: 1, axis: 2, inner: 1,
                                                expTable: [65536, 65537] + [UInt32](repeating: 1, count: 254))),
                              inputs: [[2]], output: [2]), "expTable[1] is 65537")
        assertRejected(single(.softmax(QSoftmax(input: 0, output: 1, outer: 1, axis: 2, inner: 1, expTable: [1])),
                              inputs: [[2]], output: [2]), "expTable has 1 values")
        // An average window wholly in the padding: divisor 0.
        let avg = QPool(kind: .average, input: 0, output: 1, planes: 1, inHeight: 1, inWidth: 1, outHeight: 1, outWidth: 2,
                        kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
                        padTop: 0, padLeft: 1, padBottom: 0, padRight: 0, countIncludePad: false, zeroPoint: 0,
                        clampMin: -128, clampMax: 127)
        assertRejected(single(.pool(avg), inputs: [[1]], output: [2]), "output column 0 covers no input taps")
        var avgZp = avg
        avgZp.padLeft = 0; avgZp.outWidth = 1; avgZp.zeroPoint = 300
        assertRejected(single(.pool(avgZp), inputs: [[1]], output: [1]), "zeroPoint is 300")
        assertRejected(single(.table(QTable(input: 0, output: 1, table: [1, 2])), inputs: [[1]], output: [1]), "table has 2 values")
        assertRejected(single(.pad(QPad(input: 0, output: 1, inShape: [1, 1, 1, 1, 1, 1, 1], outShape: [1, 1, 1, 1, 1, 1, 1],
                                        padsBegin: [0, 0, 0, 0, 0, 0, 0], value: 0)),
                              inputs: [[1]], output: [1]), "rank 7")
        assertRejected(single(.pad(QPad(input: 0, output: 1, inShape: [2], outShape: [3, 1], padsBegin: [0], value: 0)),
                              inputs: [[2]], output: [3]), "ranks 1, 2, 1")
        assertRejected(single(.transpose(QTranspose(input: 0, output: 1, inShape: [2, 3], perm: [0, 0])),
                              inputs: [[2, 3]], output: [3, 2]), "is not a permutation")
        assertRejected(single(.concat(QConcat(parts: [QConcat.Part(input: 0, rowSize: 3, requant: nil, inputZeroPoint: 0)],
                                              output: 1, outer: 1, outputZeroPoint: 0)),
                              inputs: [[2]], output: [3]), "parts[0] input tensor 0 has 2 elements")
        assertRejected(single(.mean(QMean(input: 0, output: 1, outer: 1, reduce: 0, inner: 1, inputZeroPoint: 0,
                                          multiplier: one, outputZeroPoint: 0)),
                              inputs: [[1]], output: [1]), "reduce is 0")
        assertRejected(single(.dense(QDense(input: 0, output: 1, rows: 1, inFeatures: 2, outFeatures: 1, weights: [1, 1],
                                            bias: [0], requant: [], inputOffset: 0, outputZeroPoint: 0,
                                            clampMin: -128, clampMax: 127)),
                              inputs: [[2]], output: [1]), "requant has 0 values")
    }

    /// Offsets no quantizer makes still give a defined result: the accumulator wraps like C's uint32 sum.
    func testAccumulatorWraps() throws {
        // acc = 0 + 1 · (1 + (2^31 − 1)) wraps to −2^31; multiplier 0.5 → SRDHM(−2^31, 2^30) = −2^30 → −128.
        let dense = QDense(input: 0, output: 1, rows: 1, inFeatures: 1, outFeatures: 1, weights: [1], bias: [0],
                           requant: [QMultiplier(multiplier: 1 << 30, shift: 0)], inputOffset: Int32.max, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        XCTAssertEqual(try IntegerInterpreter(model: single(.dense(dense), inputs: [[1]], output: [1])).run([[1]]), [[-128]])
    }
}
