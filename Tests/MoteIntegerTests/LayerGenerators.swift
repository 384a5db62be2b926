import Foundation
import MoteFixedPoint
import MoteIR

/// Random single-layer cases, one generator per kernel, reaching the edges on purpose: padding larger than the
/// kernel, strides and dilations, groups and depthwise, broadcasting with scalar operands, ceil-mode pools,
/// shifts across −31...30, extreme offsets, zero points and clamps, all-equal and extreme softmax inputs.
enum LayerGenerator {
    static func conv<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let groups: Int, inPerGroup: Int, outPerGroup: Int
        switch r.int(0...3) {
        case 0, 1: (groups, inPerGroup, outPerGroup) = (1, r.int(1...4), r.int(1...4))
        case 2: (groups, inPerGroup, outPerGroup) = (r.int(2...3), r.int(1...3), r.int(1...3))
        default: (groups, inPerGroup, outPerGroup) = (r.int(1...5), 1, r.pick([1, 1, 2]))  // depthwise
        }
        let inC = groups * inPerGroup, outC = groups * outPerGroup
        let batch = r.chance(0.2) ? 2 : 1
        let oneD = r.chance(0.2)
        let inH = oneD ? 1 : r.int(1...7), inW = r.int(1...8)
        let kh = oneD ? 1 : r.int(1...4), kw = r.int(1...4)
        let sh = r.int(1...3), sw = r.int(1...3)
        let dh = r.chance(0.25) ? r.int(2...3) : 1, dw = r.chance(0.25) ? r.int(2...3) : 1
        let pt = oneD ? 0 : r.int(0...3), pl = r.int(0...3)
        let pb = oneD ? 0 : r.int(0...3), pr = r.int(0...3)
        let outH = max(1, (inH + pt + pb - ((kh - 1) * dh + 1)) / sh + 1)
        let outW = max(1, (inW + pl + pr - ((kw - 1) * dw + 1)) / sw + 1)
        let weightCount = outC * inPerGroup * kh * kw
        let weights = (0..<weightCount).map { _ -> Int8 in
            r.chance(0.03) ? -128 : (r.chance(0.1) ? r.pick([-127, 127]) : Int8(r.int(-127...127)))
        }
        // Scales such that a typical accumulator (≈ 128 · 64 · √taps) lands inside int8, with spread.
        let taps = Double(inPerGroup * kh * kw)
        let bias = (0..<outC).map { _ in r.chance(0.1) ? r.anyInt32() : r.int32(-8_000...8_000) }
        let requant = (0..<outC).map { _ in r.multiplier(around: 1 / (64 * taps.squareRoot()) * pow(10, Double.random(in: -1...1, using: &r))) }
        let (lo, hi) = r.clamp()
        let op = QConv(input: 0, output: 1, batch: batch, inChannels: inC, inHeight: inH, inWidth: inW,
                       outChannels: outC, outHeight: outH, outWidth: outW, kernelHeight: kh, kernelWidth: kw,
                       strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw,
                       padTop: pt, padLeft: pl, groups: groups, weights: weights, bias: bias, requant: requant,
                       inputOffset: r.offset(), outputZeroPoint: r.outputZeroPoint(), clampMin: lo, clampMax: hi)
        return KernelCase(.conv(op), inputShapes: [[batch, inC, inH, inW]], outputShape: [batch, outC, outH, outW],
                          inputs: [r.int8s(batch * inC * inH * inW)])
    }

    static func dense<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let rows = r.int(1...3), inF = r.int(1...48), outF = r.int(1...12)
        let weights = (0..<(inF * outF)).map { _ in r.chance(0.1) ? r.pick([-127, 127, -128]) : Int8(r.int(-127...127)) }
        let bias = (0..<outF).map { _ in r.chance(0.1) ? r.anyInt32() : r.int32(-8_000...8_000) }
        let (lo, hi) = r.clamp()
        let spread = 1 / (64 * Double(inF).squareRoot())
        let requant = (0..<outF).map { _ in r.multiplier(around: spread * pow(10, Double.random(in: -1...1, using: &r))) }
        let op = QDense(input: 0, output: 1, rows: rows, inFeatures: inF, outFeatures: outF, weights: weights,
                        bias: bias, requant: requant, inputOffset: r.offset(),
                        outputZeroPoint: r.outputZeroPoint(), clampMin: lo, clampMax: hi)
        return KernelCase(.dense(op), inputShapes: [[rows, inF]], outputShape: [rows, outF], inputs: [r.int8s(rows * inF)])
    }

    /// A broadcast of two random operand shapes (rank 0...6, operands possibly of lower rank or scalars).
    static func broadcast<R: RandomNumberGenerator>(_ r: inout R) -> (QBroadcast, [Int], [Int]) {
        let rank = r.int(0...6)
        var shape = [Int]()
        for _ in 0..<rank { shape.append(Shape.count(shape) > 60 ? 1 : r.int(1...4)) }
        func operand(_ r: inout R) -> (shape: [Int], strides: [Int]) {
            if r.chance(0.15) { return ([], [Int](repeating: 0, count: rank)) }  // scalar
            let dropped = r.chance(0.3) ? r.int(0...rank) : 0  // leading axes missing
            let own = shape.enumerated().map { d, n in d < dropped ? 1 : (r.chance(0.3) ? 1 : n) }
            let ownShape = Array(own[dropped...])
            let ownStrides = Shape.strides(ownShape)
            let strides = (0..<rank).map { d -> Int in
                d < dropped ? 0 : (own[d] == 1 ? 0 : ownStrides[d - dropped])
            }
            return (ownShape, strides)
        }
        let a = operand(&r), b = operand(&r)
        return (QBroadcast(shape: shape, strides1: a.strides, strides2: b.strides), a.shape, b.shape)
    }

    static func add<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let (b, shape1, shape2) = broadcast(&r)
        let (lo, hi) = r.clamp()
        var op: QAdd
        // Realistic parameters from TFLite's recipe, or anything valid.
        if r.chance(0.6), let q = FixedPoint.addParameters(
            input1Scale: r.scale(), input1ZeroPoint: r.zeroPoint(), input2Scale: r.scale(), input2ZeroPoint: r.zeroPoint(),
            outputScale: r.scale() * 2, outputZeroPoint: r.zeroPoint(), activationMin: Int8(lo), activationMax: Int8(hi)) {
            op = QAdd(input1: 0, input2: 1, output: 2, broadcast: b, subtract: r.chance(0.4), leftShift: q.leftShift,
                      input1Offset: q.input1Offset, input1Multiplier: QMultiplier(multiplier: q.input1Multiplier, shift: q.input1Shift),
                      input2Offset: q.input2Offset, input2Multiplier: QMultiplier(multiplier: q.input2Multiplier, shift: q.input2Shift),
                      outputMultiplier: QMultiplier(multiplier: q.outputMultiplier, shift: q.outputShift),
                      outputZeroPoint: q.outputOffset, clampMin: lo, clampMax: hi)
        } else {
            op = QAdd(input1: 0, input2: 1, output: 2, broadcast: b, subtract: r.chance(0.4),
                      leftShift: r.chance(0.5) ? 20 : r.int32(0...31),
                      input1Offset: r.offset(), input1Multiplier: r.multiplier(),
                      input2Offset: r.offset(), input2Multiplier: r.multiplier(),
                      outputMultiplier: r.multiplier(), outputZeroPoint: r.outputZeroPoint(), clampMin: lo, clampMax: hi)
        }
        return KernelCase(.add(op), inputShapes: [shape1, shape2], outputShape: b.shape,
                          inputs: [r.int8s(Shape.count(shape1)), r.int8s(Shape.count(shape2))])
    }

    static func mul<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let (b, shape1, shape2) = broadcast(&r)
        let (lo, hi) = r.clamp()
        let op = QMul(input1: 0, input2: 1, output: 2, broadcast: b, input1Offset: r.offset(), input2Offset: r.offset(),
                      multiplier: r.multiplier(around: r.scale() * r.scale() / r.scale()),
                      outputZeroPoint: r.outputZeroPoint(), clampMin: lo, clampMax: hi)
        return KernelCase(.mul(op), inputShapes: [shape1, shape2], outputShape: b.shape,
                          inputs: [r.int8s(Shape.count(shape1)), r.int8s(Shape.count(shape2))])
    }

    /// A pool; average windows that would count no tap are regenerated (Mote rejects them).
    static func pool<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        while true {
            let kind: QPool.Kind = r.chance(0.5) ? .max : .average
            let oneD = r.chance(0.2)
            let planes = r.int(1...3)
            let inH = oneD ? 1 : r.int(1...8), inW = r.int(1...9)
            let kh = oneD ? 1 : r.int(1...4), kw = r.int(1...4)
            let sh = r.int(1...3), sw = r.int(1...3)
            let dh = r.chance(0.2) ? 2 : 1, dw = r.chance(0.2) ? 2 : 1
            let pt = oneD ? 0 : r.int(0...(kh - 1)), pl = r.int(0...(kw - 1))
            let pb = oneD ? 0 : r.int(0...(kh - 1)), pr = r.int(0...(kw - 1))
            let ceil = r.chance(0.4)  // ceil mode: one more window, partly beyond the padded extent
            func out(_ size: Int, _ pads: Int, _ k: Int, _ d: Int, _ s: Int) -> Int {
                let span = size + pads - ((k - 1) * d + 1)
                return max(1, (ceil ? (span + s - 1) / s : span / s) + 1)
            }
            let outH = out(inH, pt + pb, kh, dh, sh), outW = out(inW, pl + pr, kw, dw, sw)
            let (lo, hi) = r.clamp()
            let op = QPool(kind: kind, input: 0, output: 1, planes: planes, inHeight: inH, inWidth: inW,
                           outHeight: outH, outWidth: outW, kernelHeight: kh, kernelWidth: kw, strideHeight: sh,
                           strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl,
                           padBottom: pb, padRight: pr, countIncludePad: r.chance(0.5), zeroPoint: r.zeroPoint(),
                           clampMin: lo, clampMax: hi)
            let c = KernelCase(.pool(op), inputShapes: [[1, planes, inH, inW]], outputShape: [1, planes, outH, outW],
                               inputs: [r.int8s(planes * inH * inW)])
            if (try? c.swiftOutput()) != nil { return c }
        }
    }

    static func mean<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let outer = r.int(1...3), reduce = r.chance(0.1) ? r.int(100...1200) : r.int(1...64), inner = r.int(1...4)
        let sIn = r.scale(), sOut = r.chance(0.5) ? sIn : r.scale()
        let op = QMean(input: 0, output: 1, outer: outer, reduce: reduce, inner: inner,
                       inputZeroPoint: r.chance(0.05) ? r.pick([Int32.min, Int32.max, r.anyInt32()]) : r.zeroPoint(),
                       multiplier: r.multiplier(around: sIn / (sOut * Double(reduce))), outputZeroPoint: r.outputZeroPoint())
        return KernelCase(.mean(op), inputShapes: [[outer, reduce, inner]], outputShape: [outer, 1, inner],
                          inputs: [r.int8s(outer * reduce * inner)])
    }

    static func table<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let count = r.int(1...600)
        let op = QTable(input: 0, output: 1, table: r.int8s(256))
        return KernelCase(.table(op), inputShapes: [[count]], outputShape: [count], inputs: [r.int8s(count)])
    }

    /// round(exp(−scale·d)·2^16) for d in 0...255, as the quantizer builds it.
    static func expTable(scale: Double) -> [UInt32] {
        (0..<256).map { d in UInt32((exp(-scale * Double(d)) * 65536).rounded(.toNearestOrAwayFromZero)) }
    }

    static func softmax<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let outer = r.int(1...3), axis = r.chance(0.05) ? r.int(200...400) : r.int(1...40), inner = r.int(1...3)
        let table: [UInt32]
        switch r.int(0...10) {
        case 0: table = [65536] + [UInt32](repeating: 0, count: 255)  // huge scale: one-hot
        case 1: table = [UInt32](repeating: 65536, count: 256)        // tiny scale: uniform
        case 2: table = [UInt32(r.int(1...65536))] + (0..<255).map { _ in UInt32(r.int(0...65536)) }
        case 3: table = [UInt32(r.int(1...8))] + (0..<255).map { _ in UInt32(r.int(0...8)) }  // small sums: rounding ties
        default: table = expTable(scale: pow(10, Double.random(in: -3...1, using: &r)))
        }
        let count = outer * axis * inner
        let data: [Int8]
        switch r.int(0...4) {
        case 0: data = [Int8](repeating: r.int8(), count: count)                // all equal
        case 1: data = (0..<count).map { _ in r.pick([-128, 127]) }              // extremes
        default: data = r.int8s(count)
        }
        let op = QSoftmax(input: 0, output: 1, outer: outer, axis: axis, inner: inner, expTable: table)
        return KernelCase(.softmax(op), inputShapes: [[outer, axis, inner]], outputShape: [outer, axis, inner], inputs: [data])
    }

    static func concat<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let outer = r.int(1...3)
        let parts = (0..<r.int(1...4)).map { k -> QConcat.Part in
            let rowSize = r.chance(0.1) ? 0 : r.int(1...12)
            let zp = r.chance(0.05) ? r.pick([Int32.min, Int32.max]) : r.zeroPoint()
            return QConcat.Part(input: k, rowSize: rowSize, requant: r.chance(0.5) ? nil : r.multiplier(around: r.scale() / r.scale()),
                                inputZeroPoint: zp)
        }
        let op = QConcat(parts: parts, output: parts.count, outer: outer, outputZeroPoint: r.outputZeroPoint())
        let total = parts.reduce(0) { $0 + $1.rowSize }
        return KernelCase(.concat(op), inputShapes: parts.map { [outer, $0.rowSize] }, outputShape: [outer, total],
                          inputs: parts.map { r.int8s(outer * $0.rowSize) })
    }

    static func pad<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let rank = r.int(0...6)
        let inShape = (0..<rank).map { _ in r.chance(0.03) ? 0 : r.int(1...(rank > 4 ? 2 : 4)) }
        let begin = (0..<rank).map { _ in r.int(-2...2) }
        let outShape = (0..<rank).map { d in max(0, inShape[d] + begin[d] + r.int(-2...2)) }
        let op = QPad(input: 0, output: 1, inShape: inShape, outShape: outShape, padsBegin: begin, value: r.int8())
        return KernelCase(.pad(op), inputShapes: [inShape], outputShape: outShape, inputs: [r.int8s(Shape.count(inShape))])
    }

    static func transpose<R: RandomNumberGenerator>(_ r: inout R) -> KernelCase {
        let rank = r.int(0...6)
        let inShape = (0..<rank).map { _ in r.int(1...(rank > 4 ? 3 : 5)) }
        let perm = Array(0..<rank).shuffled(using: &r)
        let op = QTranspose(input: 0, output: 1, inShape: inShape, perm: perm)
        return KernelCase(.transpose(op), inputShapes: [inShape], outputShape: perm.map { inShape[$0] },
                          inputs: [r.int8s(Shape.count(inShape))])
    }
}

/// Conv/dense layers for the weight-storage tests: one geometry per path `mote_conv` dispatches on, int8 or int4
/// values, and zeros from none to whole rows (pruned channels), so that every storage format meets every path.
enum StorageGenerator {
    /// The paths of mote_conv.c (sparse storage takes its own path for all of them, so each geometry also
    /// exercises its interior and border windows there).
    enum ConvPath: String, CaseIterable {
        case pointwise, stridedPointwise, depthwise3x3, generic, oneD, grouped, dilated
        /// 16–23 input channels (1×1 layers take im2col from 16): mostly 1×1 at stride 1 without padding, whose
        /// columns the three-pixel gather builds where four bytes can be read (mote_im2col_pointwise3), over 1 to
        /// 24 output pixels (fewer than 3 leave im2col).
        case wide
    }

    /// Weights of `rows` × `rowLength`: a random share of zeros, now and then an all-zero row, values over the
    /// whole range of the width (−8...7 for int4: what a nibble holds).
    static func weights<R: RandomNumberGenerator>(_ r: inout R, rows: Int, rowLength: Int, bits: QWeightBits) -> [Int8] {
        let zeroShare = r.pick([0.0, 0.3, 0.7, 0.95])
        let range: ClosedRange<Int> = bits == .int4 ? -8...7 : -128...127
        var w: [Int8] = []
        for _ in 0..<rows {
            let pruned = r.chance(0.15)
            for _ in 0..<rowLength {
                if pruned || r.chance(zeroShare) { w.append(0); continue }
                var v = 0
                while v == 0 { v = r.int(range) }
                w.append(Int8(v))
            }
        }
        return w
    }

    static func conv<R: RandomNumberGenerator>(_ r: inout R, path: ConvPath, bits: QWeightBits) -> KernelCase {
        var groups = 1, inPerGroup = r.int(1...5), outPerGroup = r.int(1...5)
        var inH = r.int(1...6), inW = r.int(1...12)
        var kh = r.int(1...4), kw = r.int(1...4), sh = r.int(1...2), sw = r.int(1...2), dh = 1, dw = 1
        var pt = r.int(0...2), pl = r.int(0...2), pb = r.int(0...2), pr = r.int(0...2)
        switch path {
        case .pointwise:
            (kh, kw, sh, sw, pt, pl, pb, pr) = (1, 1, 1, 1, 0, 0, 0, 0)
        case .stridedPointwise:
            (kh, kw, pt, pl, pb, pr) = (1, 1, 0, 0, 0, 0)
            (sh, sw) = r.pick([(1, 2), (2, 1), (2, 2), (3, 2), (1, 3)])
        case .depthwise3x3:
            groups = r.int(1...6)
            (inPerGroup, outPerGroup, kh, kw) = (1, 1, 3, 3)
            inH = r.int(1...7)
        case .generic:
            break
        case .oneD:
            (inH, kh, sh, pt, pb) = (1, 1, 1, 0, 0)
            kw = r.int(1...5)
            dw = r.chance(0.3) ? 2 : 1
        case .grouped:
            groups = r.int(2...3)
            inPerGroup = r.int(1...3)
            outPerGroup = r.int(1...3)
        case .dilated:
            (dh, dw) = (r.int(1...3), r.int(2...3))
            (kh, kw) = (r.int(1...3), r.int(2...3))
            inH = r.int(3...7)
        case .wide:
            inPerGroup = r.int(16...23)
            (inH, inW) = (r.int(1...4), r.int(1...6))
            if r.chance(0.7) { (kh, kw, sh, sw, pt, pl, pb, pr) = (1, 1, 1, 1, 0, 0, 0, 0) }
        }
        let inC = groups * inPerGroup, outC = groups * outPerGroup
        let batch = r.chance(0.2) ? 2 : 1
        let outH = max(1, (inH + pt + pb - ((kh - 1) * dh + 1)) / sh + 1)
        let outW = max(1, (inW + pl + pr - ((kw - 1) * dw + 1)) / sw + 1)
        let rowLength = inPerGroup * kh * kw
        let w = weights(&r, rows: outC, rowLength: rowLength, bits: bits)
        let spread = 1 / (16 * Double(bits.maxMagnitude) * Double(rowLength).squareRoot())
        let (lo, hi) = r.clamp()
        let op = QConv(input: 0, output: 1, batch: batch, inChannels: inC, inHeight: inH, inWidth: inW,
                       outChannels: outC, outHeight: outH, outWidth: outW, kernelHeight: kh, kernelWidth: kw,
                       strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw,
                       padTop: pt, padLeft: pl, groups: groups, weights: w, weightBits: bits,
                       bias: (0..<outC).map { _ in r.chance(0.1) ? r.anyInt32() : r.int32(-8_000...8_000) },
                       requant: (0..<outC).map { _ in r.multiplier(around: spread * pow(10, Double.random(in: -1...1, using: &r))) },
                       inputOffset: r.offset(), outputZeroPoint: r.outputZeroPoint(), clampMin: lo, clampMax: hi)
        return KernelCase(.conv(op), inputShapes: [[batch, inC, inH, inW]], outputShape: [batch, outC, outH, outW],
                          inputs: [r.int8s(batch * inC * inH * inW)])
    }

    static func dense<R: RandomNumberGenerator>(_ r: inout R, bits: QWeightBits) -> KernelCase {
        let rows = r.int(1...3), inF = r.int(1...40), outF = r.int(1...9)
        let w = weights(&r, rows: outF, rowLength: inF, bits: bits)
        let spread = 1 / (16 * Double(bits.maxMagnitude) * Double(inF).squareRoot())
        let (lo, hi) = r.clamp()
        let op = QDense(input: 0, output: 1, rows: rows, inFeatures: inF, outFeatures: outF, weights: w, weightBits: bits,
                        bias: (0..<outF).map { _ in r.chance(0.1) ? r.anyInt32() : r.int32(-8_000...8_000) },
                        requant: (0..<outF).map { _ in r.multiplier(around: spread * pow(10, Double.random(in: -1...1, using: &r))) },
                        inputOffset: r.offset(), outputZeroPoint: r.outputZeroPoint(), clampMin: lo, clampMax: hi)
        return KernelCase(.dense(op), inputShapes: [[rows, inF]], outputShape: [rows, outF], inputs: [r.int8s(rows * inF)])
    }
}
