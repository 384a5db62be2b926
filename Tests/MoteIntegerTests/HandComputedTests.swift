import MoteIR
import MoteInteger
import XCTest

/// Small cases per kernel whose expected bytes are derived by hand (in the comments), independently of both
/// implementations, and checked against Swift and against both C builds.
final class HandComputedTests: XCTestCase {
    /// 1.0 as a TFLite multiplier: 2^30 · 2^(1 − 31).
    let one = QMultiplier(multiplier: 1 << 30, shift: 1)
    /// 0.5: 2^30 · 2^(0 − 31).
    let half = QMultiplier(multiplier: 1 << 30, shift: 0)
    /// 0.25: 2^30 · 2^(−1 − 31).
    let quarter = QMultiplier(multiplier: 1 << 30, shift: -1)

    private func conv(inC: Int, h: Int, w: Int, outC: Int, k: Int, pad: Int = 0, stride: Int = 1, groups: Int = 1,
                      weights: [Int8], bias: [Int32], requant: QMultiplier, offset: Int32 = 0, zp: Int32 = 0,
                      clamp: (Int32, Int32) = (-128, 127), input: [Int8]) -> KernelCase {
        let oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1
        let op = QConv(input: 0, output: 1, batch: 1, inChannels: inC, inHeight: h, inWidth: w, outChannels: outC,
                       outHeight: oh, outWidth: ow, kernelHeight: k, kernelWidth: k, strideHeight: stride,
                       strideWidth: stride, dilationHeight: 1, dilationWidth: 1, padTop: pad, padLeft: pad,
                       groups: groups, weights: weights, bias: bias, requant: [QMultiplier](repeating: requant, count: outC),
                       inputOffset: offset, outputZeroPoint: zp, clampMin: clamp.0, clampMax: clamp.1)
        return KernelCase(.conv(op), inputShapes: [[1, inC, h, w]], outputShape: [1, outC, oh, ow], inputs: [input])
    }

    func testConv() throws {
        let cases = [
            // 1×1, weight 1, multiplier 0.5 (shift 0): SRDHM(x, 2^30) = floor(x/2 + 1/2), ties toward +∞:
            // −3 → −1, −1 → 0, 1 → 1, 3 → 2, 5 → 3, 127 → 64, −128 → −64.
            conv(inC: 1, h: 1, w: 7, outC: 1, k: 1, weights: [1], bias: [0], requant: half,
                 input: [-3, -1, 1, 3, 5, 127, -128]),
            // Multiplier 0.25 (shift −1): double rounding. x = 5: SRDHM → 3, then 3/2 = 1.5 → 2 (ties away from
            // zero) although 5/4 = 1.25. x = 2 → 1 → 0.5 → 1. x = −2 → −1 → −0.5 → −1. x = 6 → 3 → 2. x = −6 →
            // floor(−3 + 0.5) = −3 → −1.5 → −2. x = 1 → 1 → 0.5 → 1. x = −1 → 0 → 0.
            conv(inC: 1, h: 1, w: 7, outC: 1, k: 1, weights: [1], bias: [0], requant: quarter,
                 input: [5, 2, -2, 6, -6, 1, -1]),
            // 3×3 all-ones kernel, pad 1, on a 3×3 input of 0 with input offset 1 (x + 1 = 1 inside), multiplier
            // 1.0: each output counts its taps inside the input (padding is real zero, not zero + offset):
            // corners 4, edges 6, centre 9; then zero point −2 → [2,4,2, 4,7,4, 2,4,2].
            conv(inC: 1, h: 3, w: 3, outC: 1, k: 3, pad: 1, weights: [Int8](repeating: 1, count: 9), bias: [0],
                 requant: one, offset: 1, zp: -2, input: [Int8](repeating: 0, count: 9)),
            // Depthwise (groups 2): channel 0 ×2 plus bias 1, channel 1 ×(−1); 1×1 kernels, multiplier 1.0,
            // clamp [−5, 100]: ch0 [1,2] → [3, 5]; ch1 [3, 10] → [−3, −5 (−10 clamped)].
            conv(inC: 2, h: 1, w: 2, outC: 2, k: 1, groups: 2, weights: [2, -1], bias: [1, 0], requant: one,
                 clamp: (-5, 100), input: [1, 2, 3, 10]),
            // Stride 2, 2×2 kernel [1,2;3,4] on 1..16 (4×4), bias −100, multiplier 1.0: windows at (0,0): 1+4+15+24
            // = 44 → −56; (0,2): 3+8+21+32 = 64 → −36; (2,0): 9+20+39+56 = 124 → 24; (2,2): 11+24+45+64 = 144 → 44.
            conv(inC: 1, h: 4, w: 4, outC: 1, k: 2, stride: 2, weights: [1, 2, 3, 4], bias: [-100], requant: one,
                 input: (1...16).map { Int8($0) }),
        ]
        try assertSwiftMatchesC(cases, expected: [
            [-1, 0, 1, 2, 3, 64, -64],
            [2, 1, -1, 2, -2, 1, 0],
            [2, 4, 2, 4, 7, 4, 2, 4, 2],
            [3, 5, -3, -5],
            [-56, -36, 24, 44],
        ], "conv")
    }

    func testDense() throws {
        // x = [1, 2, 3] + offset 1 = [2, 3, 4]; w = [[1, 0, −1], [2, 2, 2]], bias [10, −5]:
        // acc = [10 + 2 − 4, −5 + 18] = [8, 13]; multiplier 1.0, zero point −3 → [5, 10]; clamp max 7 → [5, 7].
        let op = QDense(input: 0, output: 1, rows: 1, inFeatures: 3, outFeatures: 2, weights: [1, 0, -1, 2, 2, 2],
                        bias: [10, -5], requant: [one, one], inputOffset: 1, outputZeroPoint: -3, clampMin: -128, clampMax: 7)
        // Saturation: 127 · 127 · 4 = 64516 with multiplier 1.0 → 127; inputs −1: −508 → −128.
        let sat = QDense(input: 0, output: 1, rows: 2, inFeatures: 4, outFeatures: 1, weights: [127, 127, 127, 127],
                         bias: [0], requant: [one], inputOffset: 0, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        try assertSwiftMatchesC([
            KernelCase(.dense(op), inputShapes: [[1, 3]], outputShape: [1, 2], inputs: [[1, 2, 3]]),
            KernelCase(.dense(sat), inputShapes: [[2, 4]], outputShape: [2, 1], inputs: [[127, 127, 127, 127, -1, -1, -1, -1]]),
        ], expected: [[5, 7], [127, -128]], "dense")
    }

    /// All scales 1, zero points 0: TFLite's recipe gives input multipliers 0.5 (2^30, 0) and output multiplier
    /// 2 / 2^20 = 2^−19 (2^30, −18); every step is then exact, so out = saturate(x1 ± x2).
    private func unitAdd(_ b: QBroadcast, subtract: Bool = false) -> QAdd {
        QAdd(input1: 0, input2: 1, output: 2, broadcast: b, subtract: subtract, leftShift: 20,
             input1Offset: 0, input1Multiplier: half, input2Offset: 0, input2Multiplier: half,
             outputMultiplier: QMultiplier(multiplier: 1 << 30, shift: -18), outputZeroPoint: 0, clampMin: -128, clampMax: 127)
    }

    func testAdd() throws {
        let flat = QBroadcast(shape: [4], strides1: [1], strides2: [1])
        // Scalar second operand broadcast over [2, 3]; first operand [3] broadcast over the rows.
        let scalar = QBroadcast(shape: [2, 3], strides1: [0, 1], strides2: [0, 0])
        try assertSwiftMatchesC([
            KernelCase(.add(unitAdd(flat)), inputShapes: [[4], [4]], outputShape: [4], inputs: [[3, 100, -100, 0], [4, 100, -100, -1]]),
            KernelCase(.add(unitAdd(flat, subtract: true)), inputShapes: [[4], [4]], outputShape: [4],
                       inputs: [[3, 100, -100, 0], [4, -100, 100, -1]]),
            KernelCase(.add(unitAdd(scalar)), inputShapes: [[3], []], outputShape: [2, 3], inputs: [[1, 2, 3], [10]]),
        ], expected: [
            [7, 127, -128, -1],      // 3+4, 200 → 127, −200 → −128, −1
            [-1, 127, -128, 1],      // 3−4, 200, −200, 1
            [11, 12, 13, 11, 12, 13],
        ], "add")
    }

    func testMul() throws {
        // Multiplier 1.0: out = saturate((x1 + off1) · (x2 + off2) + zp).
        // off1 = −2 (zero point 2): (7 − 2)·3 = 15; (12 − 2)·12 = 120; (−128 − 2)·(−1) = 130 → 127;
        // (2 − 2)·5 = 0; then zp 1 → [16, 121, 127, 1].
        let op = QMul(input1: 0, input2: 1, output: 2, broadcast: QBroadcast(shape: [4], strides1: [1], strides2: [1]),
                      input1Offset: -2, input2Offset: 0, multiplier: one, outputZeroPoint: 1, clampMin: -128, clampMax: 127)
        // Multiplier 0.5 with a column × row broadcast: [2,1] · [1,3] → [[1·1, 1·2, 1·3], [3·1, 3·2, 3·3]] / 2
        // rounded half up (SRDHM): [0.5, 1, 1.5, 1.5, 3, 4.5] → [1, 1, 2, 2, 3, 5].
        let outer = QMul(input1: 0, input2: 1, output: 2,
                         broadcast: QBroadcast(shape: [2, 3], strides1: [1, 0], strides2: [0, 1]),
                         input1Offset: 0, input2Offset: 0, multiplier: half, outputZeroPoint: 0, clampMin: -128, clampMax: 127)
        try assertSwiftMatchesC([
            KernelCase(.mul(op), inputShapes: [[4], [4]], outputShape: [4], inputs: [[7, 12, -128, 2], [3, 12, -1, 5]]),
            KernelCase(.mul(outer), inputShapes: [[2, 1], [1, 3]], outputShape: [2, 3], inputs: [[1, 3], [1, 2, 3]]),
        ], expected: [[16, 121, 127, 1], [1, 1, 2, 2, 3, 5]], "mul")
    }

    private func pool(_ kind: QPool.Kind, h: Int, w: Int, oh: Int, ow: Int, kh: Int, kw: Int, stride: Int = 1,
                      pads: (Int, Int, Int, Int) = (0, 0, 0, 0), includePad: Bool = false, zp: Int32 = 0,
                      clamp: (Int32, Int32) = (-128, 127), input: [Int8]) -> KernelCase {
        let op = QPool(kind: kind, input: 0, output: 1, planes: 1, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow,
                       kernelHeight: kh, kernelWidth: kw, strideHeight: stride, strideWidth: stride, dilationHeight: 1,
                       dilationWidth: 1, padTop: pads.0, padLeft: pads.1, padBottom: pads.2, padRight: pads.3,
                       countIncludePad: includePad, zeroPoint: zp, clampMin: clamp.0, clampMax: clamp.1)
        return KernelCase(.pool(op), inputShapes: [[1, 1, h, w]], outputShape: [1, 1, oh, ow], inputs: [input])
    }

    func testPool() throws {
        try assertSwiftMatchesC([
            // 2×2 average of [1, 2; 3, 5] = 11/4 = 2.75 → 3.
            pool(.average, h: 2, w: 2, oh: 1, ow: 1, kh: 2, kw: 2, input: [1, 2, 3, 5]),
            // 1×2 averages, stride 2: (1+2)/2 = 1.5 → 2; (−1−2)/2 = −1.5 → −2 (ties away from zero);
            // (5+6)/2 = 5.5 → 6; (−5+4)/2 = −0.5 → −1.
            pool(.average, h: 1, w: 8, oh: 1, ow: 4, kh: 1, kw: 2, stride: 2, input: [1, 2, -1, -2, 5, 6, -5, 4]),
            // Max of a 2×2 window, stride 2, clamp max 4: max(1,2,3,5) = 5 → 4; max(−7,−8,−9,−6) = −6.
            pool(.max, h: 2, w: 4, oh: 1, ow: 2, kh: 2, kw: 2, stride: 2, clamp: (-128, 4), input: [1, 2, -7, -8, 3, 5, -9, -6]),
            // 1×2 kernel, pad left 1, right 1 on [4, 6], stride 1 → 3 windows [pad,4], [4,6], [6,pad].
            // Without count_include_pad: 4/1, 10/2, 6/1 → [4, 5, 6].
            pool(.average, h: 1, w: 2, oh: 1, ow: 3, kh: 1, kw: 2, pads: (0, 1, 0, 1), input: [4, 6]),
            // With it and zero point 10: (10+4)/2 = 7, 5, (6+10)/2 = 8.
            pool(.average, h: 1, w: 2, oh: 1, ow: 3, kh: 1, kw: 2, pads: (0, 1, 0, 1), includePad: true, zp: 10, input: [4, 6]),
            // Ceil mode: 1×3 kernel, stride 2, pad right 1 on width 4 → windows [0,3), [2,5), and a ceil-mode
            // window [4,7) — 4 is inside the padded extent (pad 1), 5 and 6 beyond it.
            // count_include_pad, zp 0: (1+2+3)/3 = 2, (3+4+0)/3 = 2.33 → 2, (0)/1 = 0 → [2, 2, 0].
            pool(.average, h: 1, w: 4, oh: 1, ow: 3, kh: 1, kw: 3, stride: 2, pads: (0, 0, 0, 1), includePad: true,
                 input: [1, 2, 3, 4]),
            // Max pool whose outer windows lie wholly in the padding (pads 1, kernel 1): −128, then the clamp [−100, 127].
            pool(.max, h: 1, w: 1, oh: 1, ow: 3, kh: 1, kw: 1, pads: (0, 1, 0, 1), clamp: (-100, 127), input: [7]),
            // Global averages long enough for several 256-word runs of the DSP sum (int16 halves): 48×48 of −128
            // (2304 bytes) → −128; 47×47 (2209 bytes, an odd tail) of 1000 × −128 then 1209 × 127:
            // (−128000 + 153543) / 2209 = 11.56 → 12.
            pool(.average, h: 48, w: 48, oh: 1, ow: 1, kh: 48, kw: 48, input: Array(repeating: -128, count: 2304)),
            pool(.average, h: 47, w: 47, oh: 1, ow: 1, kh: 47, kw: 47,
                 input: Array(repeating: -128, count: 1000) + Array(repeating: 127, count: 1209)),
        ], expected: [[3], [2, -2, 6, -1], [4, -6], [4, 5, 6], [7, 5, 8], [2, 2, 0], [-100, 7, -100], [-128], [12]],
           "pool")
    }

    func testMean() throws {
        // Mean of [1, 2, 3, 4] with multiplier 0.25: SRDHM(10, 2^30) = 5, then 5/2 = 2.5 → 3 (2.5 rounds away
        // from zero); the second column [−1, −2, −3, −4]: −10 → SRDHM −5 → −2.5 → −3.
        // Layout [outer 1, reduce 4, inner 2], so the columns interleave: x[r][i].
        let op = QMean(input: 0, output: 1, outer: 1, reduce: 4, inner: 2, inputZeroPoint: 0, multiplier: quarter,
                       outputZeroPoint: 0)
        // Zero points: inputs [10, 12] with zp 10 → acc 2, multiplier 0.5 → 1, output zp −128 → −127.
        let zp = QMean(input: 0, output: 1, outer: 1, reduce: 2, inner: 1, inputZeroPoint: 10, multiplier: half,
                       outputZeroPoint: -128)
        try assertSwiftMatchesC([
            KernelCase(.mean(op), inputShapes: [[1, 4, 2]], outputShape: [1, 1, 2], inputs: [[1, -1, 2, -2, 3, -3, 4, -4]]),
            KernelCase(.mean(zp), inputShapes: [[1, 2, 1]], outputShape: [1, 1, 1], inputs: [[10, 12]]),
        ], expected: [[3, -3], [-127]], "mean")
    }

    func testTable() throws {
        // Negation table (saturating): t[q + 128] = clamp(−q).
        let table = (-128...127).map { Int8(clamping: -$0) }
        let op = QTable(input: 0, output: 1, table: table)
        try assertSwiftMatchesC([KernelCase(.table(op), inputShapes: [[4]], outputShape: [4], inputs: [[-128, -1, 0, 127]])],
                                expected: [[127, 1, 0, -127]], "table")
    }

    private func softmax(axis: Int, inner: Int = 1, table: [UInt32], input: [Int8]) -> KernelCase {
        let op = QSoftmax(input: 0, output: 1, outer: 1, axis: axis, inner: inner, expTable: table)
        return KernelCase(.softmax(op), inputShapes: [[1, axis, inner]], outputShape: [1, axis, inner], inputs: [input])
    }

    func testSoftmax() throws {
        let flat = [UInt32](repeating: 65536, count: 256)
        let oneHot = [65536] + [UInt32](repeating: 0, count: 255)
        // exp(−ln2·d): 65536, 32768, 16384, …
        let halving = (0..<256).map { d in d < 17 ? UInt32(65536 >> d) : 0 }
        try assertSwiftMatchesC([
            // Two equal inputs: (65536·256 + 65536) / 131072 = 128.5 → 128, − 128 → 0 each (0.5 at scale 1/256).
            softmax(axis: 2, table: flat, input: [5, 5]),
            // Three equal: (16777216 + 98304) / 196608 = 85.8 → 85 → −43 (1/3 · 256 = 85.3).
            softmax(axis: 3, table: flat, input: [-128, -128, -128]),
            // One element: (16777216 + 32768) / 65536 = 256.5 → 256 → 128, clamped to 127.
            softmax(axis: 1, table: flat, input: [0]),
            // One-hot table: the max gets 127 (clamped from 128), the other (e = 0): (0 + 32768)/65536 = 0 → −128.
            softmax(axis: 2, table: oneHot, input: [3, 2]),
            // Halving table on [2, 1, 0]: e = 65536, 32768, 16384, sum 114688, half 57344:
            // (16777216 + 57344)/114688 = 146.8 → 146 → 18; (8388608 + 57344)/114688 = 73.6 → 73 → −55;
            // (4194304 + 57344)/114688 = 37.07 → 37 → −91.
            softmax(axis: 3, table: halving, input: [2, 1, 0]),
            // Inner 2: columns [1, 1] and [0, 127] along the axis (x[a][i]), halving table: first column
            // equal → 0, 0; second column d = 127, 0 → e = 0, 65536 → −128, 127.
            softmax(axis: 2, inner: 2, table: halving, input: [1, 0, 1, 127]),
            // A rounding tie: table [1, 511, …] on [0, −1] gives e = 1 and 511, sum 512, half 256:
            // (256 + 256)/512 = 1 exactly (0.5 rounds up) → −127; (130816 + 256)/512 = 256 → 128 → 127.
            softmax(axis: 2, table: [1, 511] + [UInt32](repeating: 0, count: 254), input: [0, -1]),
            // The largest axis Mote accepts, all equal: sum = 65535 · 65536 = 4294901760 (fits in 32 bits);
            // (16777216 + 2147450880) / 4294901760 = 0.504 → 0 → −128.
            softmax(axis: 65535, table: flat, input: [Int8](repeating: 9, count: 65535)),
        ], expected: [
            [0, 0], [-43, -43, -43], [127], [127, -128], [18, -55, -91], [0, -128, 0, 127], [-127, 127],
            [Int8](repeating: -128, count: 65535),
        ], "softmax")
    }

    func testConcat() throws {
        // outer 2; part 0 copied (row 2), part 1 requantized (row 1): out = (x − 10)·0.5 − 5.
        // x = 14 → 2 − 5 = −3; x = 11 → 0.5 → 1 (SRDHM half up) → −4. Rows: [a0 a1 | b0], [a2 a3 | b1].
        let op = QConcat(parts: [QConcat.Part(input: 0, rowSize: 2, requant: nil, inputZeroPoint: 0),
                                 QConcat.Part(input: 1, rowSize: 1, requant: half, inputZeroPoint: 10)],
                         output: 2, outer: 2, outputZeroPoint: -5)
        try assertSwiftMatchesC([KernelCase(.concat(op), inputShapes: [[2, 2], [2, 1]], outputShape: [2, 3],
                                            inputs: [[1, 2, 3, 4], [14, 11]])],
                                expected: [[1, 2, -3, 3, 4, -4]], "concat")
    }

    func testPad() throws {
        // [1, 2, 3] padded 1 before, 1 after with 9 → [9, 1, 2, 3, 9]; cropped 1 before to length 2 → [2, 3].
        // 2-D: [[1, 2], [3, 4]] with begin [1, −1], out [3, 2]: row 0 pad; rows 1–2 read [x, 1] → [2, 0] … as
        // out[i][j] = in[i − 1][j + 1] when inside: [[0, 0], [2, 0], [4, 0]].
        func pad(_ inShape: [Int], _ outShape: [Int], _ begin: [Int], _ value: Int8, _ input: [Int8]) -> KernelCase {
            KernelCase(.pad(QPad(input: 0, output: 1, inShape: inShape, outShape: outShape, padsBegin: begin, value: value)),
                       inputShapes: [inShape], outputShape: outShape, inputs: [input])
        }
        try assertSwiftMatchesC([
            pad([3], [5], [1], 9, [1, 2, 3]),
            pad([3], [2], [-1], 9, [1, 2, 3]),
            pad([2, 2], [3, 2], [1, -1], 0, [1, 2, 3, 4]),
        ], expected: [[9, 1, 2, 3, 9], [2, 3], [0, 0, 2, 0, 4, 0]], "pad")
    }

    func testTranspose() throws {
        // [[1, 2, 3], [4, 5, 6]]ᵀ = [[1, 4], [2, 5], [3, 6]]; a [1, 2, 3] → perm [2, 0, 1] gives shape [3, 1, 2]
        // with out[k][0][i] = in[0][i][k] → [1, 4, 2, 5, 3, 6].
        func transpose(_ shape: [Int], _ perm: [Int], _ input: [Int8]) -> KernelCase {
            KernelCase(.transpose(QTranspose(input: 0, output: 1, inShape: shape, perm: perm)),
                       inputShapes: [shape], outputShape: perm.map { shape[$0] }, inputs: [input])
        }
        try assertSwiftMatchesC([
            transpose([2, 3], [1, 0], [1, 2, 3, 4, 5, 6]),
            transpose([1, 2, 3], [2, 0, 1], [1, 2, 3, 4, 5, 6]),
        ], expected: [[1, 4, 2, 5, 3, 6], [1, 4, 2, 5, 3, 6]], "transpose")
    }
}
