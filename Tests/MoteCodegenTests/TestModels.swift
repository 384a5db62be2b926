import Foundation
import MoteIR
import MoteTestSupport


/// Hand-built QModels with plausible parameters (multipliers from real scales, as the quantizer would make them).
enum TestModels {
    /// TFLite's QuantizeMultiplier: real = m · 2^(shift − 31), m in [2^30, 2^31).
    static func multiplier(_ real: Double) -> QMultiplier {
        guard real > 0 else { return QMultiplier(multiplier: 0, shift: 0) }
        var e = 0
        var q = frexp(real, &e)
        var m = (q * Double(1 << 31)).rounded(.toNearestOrAwayFromZero)
        if m == Double(1 << 31) { m /= 2; e += 1 }
        q = m
        return QMultiplier(multiplier: Int32(q), shift: Int32(e))
    }

    static func frexp(_ x: Double, _ e: inout Int) -> Double {
        e = Int(x.exponent) + 1
        return x.significand / 2
    }

    static func int8s(_ n: Int, _ rng: inout SeededGenerator, range: ClosedRange<Int8> = -127...127) -> [Int8] {
        (0..<n).map { _ in Int8.random(in: range, using: &rng) }
    }

    static func int32s(_ n: Int, _ rng: inout SeededGenerator, range: ClosedRange<Int32>) -> [Int32] {
        (0..<n).map { _ in Int32.random(in: range, using: &rng) }
    }

    static func expTable(inputScale: Double) -> [UInt32] {
        (0..<256).map { d in UInt32((Foundation.exp(-inputScale * Double(d)) * 65536).rounded()) }
    }

    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for d in shape.indices.reversed() { strides[d] = s; s *= shape[d] }
        return strides
    }

    static func addParams(_ s1: Double, _ s2: Double, _ sOut: Double) -> (QMultiplier, QMultiplier, QMultiplier) {
        let twiceMax = 2 * max(s1, s2)
        return (multiplier(s1 / twiceMax), multiplier(s2 / twiceMax), multiplier(twiceMax / (Double(1 << 20) * sOut)))
    }

    // MARK: conv → reshape → dense → softmax

    /// input [1, 1, h, w] → conv 3×3 pad 1 (ReLU) → reshape → dense → softmax.
    static func chain(name: String = "chain", channels: Int = 4, height: Int = 8, width: Int = 8, classes: Int = 10,
                      seed: UInt64 = 1) -> QModel {
        var rng = SeededGenerator(seed: seed)
        let sIn = 1.0 / 255, sConv = 0.02, sDense = 0.1, sW = 0.01
        let features = channels * height * width
        let tensors = [
            QTensor(name: "input", shape: [1, 1, height, width], quant: QuantParams(scale: sIn, zeroPoint: -128)),
            QTensor(name: "conv1_out", shape: [1, channels, height, width], quant: QuantParams(scale: sConv, zeroPoint: -128)),
            QTensor(name: "flatten_out", shape: [1, features], quant: QuantParams(scale: sConv, zeroPoint: -128)),
            QTensor(name: "logits", shape: [1, classes], quant: QuantParams(scale: sDense, zeroPoint: 3)),
            QTensor(name: "probabilities", shape: [1, classes], quant: QuantParams(scale: 1.0 / 256, zeroPoint: -128)),
        ]
        let conv = QConv(input: 0, output: 1, batch: 1, inChannels: 1, inHeight: height, inWidth: width,
                         outChannels: channels, outHeight: height, outWidth: width, kernelHeight: 3, kernelWidth: 3,
                         strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1,
                         groups: 1, weights: int8s(channels * 9, &rng), bias: int32s(channels, &rng, range: -2000...2000),
                         requant: (0..<channels).map { m in multiplier(sIn * sW * (1 + 0.1 * Double(m)) / sConv) },
                         inputOffset: 128, outputZeroPoint: -128, clampMin: -128, clampMax: 127)
        let dense = QDense(input: 2, output: 3, rows: 1, inFeatures: features, outFeatures: classes,
                           weights: int8s(classes * features, &rng), bias: int32s(classes, &rng, range: -5000...5000),
                           requant: (0..<classes).map { _ in multiplier(sConv * sW / sDense) },
                           inputOffset: 128, outputZeroPoint: 3, clampMin: -128, clampMax: 127)
        let softmax = QSoftmax(input: 3, output: 4, outer: 1, axis: classes, inner: 1, expTable: expTable(inputScale: sDense))
        return QModel(name: name, tensors: tensors, layers: [
            QLayer(name: "/conv1/Conv", sourceOps: ["Conv", "Relu"], op: .conv(conv)),
            QLayer(name: "/Flatten", sourceOps: ["Flatten"], op: .reshape(input: 1, output: 2)),
            QLayer(name: "/fc/Gemm", sourceOps: ["Gemm"], op: .dense(dense)),
            QLayer(name: "/Softmax", sourceOps: ["Softmax"], op: .softmax(softmax)),
        ], inputs: [0], outputs: [4])
    }

    // MARK: every other op

    /// pad, max pool, average pool, add, table, transpose, mean, mul, concat (with a requantized part),
    /// a depthwise conv, and a reshape of a tensor that stays live (so it is copied); two outputs.
    static func mixed(seed: UInt64 = 2) -> QModel {
        var rng = SeededGenerator(seed: seed)
        func q(_ s: Double, _ z: Int32) -> QuantParams { QuantParams(scale: s, zeroPoint: z) }
        let tensors = [
            QTensor(name: "x", shape: [1, 2, 6, 6], quant: q(0.05, -10)),               // 0
            QTensor(name: "padded", shape: [1, 2, 8, 8], quant: q(0.05, -10)),          // 1
            QTensor(name: "maxpooled", shape: [1, 2, 4, 4], quant: q(0.05, -10)),       // 2
            QTensor(name: "avgpooled", shape: [1, 2, 4, 4], quant: q(0.05, -10)),       // 3
            QTensor(name: "sum", shape: [1, 2, 4, 4], quant: q(0.08, 5)),               // 4
            QTensor(name: "activated", shape: [1, 2, 4, 4], quant: q(0.04, -20)),       // 5
            QTensor(name: "nhwc", shape: [1, 4, 4, 2], quant: q(0.04, -20)),            // 6
            QTensor(name: "channel_mean", shape: [1, 2, 1, 1], quant: q(0.03, 0)),      // 7
            QTensor(name: "gated", shape: [1, 2, 4, 4], quant: q(0.06, 1)),             // 8
            QTensor(name: "joined", shape: [1, 4, 4, 4], quant: q(0.06, 1)),            // 9
            QTensor(name: "flat", shape: [1, 32], quant: q(0.04, -20)),                 // 10
            QTensor(name: "depthwise", shape: [1, 4, 4, 4], quant: q(0.07, -3)),        // 11
            QTensor(name: "cropped", shape: [1, 4, 2, 3], quant: q(0.07, -3)),          // 12
        ]
        let pad = QPad(input: 0, output: 1, inShape: [1, 2, 6, 6], outShape: [1, 2, 8, 8], padsBegin: [0, 0, 1, 1], value: -10)
        let maxPool = QPool(kind: .max, input: 1, output: 2, planes: 2, inHeight: 8, inWidth: 8, outHeight: 4, outWidth: 4,
                            kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, dilationHeight: 1,
                            dilationWidth: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, countIncludePad: false,
                            zeroPoint: -10, clampMin: -128, clampMax: 127)
        let avgPool = QPool(kind: .average, input: 2, output: 3, planes: 2, inHeight: 4, inWidth: 4, outHeight: 4, outWidth: 4,
                            kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, dilationHeight: 1,
                            dilationWidth: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, countIncludePad: false,
                            zeroPoint: -10, clampMin: -128, clampMax: 127)
        let shape = [1, 2, 4, 4], strides = rowMajorStrides(shape)
        let (m1, m2, mo) = addParams(0.05, 0.05, 0.08)
        let add = QAdd(input1: 2, input2: 3, output: 4, broadcast: QBroadcast(shape: shape, strides1: strides, strides2: strides),
                       subtract: false, leftShift: 20, input1Offset: 10, input1Multiplier: m1, input2Offset: 10,
                       input2Multiplier: m2, outputMultiplier: mo, outputZeroPoint: 5, clampMin: -128, clampMax: 127)
        let table = QTable(input: 4, output: 5, table: int8s(256, &rng, range: -128...127))
        let transpose = QTranspose(input: 5, output: 6, inShape: [1, 2, 4, 4], perm: [0, 2, 3, 1])
        let mean = QMean(input: 5, output: 7, outer: 2, reduce: 16, inner: 1, inputZeroPoint: -20,
                         multiplier: multiplier(0.04 / (0.03 * 16)), outputZeroPoint: 0)
        let mul = QMul(input1: 5, input2: 7, output: 8,
                       broadcast: QBroadcast(shape: shape, strides1: strides, strides2: [2, 1, 0, 0]),
                       input1Offset: 20, input2Offset: 0, multiplier: multiplier(0.04 * 0.03 / 0.06),
                       outputZeroPoint: 1, clampMin: -128, clampMax: 127)
        let concat = QConcat(parts: [
            QConcat.Part(input: 8, rowSize: 32, requant: nil, inputZeroPoint: 1),
            QConcat.Part(input: 3, rowSize: 32, requant: multiplier(0.05 / 0.06), inputZeroPoint: -10),
        ], output: 9, outer: 1, outputZeroPoint: 1)
        let depthwise = QConv(input: 9, output: 11, batch: 1, inChannels: 4, inHeight: 4, inWidth: 4, outChannels: 4,
                              outHeight: 4, outWidth: 4, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                              dilationHeight: 1, dilationWidth: 1, padTop: 1, padLeft: 1, groups: 4,
                              weights: int8s(36, &rng), bias: int32s(4, &rng, range: -300...300),
                              requant: (0..<4).map { _ in multiplier(0.06 * 0.02 / 0.07) }, inputOffset: -1,
                              outputZeroPoint: -3, clampMin: -3, clampMax: 127)
        let crop = QPad(input: 11, output: 12, inShape: [1, 4, 4, 4], outShape: [1, 4, 2, 3], padsBegin: [0, 0, -1, -1], value: -3)
        return QModel(name: "mixed", tensors: tensors, layers: [
            QLayer(name: "pad", sourceOps: ["Pad"], op: .pad(pad)),
            QLayer(name: "maxpool", sourceOps: ["MaxPool"], op: .pool(maxPool)),
            QLayer(name: "avgpool", sourceOps: ["AveragePool"], op: .pool(avgPool)),
            QLayer(name: "add", sourceOps: ["Add"], op: .add(add)),
            QLayer(name: "sigmoid", sourceOps: ["Sigmoid"], op: .table(table)),
            QLayer(name: "flatten", sourceOps: ["Flatten"], op: .reshape(input: 5, output: 10)),
            QLayer(name: "transpose", sourceOps: ["Transpose"], op: .transpose(transpose)),
            QLayer(name: "gap", sourceOps: ["GlobalAveragePool"], op: .mean(mean)),
            QLayer(name: "gate", sourceOps: ["Mul"], op: .mul(mul)),
            QLayer(name: "concat", sourceOps: ["Concat"], op: .concat(concat)),
            QLayer(name: "dw", sourceOps: ["Conv", "Clip"], op: .conv(depthwise)),
            QLayer(name: "crop", sourceOps: ["Slice"], op: .pad(crop)),
        ], inputs: [0], outputs: [12, 10, 6])
    }

    // MARK: two inputs

    /// Two inputs: a broadcast subtraction of a [1, 3] row from a [2, 3] matrix, then a dense layer over both rows;
    /// the difference is an output too.
    static func twoInputs(seed: UInt64 = 3) -> QModel {
        var rng = SeededGenerator(seed: seed)
        let tensors = [
            QTensor(name: "a", shape: [2, 3], quant: QuantParams(scale: 0.1, zeroPoint: 0)),
            QTensor(name: "b", shape: [1, 3], quant: QuantParams(scale: 0.2, zeroPoint: -5)),
            QTensor(name: "diff", shape: [2, 3], quant: QuantParams(scale: 0.25, zeroPoint: 2)),
            QTensor(name: "y", shape: [2, 5], quant: QuantParams(scale: 0.5, zeroPoint: -1)),
        ]
        let (m1, m2, mo) = addParams(0.1, 0.2, 0.25)
        let sub = QAdd(input1: 0, input2: 1, output: 2, broadcast: QBroadcast(shape: [2, 3], strides1: [3, 1], strides2: [0, 1]),
                       subtract: true, leftShift: 20, input1Offset: 0, input1Multiplier: m1, input2Offset: 5,
                       input2Multiplier: m2, outputMultiplier: mo, outputZeroPoint: 2, clampMin: -128, clampMax: 127)
        let dense = QDense(input: 2, output: 3, rows: 2, inFeatures: 3, outFeatures: 5, weights: int8s(15, &rng),
                           bias: int32s(5, &rng, range: -100...100),
                           requant: (0..<5).map { _ in multiplier(0.25 * 0.01 / 0.5) }, inputOffset: -2,
                           outputZeroPoint: -1, clampMin: -1, clampMax: 127)
        return QModel(name: "two", tensors: tensors, layers: [
            QLayer(name: "sub", sourceOps: ["Sub"], op: .add(sub)),
            QLayer(name: "fc", sourceOps: ["MatMul", "Add", "Relu"], op: .dense(dense)),
        ], inputs: [0, 1], outputs: [3, 2])
    }

    // MARK: weight storage

    /// Weights with a share of zeros, rows listed in `pruned` all zero, values in ±`bits.maxMagnitude`.
    static func weights(_ rows: Int, _ rowLength: Int, bits: QWeightBits, zeros: Double, pruned: Set<Int> = [],
                        _ rng: inout SeededGenerator) -> [Int8] {
        let m = Int8(bits.maxMagnitude)
        return (0..<rows).flatMap { r in
            (0..<rowLength).map { _ -> Int8 in
                if pruned.contains(r) || Double.random(in: 0..<1, using: &rng) < zeros { return 0 }
                var v: Int8 = 0
                while v == 0 { v = Int8.random(in: -m...m, using: &rng) }
                return v
            }
        }
    }

    /// One int8 conv layer per path of mote_conv's dispatch, on [1, 4, 5, 5]: 3×3 groups 1 (im2col), depthwise 3×3
    /// (padded depthwise), 1×1 over 4 channels (pointwise, under 16 channels), 3×3 groups 2 (direct) and a 1×1 at
    /// stride 2 (strided pointwise, to [1, 4, 3, 3]).
    static func convPaths(seed: UInt64 = 9) -> QModel {
        var rng = SeededGenerator(seed: seed)
        let tensors: [QTensor] = (0..<6).map { (k: Int) -> QTensor in
            let shape: [Int] = k == 5 ? [1, 4, 3, 3] : [1, 4, 5, 5]
            let scale: Double = 0.05 + 0.01 * Double(k)
            return QTensor(name: "t\(k)", shape: shape, quant: QuantParams(scale: scale, zeroPoint: Int32(7 * k - 20)))
        }
        func conv(_ k: Int, kernel: Int, stride: Int = 1, groups: Int) -> QConv {
            let out = k == 4 ? 3 : 5
            return QConv(input: k, output: k + 1, batch: 1, inChannels: 4, inHeight: 5, inWidth: 5, outChannels: 4,
                         outHeight: out, outWidth: out, kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride,
                         strideWidth: stride, dilationHeight: 1, dilationWidth: 1, padTop: kernel / 2, padLeft: kernel / 2,
                         groups: groups, weights: int8s(4 * (4 / groups) * kernel * kernel, &rng),
                         bias: int32s(4, &rng, range: -500...500),
                         requant: [QMultiplier](repeating: multiplier(tensors[k].quant.scale * 0.02 / tensors[k + 1].quant.scale), count: 4),
                         inputOffset: -tensors[k].quant.zeroPoint, outputZeroPoint: tensors[k + 1].quant.zeroPoint,
                         clampMin: -128, clampMax: 127)
        }
        return QModel(name: "paths", tensors: tensors, layers: [
            QLayer(name: "im2col", sourceOps: ["Conv"], op: .conv(conv(0, kernel: 3, groups: 1))),
            QLayer(name: "depthwise", sourceOps: ["Conv"], op: .conv(conv(1, kernel: 3, groups: 4))),
            QLayer(name: "pointwise", sourceOps: ["Conv"], op: .conv(conv(2, kernel: 1, groups: 1))),
            QLayer(name: "grouped", sourceOps: ["Conv"], op: .conv(conv(3, kernel: 3, groups: 2))),
            QLayer(name: "strided", sourceOps: ["Conv"], op: .conv(conv(4, kernel: 1, stride: 2, groups: 1))),
        ], inputs: [0], outputs: [5])
    }

    /// One layer per weight storage format: conv int4 dense (3×3, pad 1) → conv int8 sparse (pointwise, a pruned
    /// channel) → conv int4 sparse (grouped, dilated) → reshape → dense int8 sparse → dense int4 dense with an odd
    /// weight count (11 × 5).
    static func storage(seed: UInt64 = 5) -> QModel {
        var rng = SeededGenerator(seed: seed)
        func q(_ s: Double, _ z: Int32) -> QuantParams { QuantParams(scale: s, zeroPoint: z) }
        let tensors = [
            QTensor(name: "x", shape: [1, 3, 6, 7], quant: q(1.0 / 255, -128)),   // 0
            QTensor(name: "c1", shape: [1, 8, 6, 7], quant: q(0.05, -20)),        // 1
            QTensor(name: "c2", shape: [1, 6, 6, 7], quant: q(0.08, 0)),          // 2
            QTensor(name: "c3", shape: [1, 4, 6, 7], quant: q(0.1, 4)),           // 3
            QTensor(name: "flat", shape: [1, 168], quant: q(0.1, 4)),             // 4
            QTensor(name: "fc1", shape: [1, 11], quant: q(0.2, -3)),              // 5
            QTensor(name: "fc2", shape: [1, 5], quant: q(0.3, 1)),                // 6
        ]
        func conv(_ input: Int, _ output: Int, inC: Int, outC: Int, k: Int, pad: Int, dilation: Int, groups: Int,
                  bits: QWeightBits, zeros: Double, pruned: Set<Int>, sIn: Double, sW: Double, sOut: Double,
                  zpIn: Int32, zpOut: Int32, rng: inout SeededGenerator) -> QConv {
            QConv(input: input, output: output, batch: 1, inChannels: inC, inHeight: 6, inWidth: 7, outChannels: outC,
                  outHeight: 6, outWidth: 7, kernelHeight: k, kernelWidth: k, strideHeight: 1, strideWidth: 1,
                  dilationHeight: dilation, dilationWidth: dilation, padTop: pad, padLeft: pad, groups: groups,
                  weights: weights(outC, inC / groups * k * k, bits: bits, zeros: zeros, pruned: pruned, &rng),
                  weightBits: bits, bias: int32s(outC, &rng, range: -500...500),
                  requant: (0..<outC).map { _ in multiplier(sIn * sW / sOut) }, inputOffset: -zpIn,
                  outputZeroPoint: zpOut, clampMin: -128, clampMax: 127)
        }
        let c1 = conv(0, 1, inC: 3, outC: 8, k: 3, pad: 1, dilation: 1, groups: 1, bits: .int4, zeros: 0.05, pruned: [],
                      sIn: 1.0 / 255, sW: 0.1, sOut: 0.05, zpIn: -128, zpOut: -20, rng: &rng)
        let c2 = conv(1, 2, inC: 8, outC: 6, k: 1, pad: 0, dilation: 1, groups: 1, bits: .int8, zeros: 0.7, pruned: [2],
                      sIn: 0.05, sW: 0.005, sOut: 0.08, zpIn: -20, zpOut: 0, rng: &rng)
        let c3 = conv(2, 3, inC: 6, outC: 4, k: 3, pad: 2, dilation: 2, groups: 2, bits: .int4, zeros: 0.85, pruned: [],
                      sIn: 0.08, sW: 0.1, sOut: 0.1, zpIn: 0, zpOut: 4, rng: &rng)
        let fc1 = QDense(input: 4, output: 5, rows: 1, inFeatures: 168, outFeatures: 11,
                         weights: weights(11, 168, bits: .int8, zeros: 0.85, pruned: [7], &rng), weightBits: .int8,
                         bias: int32s(11, &rng, range: -2000...2000), requant: (0..<11).map { _ in multiplier(0.1 * 0.004 / 0.2) },
                         inputOffset: -4, outputZeroPoint: -3, clampMin: -128, clampMax: 127)
        let fc2 = QDense(input: 5, output: 6, rows: 1, inFeatures: 11, outFeatures: 5,
                         weights: weights(5, 11, bits: .int4, zeros: 0.1, &rng), weightBits: .int4,
                         bias: int32s(5, &rng, range: -200...200), requant: (0..<5).map { _ in multiplier(0.2 * 0.1 / 0.3) },
                         inputOffset: 3, outputZeroPoint: 1, clampMin: -128, clampMax: 127)
        return QModel(name: "storage", tensors: tensors, layers: [
            QLayer(name: "conv_int4", sourceOps: ["Conv"], op: .conv(c1)),
            QLayer(name: "pointwise_sparse", sourceOps: ["Conv", "Relu"], op: .conv(c2)),
            QLayer(name: "grouped_int4_sparse", sourceOps: ["Conv"], op: .conv(c3)),
            QLayer(name: "flatten", sourceOps: ["Flatten"], op: .reshape(input: 3, output: 4)),
            QLayer(name: "fc_sparse", sourceOps: ["Gemm"], op: .dense(fc1)),
            QLayer(name: "fc_int4", sourceOps: ["Gemm"], op: .dense(fc2)),
        ], inputs: [0], outputs: [6])
    }

    /// Random int8 samples for every input of `model`.
    static func samples(_ model: QModel, count: Int, seed: UInt64) -> [[[Int8]]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { s in
            model.inputs.map { t in
                let n = model.tensors[t].count
                switch s {
                case 0: return [Int8](repeating: -128, count: n)
                case 1: return [Int8](repeating: 127, count: n)
                default: return int8s(n, &rng, range: -128...127)
                }
            }
        }
    }
}
