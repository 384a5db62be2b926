import Foundation
import MoteCodegen
import MoteIR
import MoteVerify
import XCTest
import MoteTestSupport


/// Hand-built programs for the size tests.
enum ReportModels {
    /// real ≈ m · 2^(shift − 31) with m in [2^30, 2^31).
    static func multiplier(_ real: Double) -> QMultiplier {
        var e = Int(real.exponent) + 1
        var m = (real.significand / 2 * Double(1 << 31)).rounded(.toNearestOrAwayFromZero)
        if m == Double(1 << 31) { m /= 2; e += 1 }
        return QMultiplier(multiplier: Int32(m), shift: Int32(e))
    }

    static func int8s(_ n: Int, _ rng: inout SeededGenerator) -> [Int8] { (0..<n).map { _ in Int8.random(in: -127...127, using: &rng) } }
    static func int32s(_ n: Int, _ rng: inout SeededGenerator) -> [Int32] { (0..<n).map { _ in Int32.random(in: -3000...3000, using: &rng) } }

    /// input [1, 1, 8, 8] → conv 3×3 (4 channels, ReLU) → average pool 2×2 → flatten → dense(64 → hidden, ReLU)
    /// → dense(hidden → 10) → softmax. `hidden` widens one dense layer (and the next one's input).
    static func net(hidden: Int, name: String = "widen", layerNames: [String]? = nil, seed: UInt64 = 5) -> QModel {
        var rng = SeededGenerator(seed: seed)
        let q = { (s: Double, z: Int32) in QuantParams(scale: s, zeroPoint: z) }
        let tensors = [
            QTensor(name: "input", shape: [1, 1, 8, 8], quant: q(1.0 / 255, -128)),
            QTensor(name: "conv", shape: [1, 4, 8, 8], quant: q(0.02, -128)),
            QTensor(name: "pool", shape: [1, 4, 4, 4], quant: q(0.02, -128)),
            QTensor(name: "flat", shape: [1, 64], quant: q(0.02, -128)),
            QTensor(name: "hidden", shape: [1, hidden], quant: q(0.05, -128)),
            QTensor(name: "logits", shape: [1, 10], quant: q(0.1, 3)),
            QTensor(name: "probabilities", shape: [1, 10], quant: q(1.0 / 256, -128)),
        ]
        let conv = QConv(input: 0, output: 1, batch: 1, inChannels: 1, inHeight: 8, inWidth: 8, outChannels: 4,
                         outHeight: 8, outWidth: 8, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                         dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 1,
                         weights: int8s(36, &rng), bias: int32s(4, &rng),
                         requant: (0..<4).map { _ in multiplier(1.0 / 255 * 0.01 / 0.02) },
                         inputOffset: 128, outputZeroPoint: -128, clampMin: -128, clampMax: 127)
        let pool = QPool(kind: .average, input: 1, output: 2, planes: 4, inHeight: 8, inWidth: 8, outHeight: 4, outWidth: 4,
                         kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, dilationHeight: 1,
                         dilationWidth: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, countIncludePad: false,
                         zeroPoint: -128, clampMin: -128, clampMax: 127)
        let fc1 = QDense(input: 3, output: 4, rows: 1, inFeatures: 64, outFeatures: hidden, weights: int8s(64 * hidden, &rng),
                         bias: int32s(hidden, &rng), requant: (0..<hidden).map { _ in multiplier(0.02 * 0.01 / 0.05) },
                         inputOffset: 128, outputZeroPoint: -128, clampMin: -128, clampMax: 127)
        let fc2 = QDense(input: 4, output: 5, rows: 1, inFeatures: hidden, outFeatures: 10, weights: int8s(10 * hidden, &rng),
                         bias: int32s(10, &rng), requant: (0..<10).map { _ in multiplier(0.05 * 0.01 / 0.1) },
                         inputOffset: 128, outputZeroPoint: 3, clampMin: -128, clampMax: 127)
        let softmax = QSoftmax(input: 5, output: 6, outer: 1, axis: 10, inner: 1,
                               expTable: (0..<256).map { UInt32((exp(-0.1 * Double($0)) * 65536).rounded()) })
        let names = layerNames ?? ["conv1", "pool1", "flatten", "fc1", "fc2", "softmax"]
        return QModel(name: name, tensors: tensors, layers: [
            QLayer(name: names[0], sourceOps: ["Conv", "Relu"], op: .conv(conv)),
            QLayer(name: names[1], sourceOps: ["AveragePool"], op: .pool(pool)),
            QLayer(name: names[2], sourceOps: ["Flatten"], op: .reshape(input: 2, output: 3)),
            QLayer(name: names[3], sourceOps: ["Gemm", "Relu"], op: .dense(fc1)),
            QLayer(name: names[4], sourceOps: ["Gemm"], op: .dense(fc2)),
            QLayer(name: names[5], sourceOps: ["Softmax"], op: .softmax(softmax)),
        ], inputs: [0], outputs: [6])
    }

    static func emit(_ model: QModel, name: String) throws -> [EmittedFile] {
        try Codegen.emit(model, options: CodegenOptions(name: name, toolVersion: "test", modelHash: "0"))
    }
}

/// Toolchains are required, never skipped: a missing one fails with the way to install it.
enum Toolchains {
    static func requireHost(file: StaticString = #filePath, line: UInt = #line) -> Bool {
        guard SizeProbe.Toolchain.host.isAvailable else {
            XCTFail("gcc and binutils (gcc, size, nm, objdump) are required for the size tests; .ci/run installs them", file: file, line: line)
            return false
        }
        return true
    }

    static func requireCortexM4(file: StaticString = #filePath, line: UInt = #line) -> Bool {
        guard SizeProbe.Toolchain.cortexM4.isAvailable else {
            XCTFail("arm-none-eabi-gcc and its binutils are required for the Cortex-M4 size tests; .ci/run installs them (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)", file: file, line: line)
            return false
        }
        return true
    }
}

/// Independent readings of tool output, written here rather than taken from `ToolOutput`.
enum Independent {
    static func run(_ tool: String, _ args: [String]) throws -> String {
        let r = try ProcessRunner.run(tool, args, timeout: 300)
        guard r.status == 0, !r.timedOut else { throw NSError(domain: "test", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: "\(tool) \(args): \(r.output)"]) }
        return r.output
    }

    static func tempDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mote-report-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ files: [EmittedFile], to dir: URL) throws {
        for f in files { try Data(f.contents.utf8).write(to: dir.appendingPathComponent(f.path)) }
    }

    /// nm -S lines as (name, size, type), by splitting on blanks.
    static func nm(_ text: String) -> [(name: String, size: Int, type: String)] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 4, let size = Int(f[1], radix: 16) else { return nil }
            return (String(f[3]), size, String(f[2]))
        }
    }

    /// Berkeley `size` of one file: (text, data, bss).
    static func berkeley(_ text: String) -> (text: Int, data: Int, bss: Int)? {
        let lines = text.split(separator: "\n")
        guard lines.count >= 2 else { return nil }
        let f = lines[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }
        guard f.count >= 3 else { return nil }
        return (f[0], f[1], f[2])
    }

    /// `#define NAME value` from a header.
    static func define(_ header: String, _ macro: String) -> Int? {
        for line in header.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 3, f[0] == "#define", f[1] == macro { return Int(f[2]) }
        }
        return nil
    }
}
