import MoteFloat
import MoteIR
import XCTest
import MoteTestSupport

/// Direct nested-loop convolution in Double (ONNX semantics, any spatial rank): every output position, input
/// channel of its group and kernel tap, with the bounds test on every tap.
func referenceConv(x: FloatTensor, w: FloatTensor, bias: [Float]?, _ a: ConvAttributes) -> (shape: [Int], data: [Double]) {
    let s = a.spatialRank
    let n = x.shape[0], c = x.shape[1], m = w.shape[0]
    let cg = c / a.group, mg = m / a.group
    let inSpatial = Array(x.shape[2...])
    var outSpatial: [Int] = []
    for d in 0..<s {
        outSpatial.append((inSpatial[d] + a.pads[d] + a.pads[d + s] - a.dilations[d] * (a.kernel[d] - 1) - 1) / a.strides[d] + 1)
    }
    let outPositions = allIndices(outSpatial), taps = allIndices(a.kernel)
    let inPlane = Shape.count(inSpatial), taps1 = taps.count
    let xs = x.data.map(Double.init), ws = w.data.map(Double.init)
    var out: [Double] = []
    for b in 0..<n {
        for oc in 0..<m {
            let g = oc / mg
            for o in outPositions {
                var sum = Double(bias?[oc] ?? 0)
                for ic in 0..<cg {
                    let xBase = (b * c + g * cg + ic) * inPlane, wBase = (oc * cg + ic) * taps1
                    for (ti, t) in taps.enumerated() {
                        var flat = 0
                        var inside = true
                        for d in 0..<s {
                            let p = o[d] * a.strides[d] - a.pads[d] + t[d] * a.dilations[d]
                            if p < 0 || p >= inSpatial[d] { inside = false; break }
                            flat = flat * inSpatial[d] + p
                        }
                        if inside { sum += xs[xBase + flat] * ws[wBase + ti] }
                    }
                }
                out.append(sum)
            }
        }
    }
    return ([n, m] + outSpatial, out)
}

final class ConvTests: XCTestCase {
    /// Runs one convolution through the interpreter (weights/bias constant or graph inputs) and the reference.
    func check(n: Int = 1, c: Int, m: Int, spatial: [Int], _ a: ConvAttributes, bias: Bool, constantWeights: Bool,
               rng: inout SeededGenerator, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = rng.tensor([n, c] + spatial)
        let w = rng.tensor([m, c / a.group] + a.kernel)
        let b = bias ? rng.tensor([m]) : nil
        var operands = [Operand(x), Operand(w, constant: constantWeights)]
        if let b { operands.append(Operand(b, constant: constantWeights)) }
        let y = try runSingle(.conv(a), operands)
        let ref = referenceConv(x: x, w: w, bias: b?.data, a)
        assertClose(y, ref.shape, ref.data, "conv x\(x.shape) w\(w.shape) \(a)", file: file, line: line)
    }

    func conv2D(_ k: [Int], strides: [Int] = [1, 1], dilations: [Int] = [1, 1], pads: [Int] = [0, 0, 0, 0], group: Int = 1) -> ConvAttributes {
        ConvAttributes(kernel: k, strides: strides, dilations: dilations, pads: pads, group: group)
    }

    func testRandomConfigurations() throws {
        var rng = SeededGenerator(seed: 1)
        var tested = 0
        while tested < 60 {
            let s = rng.pick([1, 2, 2, 3])
            let kind = rng.pick(["plain", "plain", "group", "depthwise"])
            let group = kind == "plain" ? 1 : (kind == "group" ? rng.pick([2, 3]) : rng.int(1...6))
            let c = kind == "depthwise" ? group : group * rng.int(1...3)
            let m = kind == "depthwise" ? group : group * rng.int(1...3)
            let kernel = (0..<s).map { _ in rng.int(1...3) }
            let strides = (0..<s).map { _ in rng.int(1...3) }
            let dilations = (0..<s).map { _ in rng.int(1...2) }
            let pads = (0..<(2 * s)).map { _ in rng.int(0...2) }
            let spatial = (0..<s).map { _ in rng.int(1...(s == 3 ? 5 : 9)) }
            let a = ConvAttributes(kernel: kernel, strides: strides, dilations: dilations, pads: pads, group: group)
            let fits = (0..<s).allSatisfy { d in
                (try? ShapeInference.windowOutput(spatial[d], kernel[d], strides[d], dilations[d], pads[d], pads[d + s], ceil: false)) != nil
            }
            if !fits { continue }
            try check(n: rng.int(1...2), c: c, m: m, spatial: spatial, a, bias: rng.bool(), constantWeights: rng.bool(), rng: &rng)
            tested += 1
        }
    }

    func testResNetLikeAndBlockedGEMM() throws {
        var rng = SeededGenerator(seed: 2)
        // 3×3 pad 1 with edge tiles in both GEMM dimensions.
        try check(c: 16, m: 13, spatial: [12, 11], conv2D([3, 3], pads: [1, 1, 1, 1]), bias: true, constantWeights: true, rng: &rng)
        // K = 288 > 256 (k blocks) and N = 300 > one packed-B column block.
        try check(c: 32, m: 14, spatial: [15, 20], conv2D([3, 3], pads: [1, 1, 1, 1]), bias: true, constantWeights: true, rng: &rng)
        // Same with weights fed as graph inputs.
        try check(c: 32, m: 7, spatial: [15, 20], conv2D([3, 3], pads: [1, 1, 1, 1]), bias: true, constantWeights: false, rng: &rng)
        // ResNet-8 downsampling: stride 2, asymmetric pads.
        try check(c: 8, m: 12, spatial: [10, 10], conv2D([3, 3], strides: [2, 2], pads: [0, 0, 1, 1]), bias: true, constantWeights: true, rng: &rng)
        // 1×1 stride 2 shortcut.
        try check(c: 8, m: 12, spatial: [10, 10], conv2D([1, 1], strides: [2, 2]), bias: false, constantWeights: true, rng: &rng)
        // KWS first layer: 10×4 kernel, stride 2, pads [4,1,5,1].
        try check(c: 1, m: 20, spatial: [49, 10], conv2D([10, 4], strides: [2, 2], pads: [4, 1, 5, 1]), bias: true, constantWeights: true, rng: &rng)
    }

    func testPointwise() throws {
        var rng = SeededGenerator(seed: 3)
        try check(c: 40, m: 20, spatial: [7, 9], conv2D([1, 1]), bias: true, constantWeights: true, rng: &rng)
        try check(n: 2, c: 12, m: 6, spatial: [25, 5], conv2D([1, 1]), bias: false, constantWeights: false, rng: &rng)
        try check(c: 6, m: 8, spatial: [5], ConvAttributes(kernel: [1], strides: [1], dilations: [1], pads: [0, 0], group: 1),
                  bias: true, constantWeights: true, rng: &rng)
        try check(c: 6, m: 4, spatial: [3, 2, 4], ConvAttributes(kernel: [1, 1, 1], strides: [1, 1, 1], dilations: [2, 1, 1],
                                                                  pads: [0, 0, 0, 0, 0, 0], group: 2),
                  bias: true, constantWeights: true, rng: &rng)
    }

    func testDepthwise() throws {
        var rng = SeededGenerator(seed: 4)
        try check(c: 8, m: 8, spatial: [25, 5], conv2D([3, 3], pads: [1, 1, 1, 1], group: 8), bias: true, constantWeights: true, rng: &rng)
        try check(n: 2, c: 5, m: 5, spatial: [9, 11], conv2D([3, 3], dilations: [2, 2], pads: [2, 2, 2, 2], group: 5),
                  bias: false, constantWeights: false, rng: &rng)
        try check(c: 4, m: 4, spatial: [9, 11], conv2D([3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 4), bias: true, constantWeights: true, rng: &rng)
        try check(c: 4, m: 4, spatial: [9, 11], conv2D([3, 2], strides: [1, 3], pads: [0, 1, 2, 0], group: 4), bias: true, constantWeights: true, rng: &rng)
        try check(c: 3, m: 3, spatial: [8, 9], conv2D([5, 3], dilations: [1, 3], pads: [0, 2, 3, 1], group: 3), bias: true, constantWeights: true, rng: &rng)
        // Strided rows with unit column stride, unit rows with stride-2 columns, and MobileNet's stride-2 3×3.
        try check(c: 3, m: 3, spatial: [10, 21], conv2D([3, 3], strides: [2, 1], pads: [1, 1, 1, 1], group: 3), bias: true, constantWeights: true, rng: &rng)
        try check(c: 3, m: 3, spatial: [7, 37], conv2D([2, 3], strides: [1, 2], dilations: [2, 1], pads: [0, 1, 1, 0], group: 3), bias: false, constantWeights: true, rng: &rng)
        try check(c: 4, m: 4, spatial: [24, 24], conv2D([3, 3], strides: [2, 2], pads: [0, 0, 1, 1], group: 4), bias: true, constantWeights: true, rng: &rng)
        try check(c: 6, m: 6, spatial: [17], ConvAttributes(kernel: [3], strides: [1], dilations: [1], pads: [1, 2], group: 6),
                  bias: true, constantWeights: true, rng: &rng)
        try check(c: 6, m: 6, spatial: [17], ConvAttributes(kernel: [4], strides: [2], dilations: [2], pads: [0, 3], group: 6),
                  bias: false, constantWeights: true, rng: &rng)
        // Depthwise with a channel multiplier goes through the grouped GEMM.
        try check(c: 4, m: 8, spatial: [6, 6], conv2D([3, 3], pads: [1, 1, 1, 1], group: 4), bias: true, constantWeights: true, rng: &rng)
    }

    /// Depthwise "same" convolutions read neighbouring planes through masks: an infinity just outside a window
    /// must not turn that output into NaN (0 · inf), and must reach the outputs whose windows do contain it.
    func testDepthwiseIgnoresNonFiniteValuesOutsideWindows() throws {
        var rng = SeededGenerator(seed: 6)
        for (pads, dil) in [([1, 1, 1, 1], 1), ([2, 0, 0, 2], 1), ([2, 2, 2, 2], 2)] {
            var x = rng.tensor([2, 3, 4, 5])
            for plane in 0..<6 {
                x.data[plane * 20] = .infinity            // first element of every plane
                x.data[plane * 20 + 19] = -.infinity      // last element
            }
            let w = FloatTensor(shape: [3, 1, 3, 3], data: rng.floats(27, 0.5...1))
            let a = conv2D([3, 3], dilations: [dil, dil], pads: pads, group: 3)
            let y = try runSingle(.conv(a), [Operand(x), Operand(w, constant: true)])
            let ref = referenceConv(x: x, w: w, bias: nil, a)
            assertClose(y, ref.shape, ref.data, "pads \(pads) dilation \(dil)")
            XCTAssertTrue(y.data.contains { $0.isFinite } && y.data.contains { $0.isInfinite })
        }
    }

    func testConv3D() throws {
        var rng = SeededGenerator(seed: 5)
        try check(c: 3, m: 5, spatial: [5, 6, 4], ConvAttributes(kernel: [3, 3, 2], strides: [1, 2, 1], dilations: [1, 1, 2],
                                                                 pads: [1, 0, 1, 1, 1, 0], group: 1),
                  bias: true, constantWeights: true, rng: &rng)
        try check(c: 4, m: 4, spatial: [4, 4, 4], ConvAttributes(kernel: [2, 2, 2], strides: [1, 1, 1], dilations: [1, 1, 1],
                                                                 pads: [0, 0, 0, 1, 1, 1], group: 4),
                  bias: false, constantWeights: false, rng: &rng)
    }
}
