import MoteIR
import MoteONNX
import XCTest

final class TensorConversionTests: XCTestCase {
    private func diagnostic(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            try body()
            XCTFail("expected a Diagnostic", file: file, line: line)
        } catch let d as Diagnostic {
            return d.message
        } catch {
            XCTFail("expected a Diagnostic, got \(error)", file: file, line: line)
        }
        return ""
    }

    private func tensor(_ type: ONNXDataType, _ dims: [Int64], name: String = "t", _ fill: (inout ONNXTensor) -> Void = { _ in }) -> ONNXTensor {
        var t = ONNXTensor()
        t.name = name
        t.dataType = type.rawValue
        t.dims = dims
        fill(&t)
        return t
    }

    private func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    }

    /// Also checks the conversion survives the wire: encode, decode, convert.
    private func convert(_ t: ONNXTensor) throws -> TensorData {
        let direct = try t.data()
        let viaWire = try ONNXDecoder.decodeTensor(ONNXEncoder().encode(t)).data()
        XCTAssertEqual(direct.dtype, viaWire.dtype)
        XCTAssertEqual(direct.shape, viaWire.shape)
        switch (direct.storage, viaWire.storage) {
        case let (.floats(a), .floats(b)): XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
        case let (.ints(a), .ints(b)): XCTAssertEqual(a, b)
        default: XCTFail("storage kinds differ")
        }
        return direct
    }

    // MARK: Floats

    func testFloatRawAndTypedAgree() throws {
        let values: [Float] = [1, -2.5, 0x1p-149, .greatestFiniteMagnitude, -0.0]
        let raw = try convert(tensor(.float, [5]) { $0.rawData = self.le(values.map(\.bitPattern)) })
        let typed = try convert(tensor(.float, [5]) { $0.floatData = values })
        XCTAssertEqual(raw, typed)
        XCTAssertEqual(raw.dtype, .float32)
        XCTAssertEqual(raw.shape, [5])
        XCTAssertEqual(raw.floats.map(\.bitPattern), values.map(\.bitPattern))
    }

    func testDoubleBecomesFloatStorageKeepingDtype() throws {
        let values: [Double] = [1.5, -1e300, 1e-300, 0.1]
        let expected = values.map { Float($0) }
        for t in [tensor(.double, [2, 2]) { $0.rawData = self.le(values.map(\.bitPattern)) },
                  tensor(.double, [2, 2]) { $0.doubleData = values }] {
            let d = try convert(t)
            XCTAssertEqual(d.dtype, .float64)
            XCTAssertTrue(d.isFloat)
            XCTAssertEqual(d.floats, expected)
            XCTAssertEqual(d.floats[1], -.infinity)
        }
    }

    func testFloat16BitPatterns() {
        let cases: [(UInt16, Float)] = [
            (0x3C00, 1), (0xC000, -2), (0x3555, 0.333251953125), (0x7BFF, 65504), (0x0400, 0x1p-14),
            (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24), (0x8001, -0x1p-24), (0x0000, 0),
            (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        for (bits, value) in cases {
            XCTAssertEqual(HalfPrecision.float(fromFloat16: bits), value, String(bits, radix: 16))
        }
        XCTAssertEqual(HalfPrecision.float(fromFloat16: 0x8000).bitPattern, (-0.0 as Float).bitPattern)
        XCTAssertTrue(HalfPrecision.float(fromFloat16: 0x7E00).isNaN)
        XCTAssertTrue(HalfPrecision.float(fromFloat16: 0x7C01).isNaN)
        XCTAssertTrue(HalfPrecision.float(fromFloat16: 0xFE00).isNaN)
        // Every finite half converts exactly (Float has more of both range and precision): check against Float16
        // arithmetic independent of the bit manipulation, via the value's exact decomposition.
        for bits in UInt16.min...UInt16.max {
            let f = HalfPrecision.float(fromFloat16: bits)
            let exponent = Int((bits >> 10) & 0x1F)
            let mantissa = Float(bits & 0x3FF)
            let sign: Float = bits >> 15 == 1 ? -1 : 1
            if exponent == 0x1F {
                XCTAssertTrue(mantissa == 0 ? f.isInfinite : f.isNaN)
            } else if exponent == 0 {
                XCTAssertEqual(f, sign * mantissa * 0x1p-24)
            } else {
                XCTAssertEqual(f, sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1))
            }
        }
    }

    func testBFloat16BitPatterns() {
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0x3F80), 1)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0xC000), -2)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0x4049), 3.140625)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0x7F80), .infinity)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0xFF80), -.infinity)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0x0001), 0x1p-133)  // subnormal
        XCTAssertTrue(HalfPrecision.float(fromBFloat16: 0x7FC0).isNaN)
    }

    func testFloat16AndBFloat16Tensors() throws {
        let halfBits: [UInt16] = [0x3C00, 0xC000, 0x7C00, 0x0001]
        let halfValues: [Float] = [1, -2, .infinity, 0x1p-24]
        let fromRaw = try convert(tensor(.float16, [4]) { $0.rawData = self.le(halfBits) })
        // int32_data holds the bits; values above 0x7FFF may also arrive sign-extended (only the low 16 bits count).
        let fromTyped = try convert(tensor(.float16, [4]) { $0.int32Data = [0x3C00, Int32(Int16(bitPattern: 0xC000)), 0x7C00, 1] })
        XCTAssertEqual(fromRaw.floats, halfValues)
        XCTAssertEqual(fromTyped.floats, halfValues)
        XCTAssertEqual(fromRaw.dtype, .float16)

        let bf = try convert(tensor(.bfloat16, [2]) { $0.rawData = self.le([UInt16(0x3F80), 0xC000]) })
        XCTAssertEqual(bf.floats, [1, -2])
        XCTAssertEqual(bf.dtype, .bfloat16)
        XCTAssertEqual(try convert(tensor(.bfloat16, [1]) { $0.int32Data = [0x4049] }).floats, [3.140625])
    }

    // MARK: Integers

    func testIntegerTypesFromRawData() throws {
        XCTAssertEqual(try convert(tensor(.int8, [3]) { $0.rawData = [0x80, 0xFF, 0x7F] }).ints, [-128, -1, 127])
        XCTAssertEqual(try convert(tensor(.uint8, [3]) { $0.rawData = [0x80, 0xFF, 0x00] }).ints, [128, 255, 0])
        XCTAssertEqual(try convert(tensor(.int16, [2]) { $0.rawData = self.le([Int16.min, -2]) }).ints, [-32768, -2])
        XCTAssertEqual(try convert(tensor(.uint16, [2]) { $0.rawData = self.le([UInt16.max, 2]) }).ints, [65535, 2])
        XCTAssertEqual(try convert(tensor(.int32, [2]) { $0.rawData = self.le([Int32.min, 7]) }).ints, [Int64(Int32.min), 7])
        XCTAssertEqual(try convert(tensor(.uint32, [1]) { $0.rawData = self.le([UInt32.max]) }).ints, [Int64(UInt32.max)])
        XCTAssertEqual(try convert(tensor(.int64, [2]) { $0.rawData = self.le([Int64.min, Int64.max]) }).ints, [.min, .max])
        XCTAssertEqual(try convert(tensor(.uint64, [1]) { $0.rawData = self.le([UInt64(Int64.max)]) }).ints, [.max])
        XCTAssertEqual(try convert(tensor(.bool, [3]) { $0.rawData = [0, 1, 2] }).ints, [0, 1, 1])
        let d = try convert(tensor(.int16, [1, 1]) { $0.rawData = [1, 0] })
        XCTAssertEqual(d.dtype, .int16)
        XCTAssertFalse(d.isFloat)
    }

    func testIntegerTypesFromTypedFields() throws {
        XCTAssertEqual(try convert(tensor(.int8, [2]) { $0.int32Data = [-128, 127] }).ints, [-128, 127])
        XCTAssertEqual(try convert(tensor(.uint8, [2]) { $0.int32Data = [0, 255] }).ints, [0, 255])
        XCTAssertEqual(try convert(tensor(.int16, [1]) { $0.int32Data = [-300] }).ints, [-300])
        XCTAssertEqual(try convert(tensor(.uint16, [1]) { $0.int32Data = [65535] }).ints, [65535])
        XCTAssertEqual(try convert(tensor(.int32, [2]) { $0.int32Data = [Int32.min, Int32.max] }).ints,
                       [Int64(Int32.min), Int64(Int32.max)])
        XCTAssertEqual(try convert(tensor(.bool, [3]) { $0.int32Data = [0, 1, 5] }).ints, [0, 1, 1])
        XCTAssertEqual(try convert(tensor(.int64, [1]) { $0.int64Data = [-5] }).ints, [-5])
        XCTAssertEqual(try convert(tensor(.uint32, [1]) { $0.uint64Data = [UInt64(UInt32.max)] }).ints, [Int64(UInt32.max)])
        XCTAssertEqual(try convert(tensor(.uint64, [1]) { $0.uint64Data = [42] }).ints, [42])
    }

    func testOutOfRangeIntegers() {
        XCTAssertEqual(diagnostic { _ = try self.tensor(.int8, [1]) { $0.int32Data = [300] }.data() },
                       "tensor 't' value 300 at index 0 is out of range for int8")
        XCTAssertTrue(diagnostic { _ = try self.tensor(.uint8, [2]) { $0.int32Data = [0, -1] }.data() }.contains("index 1"))
        XCTAssertTrue(diagnostic { _ = try self.tensor(.uint32, [1]) { $0.uint64Data = [1 << 32] }.data() }.contains("out of range"))
        XCTAssertTrue(diagnostic { _ = try self.tensor(.uint64, [1]) { $0.uint64Data = [UInt64.max] }.data() }.contains("out of range"))
        XCTAssertTrue(diagnostic { _ = try self.tensor(.uint64, [1]) { $0.rawData = [UInt8](repeating: 0xFF, count: 8) }.data() }
            .contains("out of range"))
    }

    // MARK: Shapes

    func testScalarAndEmptyTensors() throws {
        let scalar = try convert(tensor(.float, []) { $0.floatData = [4] })
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.floats, [4])
        let empty = try convert(tensor(.float, [0, 3]))
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.floats, [])
        // A scalar needs its one value.
        XCTAssertTrue(diagnostic { _ = try self.tensor(.float, []).data() }.contains("has 0 values in float_data"))
    }

    func testHugeTensorIsRefusedBeforeAllocating() {
        // 2^40 elements: must fail on the count alone (allocating it would take terabytes).
        let message = diagnostic { _ = try self.tensor(.float, [1 << 20, 1 << 20], name: "huge") { $0.floatData = [1] }.data() }
        XCTAssertEqual(message, "tensor 'huge' has shape [1048576,1048576], more than Mote's limit of \(Shape.maxElements) elements")
        // Overflowing Int64 products too.
        XCTAssertTrue(diagnostic { _ = try self.tensor(.uint8, [Int64.max, Int64.max, 2]).data() }.contains("more than Mote's limit"))
        // Just above the limit.
        let limit = Int64(Shape.maxElements)
        XCTAssertTrue(diagnostic { _ = try self.tensor(.int8, [limit + 1]) { $0.rawData = [1] }.data() }.contains("more than"))
        // A count at the limit whose payload is missing fails on the payload, not by allocating.
        XCTAssertTrue(diagnostic { _ = try self.tensor(.float, [limit]) { $0.rawData = [0, 0, 0, 0] }.data() }
            .contains("needs \(limit) × 4 = \(limit * 4) bytes"))
        XCTAssertTrue(diagnostic { _ = try self.tensor(.float, [1, limit]) { $0.floatData = [1] }.data() }
            .contains("has 1 values in float_data"))
    }

    func testNegativeDimsAreRefused() {
        XCTAssertEqual(diagnostic { _ = try self.tensor(.float, [2, -1]).data() },
                       "tensor 't' has negative dimension -1 at axis 1")
        XCTAssertTrue(diagnostic { _ = try self.tensor(.float, [Int64.min]).data() }.contains("negative dimension"))
    }

    // MARK: Payload mismatches

    func testRawDataLengthMismatch() {
        let message = diagnostic { _ = try self.tensor(.float, [2, 2]) { $0.rawData = [UInt8](repeating: 0, count: 15) }.data() }
        XCTAssertEqual(message, "tensor 't' has 15 bytes of raw_data, but shape [2,2] of float needs 4 × 4 = 16 bytes")
        XCTAssertTrue(diagnostic { _ = try self.tensor(.int64, [1]) { $0.rawData = [UInt8](repeating: 0, count: 16) }.data() }
            .contains("16 bytes of raw_data"))
    }

    func testTypedFieldCountMismatch() {
        XCTAssertEqual(diagnostic { _ = try self.tensor(.float, [3]) { $0.floatData = [1, 2] }.data() },
                       "tensor 't' has 2 values in float_data, but its shape [3] needs 3")
        XCTAssertTrue(diagnostic { _ = try self.tensor(.int64, [1]) { $0.int64Data = [1, 2] }.data() }.contains("has 2 values"))
    }

    func testValuesInTheWrongFieldAreRefused() {
        XCTAssertEqual(diagnostic { _ = try self.tensor(.float, [1]) { $0.int64Data = [1] }.data() },
                       "tensor 't' is float but has values in int64_data; ONNX stores them in float_data")
        XCTAssertTrue(diagnostic { _ = try self.tensor(.float, [1]) { $0.floatData = [1]; $0.doubleData = [1] }.data() }
            .contains("double_data"))
        XCTAssertEqual(diagnostic { _ = try self.tensor(.float, [1]) { $0.floatData = [1]; $0.rawData = [0, 0, 0, 0] }.data() },
                       "tensor 't' has both raw_data and float_data; exactly one must hold the values")
        XCTAssertTrue(diagnostic { _ = try self.tensor(.float, [1]) { $0.floatData = [1]; $0.stringCount = 1 }.data() }
            .contains("string_data"))
    }

    // MARK: Refused kinds

    func testRefusedKinds() {
        let external = diagnostic { _ = try self.tensor(.float, [1], name: "w0") { $0.hasExternalData = true }.data() }
        XCTAssertTrue(external.hasPrefix("tensor 'w0' keeps its data in an external file"), external)
        XCTAssertTrue(diagnostic { _ = try self.tensor(.float, [1], name: "w1") { $0.hasSegment = true }.data() }
            .hasPrefix("tensor 'w1' is a segment"))
        XCTAssertTrue(diagnostic { _ = try self.tensor(.string, [1], name: "s") { $0.stringCount = 1 }.data() }
            .hasPrefix("tensor 's' is a string tensor"))
        XCTAssertTrue(diagnostic { _ = try self.tensor(.complex64, [1], name: "c") { $0.floatData = [1, 2] }.data() }
            .hasPrefix("tensor 'c' is complex"))
        XCTAssertTrue(diagnostic { _ = try self.tensor(.complex128, [1]).data() }.contains("complex"))
        XCTAssertTrue(diagnostic { _ = try self.tensor(.undefined, [1]).data() }.contains("no data type"))
        var float8 = ONNXTensor()
        float8.name = "f8"
        float8.dataType = 17  // FLOAT8E4M3FN
        XCTAssertEqual(diagnostic { _ = try float8.data() }, "tensor 'f8' has unsupported data type 17")
    }

    func testNamesInMessagesAreSanitised() {
        let message = diagnostic { _ = try self.tensor(.undefined, [1], name: "evil\nline").data() }
        XCTAssertTrue(message.hasPrefix("tensor 'evil?line'"), message)
        XCTAssertTrue(diagnostic { _ = try self.tensor(.undefined, [1], name: "").data() }.hasPrefix("unnamed tensor"))
    }
}
