import Foundation
@testable import MoteCodegen
import MotePlan
import MoteInteger
import MoteIR
import XCTest
import MoteTestSupport

/// Layers the memory plan runs in place (a concat whose inputs are written into its output, table, add, mul,
/// softmax and reshape over their dying input): the C, compiled with and without sanitizers, must still equal
/// the Swift interpreter byte for byte, which is what proves each in-place decision safe for its kernel.
final class InPlaceTests: XCTestCase {
    /// x → conv 1×1 → a; table(x) → b (over x); concat(a, b) (free: a and b written into its slices); conv 3×3 → c;
    /// c + concat (over c); mean → m; m · r broadcast (over r); softmax (over it); flatten (over it).
    static func model(seed: UInt64 = 4) -> QModel {
        var rng = SeededGenerator(seed: seed)
        func q(_ s: Double, _ z: Int32) -> QuantParams { QuantParams(scale: s, zeroPoint: z) }
        let tensors = [
            QTensor(name: "x", shape: [1, 2, 4, 4], quant: q(0.05, -10)),                // 0
            QTensor(name: "a", shape: [1, 2, 4, 4], quant: q(0.06, 1)),                  // 1
            QTensor(name: "b", shape: [1, 2, 4, 4], quant: q(0.06, 1)),                  // 2
            QTensor(name: "joined", shape: [1, 4, 4, 4], quant: q(0.06, 1)),             // 3
            QTensor(name: "c", shape: [1, 4, 4, 4], quant: q(0.07, -3)),                 // 4
            QTensor(name: "residual", shape: [1, 4, 4, 4], quant: q(0.1, 0)),            // 5
            QTensor(name: "m", shape: [1, 4, 1, 1], quant: q(0.1, 0)),                   // 6
            QTensor(name: "gated", shape: [1, 4, 4, 4], quant: q(0.05, 2)),              // 7
            QTensor(name: "probabilities", shape: [1, 4, 4, 4], quant: q(1.0 / 256, -128)), // 8
            QTensor(name: "flat", shape: [1, 64], quant: q(1.0 / 256, -128)),            // 9
        ]
        func conv(_ input: Int, _ output: Int, inChannels: Int, outChannels: Int, kernel: Int, sIn: Double, zIn: Int32,
                  sOut: Double, zOut: Int32) -> QConv {
            QConv(input: input, output: output, batch: 1, inChannels: inChannels, inHeight: 4, inWidth: 4,
                  outChannels: outChannels, outHeight: 4, outWidth: 4, kernelHeight: kernel, kernelWidth: kernel,
                  strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: kernel / 2,
                  padLeft: kernel / 2, groups: 1, weights: TestModels.int8s(outChannels * inChannels * kernel * kernel, &rng),
                  bias: TestModels.int32s(outChannels, &rng, range: -500...500),
                  requant: (0..<outChannels).map { _ in TestModels.multiplier(sIn * 0.01 / sOut) },
                  inputOffset: -zIn, outputZeroPoint: zOut, clampMin: -128, clampMax: 127)
        }
        let pointwise = conv(0, 1, inChannels: 2, outChannels: 2, kernel: 1, sIn: 0.05, zIn: -10, sOut: 0.06, zOut: 1)
        let table = QTable(input: 0, output: 2, table: TestModels.int8s(256, &rng, range: -128...127))
        let concat = QConcat(parts: [
            QConcat.Part(input: 1, rowSize: 32, requant: nil, inputZeroPoint: 1),
            QConcat.Part(input: 2, rowSize: 32, requant: nil, inputZeroPoint: 1),
        ], output: 3, outer: 1, outputZeroPoint: 1)
        let spatial = conv(3, 4, inChannels: 4, outChannels: 4, kernel: 3, sIn: 0.06, zIn: 1, sOut: 0.07, zOut: -3)
        let shape = [1, 4, 4, 4], strides = TestModels.rowMajorStrides(shape)
        let (m1, m2, mo) = TestModels.addParams(0.07, 0.06, 0.1)
        let add = QAdd(input1: 4, input2: 3, output: 5, broadcast: QBroadcast(shape: shape, strides1: strides, strides2: strides),
                       subtract: false, leftShift: 20, input1Offset: 3, input1Multiplier: m1, input2Offset: -1,
                       input2Multiplier: m2, outputMultiplier: mo, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        let mean = QMean(input: 5, output: 6, outer: 4, reduce: 16, inner: 1, inputZeroPoint: 0,
                         multiplier: TestModels.multiplier(1.0 / 16), outputZeroPoint: 0)
        let mul = QMul(input1: 6, input2: 5, output: 7,
                       broadcast: QBroadcast(shape: shape, strides1: [4, 1, 0, 0], strides2: strides),
                       input1Offset: 0, input2Offset: 0, multiplier: TestModels.multiplier(0.1 * 0.1 / 0.05),
                       outputZeroPoint: 2, clampMin: -128, clampMax: 127)
        let softmax = QSoftmax(input: 7, output: 8, outer: 16, axis: 4, inner: 1, expTable: TestModels.expTable(inputScale: 0.05))
        return QModel(name: "inplace", tensors: tensors, layers: [
            QLayer(name: "pointwise", sourceOps: ["Conv"], op: .conv(pointwise)),
            QLayer(name: "act", sourceOps: ["Sigmoid"], op: .table(table)),
            QLayer(name: "concat", sourceOps: ["Concat"], op: .concat(concat)),
            QLayer(name: "spatial", sourceOps: ["Conv"], op: .conv(spatial)),
            QLayer(name: "residual", sourceOps: ["Add"], op: .add(add)),
            QLayer(name: "gap", sourceOps: ["GlobalAveragePool"], op: .mean(mean)),
            QLayer(name: "gate", sourceOps: ["Mul"], op: .mul(mul)),
            QLayer(name: "softmax", sourceOps: ["Softmax"], op: .softmax(softmax)),
            QLayer(name: "flatten", sourceOps: ["Flatten"], op: .reshape(input: 8, output: 9)),
        ], inputs: [0], outputs: [9, 6])
    }

    func testPlanRunsTheExpectedLayersInPlace() throws {
        let model = Self.model()
        let plan = Codegen.memoryPlan(model)
        XCTAssertEqual(plan.inPlace, [false, true, true, false, true, false, true, true, true])
        XCTAssertEqual(plan.offsets[1], plan.offsets[3], "a at the start of the concat's output")
        XCTAssertEqual(plan.offsets[2], plan.offsets[3] + 32, "b at its slice")
        XCTAssertEqual(plan.offsets[0], plan.offsets[2], "the table overwrites the model input's arena copy")
        // The spatial conv's im2col scratch makes its step the peak, where nothing runs in place; without kernel
        // scratch the in-place layers must bring the arena under the no-sharing bound.
        let unscratched = MemoryPlanner.plan(model, scratchBytes: [])
        XCTAssertLessThan(unscratched.arenaBytes, unscratched.lowerBoundBytes)

        let source = try Codegen.emit(model, options: CodegenOptions(name: "inplace", toolVersion: "1", modelHash: "ab"))[1].contents
        XCTAssertTrue(source.contains("/* 2: concat \"concat\": in place, its inputs were written into the output */"), source)
        XCTAssertFalse(source.contains("mote_concat("), "a free concat calls no kernel")
        XCTAssertTrue(source.contains("/* 8: reshape \"flatten\": in place, nothing to do */"))
        XCTAssertEqual(source.components(separatedBy: "in place: the output overwrites").count - 1, 4, "table, add, mul, softmax")
    }

    func testInPlaceC() throws {
        let model = Self.model()
        let inputs = TestModels.samples(model, count: 8, seed: 13)
        let interpreter = try IntegerInterpreter(model: model)
        let expected = try inputs.map { try interpreter.run($0) }
        for flags in [CHarness.strictFlags + ["-O2"], CHarness.strictFlags + CHarness.sanitizerFlags] {
            let actual = try CHarness.runModel(model, name: "inplace", samples: inputs, flags: flags)
            XCTAssertEqual(actual, expected, "\(flags)")
        }
    }
}
