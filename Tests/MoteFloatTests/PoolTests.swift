import MoteFloat
import MoteIR
import XCTest
import MoteTestSupport

final class PoolTests: XCTestCase {
    /// Direct pooling over every tap of every window, in Double.
    func referencePool(_ x: FloatTensor, _ a: PoolAttributes, isMax: Bool, outSpatial: [Int]) -> [Double] {
        let s = a.spatialRank
        let inSpatial = Array(x.shape[2...])
        let taps = allIndices(a.kernel)
        var out: [Double] = []
        for plane in 0..<(x.shape[0] * x.shape[1]) {
            for o in allIndices(outSpatial) {
                var best = -Double(Float.greatestFiniteMagnitude), sum = 0.0, inside = 0, padded = 0
                for t in taps {
                    var pos: [Int] = []
                    var real = true, inPadded = true
                    for d in 0..<s {
                        let p = o[d] * a.strides[d] - a.pads[d] + t[d] * a.dilations[d]
                        if p < 0 || p >= inSpatial[d] { real = false }
                        if p < -a.pads[d] || p >= inSpatial[d] + a.pads[d + s] { inPadded = false }
                        pos.append(p)
                    }
                    if inPadded { padded += 1 }
                    guard real else { continue }
                    let v = Double(x.data[plane * Shape.count(inSpatial) + ravel(pos, inSpatial)])
                    best = max(best, v)
                    sum += v
                    inside += 1
                }
                if isMax {
                    out.append(best)
                } else {
                    let divisor = a.countIncludePad ? padded : inside
                    out.append(divisor > 0 ? sum / Double(divisor) : 0)
                }
            }
        }
        return out
    }

    func check(_ shape: [Int], _ a: PoolAttributes, isMax: Bool, rng: inout SeededGenerator,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let x = rng.tensor(shape)
        let op: Op = isMax ? .maxPool(a) : .averagePool(a)
        let y = try runSingle(op, [Operand(x)])
        let expectedShape = try ShapeInference.outputTypes(of: op, inputs: [TensorType(.float32, shape)])[0].shape
        let ref = referencePool(x, a, isMax: isMax, outSpatial: Array(expectedShape[2...]))
        assertClose(y, expectedShape, ref, "\(isMax ? "max" : "avg") pool \(shape) \(a)", file: file, line: line)
    }

    func testRandomPools() throws {
        var rng = SeededGenerator(seed: 20)
        var tested = 0
        while tested < 120 {
            let s = rng.pick([1, 2, 2, 3])
            let kernel = (0..<s).map { _ in rng.int(1...3) }
            let strides = (0..<s).map { _ in rng.int(1...3) }
            let dilations = (0..<s).map { _ in rng.pick([1, 1, 2]) }
            let pads = (0..<(2 * s)).map { d in rng.int(0...(kernel[d % s] - 1)) }
            let spatial = (0..<s).map { _ in rng.int(1...(s == 3 ? 5 : 9)) }
            let a = PoolAttributes(kernel: kernel, strides: strides, dilations: dilations, pads: pads,
                                   ceilMode: rng.bool(), countIncludePad: rng.bool())
            let shape = [rng.int(1...2), rng.int(1...3)] + spatial
            guard (try? ShapeInference.outputTypes(of: .maxPool(a), inputs: [TensorType(.float32, shape)])) != nil else { continue }
            try check(shape, a, isMax: rng.bool(), rng: &rng)
            tested += 1
        }
    }

    func testCeilModeAndIncludePad() throws {
        var rng = SeededGenerator(seed: 21)
        // Ceil mode adds a last window that hangs past the end pad: its extra taps count for neither divisor.
        for include in [false, true] {
            for isMax in [false, true] {
                let a = PoolAttributes(kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1],
                                       ceilMode: true, countIncludePad: include)
                try check([1, 2, 8, 8], a, isMax: isMax, rng: &rng)
                let b = PoolAttributes(kernel: [3, 2], strides: [2, 3], dilations: [2, 1], pads: [0, 1, 1, 0],
                                       ceilMode: true, countIncludePad: include)
                try check([2, 1, 10, 7], a, isMax: isMax, rng: &rng)
                try check([2, 1, 10, 7], b, isMax: isMax, rng: &rng)
            }
        }
        // ResNet-8 / DS-CNN head: a window covering the whole plane.
        let whole = PoolAttributes(kernel: [25, 5], strides: [25, 5], dilations: [1, 1], pads: [0, 0, 0, 0], ceilMode: false, countIncludePad: false)
        try check([1, 16, 25, 5], whole, isMax: false, rng: &rng)
    }

    func testAveragePoolIncludePadExactValues() throws {
        // 1-D, x = 1…4, kernel 3, stride 2, pads 1/1, ceil: windows [-1,1], [1,3], [3,5]; 4 is end pad, 5 beyond it.
        let x = FloatTensor(shape: [1, 1, 4], data: [1, 2, 3, 4])
        let include = PoolAttributes(kernel: [3], strides: [2], dilations: [1], pads: [1, 1], ceilMode: true, countIncludePad: true)
        let exclude = PoolAttributes(kernel: [3], strides: [2], dilations: [1], pads: [1, 1], ceilMode: true, countIncludePad: false)
        let y1 = try runSingle(.averagePool(include), [Operand(x)])
        XCTAssertEqual(y1.shape, [1, 1, 3])
        XCTAssertEqual(y1.data, [3.0 / 3, 9.0 / 3, 4.0 / 2])
        let y2 = try runSingle(.averagePool(exclude), [Operand(x)])
        XCTAssertEqual(y2.data, [3.0 / 2, 9.0 / 3, 4.0 / 1])
        let wide = PoolAttributes(kernel: [2], strides: [3], dilations: [1], pads: [0, 1], ceilMode: true, countIncludePad: true)
        let y3 = try runSingle(.averagePool(wide), [Operand(FloatTensor(shape: [1, 1, 5], data: [1, 2, 3, 4, 5]))])
        // Windows [0,1] and [3,4]; ceil adds none past the end pad here.
        XCTAssertEqual(y3.data, [1.5, 4.5])
    }

    func testGlobalPools() throws {
        var rng = SeededGenerator(seed: 22)
        for shape in [[1, 3, 5], [2, 4, 6, 7], [1, 2, 3, 4, 5], [1, 64, 8, 8]] {
            let x = rng.tensor(shape)
            let planes = shape[0] * shape[1], size = Shape.count(Array(shape[2...]))
            let outShape = [shape[0], shape[1]] + [Int](repeating: 1, count: shape.count - 2)
            let avg = try runSingle(.globalAveragePool, [Operand(x)])
            let mx = try runSingle(.globalMaxPool, [Operand(x)])
            let refAvg = (0..<planes).map { p in x.data[(p * size)..<((p + 1) * size)].reduce(0.0) { $0 + Double($1) } / Double(size) }
            let refMax = (0..<planes).map { p in Double(x.data[(p * size)..<((p + 1) * size)].max() ?? 0) }
            assertClose(avg, outShape, refAvg)
            assertClose(mx, outShape, refMax, atol: 0, rtol: 0)
        }
    }
}
