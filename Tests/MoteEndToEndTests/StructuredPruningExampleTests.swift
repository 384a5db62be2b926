import Foundation
import MoteFloat
import MoteInteger
import MoteIR
import MoteNPY
import MoteONNX
import MoteQuant
import XCTest

/// Structured pruning at ratio 0.25 on the two labelled examples (issue target: at most 0.85× the MACs and at
/// most 3 points of top-1 accuracy lost once quantized), with the numbers printed for the record.
final class StructuredPruningExampleTests: XCTestCase {
    struct Evaluation {
        var macs: Int
        var floatAccuracy: Double
        var int8Accuracy: Double
    }

    func testExamplesMeetTheMACsAndAccuracyTarget() throws {
        let cases: [(example: String, foldBatchNorm: Bool)] = [("digits", true), ("digits_bn", true), ("digits_bn", false)]
        for (example, fold) in cases {
            let label = "\(example)\(fold ? "" : " (BatchNorm not folded)")"
            let dir = TestPaths.examples.appendingPathComponent(example)
            let graph = try ONNXImport.graph(fromBytes: TestPaths.read(dir.appendingPathComponent("model.onnx")), file: "model.onnx",
                                             options: ImportOptions(foldBatchNorm: fold))
            let calibration = try samples(dir.appendingPathComponent("calibration.npy"))
            let inputs = try samples(dir.appendingPathComponent("test_inputs.npy"))
            let labels = try NPY.decode(TestPaths.read(dir.appendingPathComponent("test_labels.npy"))).asInt64s()

            let (pruned, layers) = try StructuredPruning.prune(graph, calibration: calibration, ratio: 0.25)
            let before = try evaluate(graph, calibration, inputs, labels)
            let after = try evaluate(pruned, calibration, inputs, labels)
            let ratio = Double(after.macs) / Double(before.macs)
            print("""
                structured pruning 0.25 on \(label): MACs \(before.macs) → \(after.macs) (\(String(format: "%.3f", ratio))×); \
                float top-1 \(before.floatAccuracy) → \(after.floatAccuracy); int8 top-1 \(before.int8Accuracy) → \(after.int8Accuracy)
                """)
            for l in layers {
                print("  \(l.name) (\(l.op)): \(l.channelsBefore) → \(l.channelsAfter)"
                      + (l.coupledWith.isEmpty ? "" : " with \(l.coupledWith.joined(separator: ", "))")
                      + (l.keptBecause.map { ": kept, \($0)" } ?? ""))
            }
            XCTAssertLessThanOrEqual(ratio, 0.85, label)
            XCTAssertGreaterThanOrEqual(after.int8Accuracy, before.int8Accuracy - 0.03, label)
            XCTAssertGreaterThanOrEqual(after.floatAccuracy, before.floatAccuracy - 0.03, label)
        }
    }

    private func samples(_ url: URL) throws -> [[FloatTensor]] {
        let array = try NPY.decode(TestPaths.read(url))
        let values = array.asFloats()
        let shape = [1] + array.shape.dropFirst()
        let per = Shape.count(shape)
        return (0..<array.shape[0]).map { [FloatTensor(shape: shape, data: Array(values[($0 * per)..<(($0 + 1) * per)]))] }
    }

    private func evaluate(_ graph: Graph, _ calibration: [[FloatTensor]], _ inputs: [[FloatTensor]], _ labels: [Int64]) throws -> Evaluation {
        let float = try FloatInterpreter(graph: graph)
        let model = try QuantizationPipeline.quantize(graph, calibration: calibration)
        let integer = try IntegerInterpreter(model: model)
        let inQ = model.tensors[model.inputs[0]].quant
        var floatRight = 0, intRight = 0
        for (sample, label) in zip(inputs, labels) {
            if argmax(try float.run(sample)[0].data) == Int(label) { floatRight += 1 }
            let q = try integer.run([sample[0].data.map { inQ.quantize($0) }])[0]
            if argmax(q.map { Float($0) }) == Int(label) { intRight += 1 }
        }
        return Evaluation(macs: graph.totalCost.macs, floatAccuracy: Double(floatRight) / Double(inputs.count),
                          int8Accuracy: Double(intRight) / Double(inputs.count))
    }

    private func argmax(_ v: [Float]) -> Int {
        v.indices.max { v[$0] < v[$1] } ?? 0
    }
}
