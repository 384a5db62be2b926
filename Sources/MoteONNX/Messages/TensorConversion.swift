import MoteIR

extension ONNXTensor {
    /// Validates the tensor and converts it to Mote's `TensorData`.
    ///
    /// Floating-point types become `.floats` storage and integer/bool types `.ints`, with `dtype` kept as the
    /// original element type. The element count is checked (dims ≥ 0, at most `Shape.maxElements`) and the
    /// payload must hold exactly that many elements, both before anything of that size is allocated.
    public func data() throws -> TensorData {
        let label = name.isEmpty ? "unnamed tensor" : "tensor '\(Diagnostic.printable(name))'"

        if hasExternalData {
            throw Diagnostic("\(label) keeps its data in an external file, which Mote does not read; "
                + "save the model with all tensors inside it (onnx.save_model(..., save_as_external_data=False))")
        }
        if hasSegment {
            throw Diagnostic("\(label) is a segment of a larger tensor (TensorProto.segment), which Mote does not support")
        }
        guard let onnxType = ONNXDataType(rawValue: dataType) else {
            throw Diagnostic("\(label) has unsupported data type \(dataType)")
        }
        switch onnxType {
        case .undefined: throw Diagnostic("\(label) has no data type (UNDEFINED)")
        case .string: throw Diagnostic("\(label) is a string tensor; Mote supports only numeric tensors")
        case .complex64, .complex128: throw Diagnostic("\(label) is complex (\(onnxType)); Mote does not support complex tensors")
        default: break
        }
        guard let dtype = onnxType.dtype else { throw Diagnostic("\(label) has unsupported data type \(onnxType)") }

        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for (axis, d) in dims.enumerated() {
            guard d >= 0, let v = Int(exactly: d) else {
                throw Diagnostic("\(label) has negative dimension \(d) at axis \(axis)")
            }
            shape.append(v)
        }
        guard let count = Shape.checkedCount(shape) else {
            throw Diagnostic("\(label) has shape \(Shape.describe(shape)), more than Mote's limit of \(Shape.maxElements) elements")
        }

        let payload = try TensorPayload(self, onnxType: onnxType, shape: shape, count: count, label: label)
        return TensorData(dtype: dtype, shape: shape, storage: try payload.storage())
    }
}

/// Which field holds the values, checked to hold exactly `count` elements.
private struct TensorPayload {
    let tensor: ONNXTensor
    let onnxType: ONNXDataType
    let shape: [Int]
    let count: Int
    let label: String
    let useRaw: Bool

    /// The typed field ONNX uses for each element type.
    enum TypedField: String {
        case floatData = "float_data", int32Data = "int32_data", int64Data = "int64_data"
        case doubleData = "double_data", uint64Data = "uint64_data"
    }

    init(_ tensor: ONNXTensor, onnxType: ONNXDataType, shape: [Int], count: Int, label: String) throws {
        self.tensor = tensor
        self.onnxType = onnxType
        self.shape = shape
        self.count = count
        self.label = label

        let expected = TensorPayload.typedField(for: onnxType)
        let present: [(TypedField, Int)] = [
            (.floatData, tensor.floatData.count), (.int32Data, tensor.int32Data.count),
            (.int64Data, tensor.int64Data.count), (.doubleData, tensor.doubleData.count),
            (.uint64Data, tensor.uint64Data.count),
        ].filter { $0.1 > 0 }
        if tensor.stringCount > 0 {
            throw Diagnostic("\(label) is \(onnxType) but has \(tensor.stringCount) entries in string_data")
        }

        if let raw = tensor.rawData, !raw.isEmpty {
            if let other = present.first {
                throw Diagnostic("\(label) has both raw_data and \(other.0.rawValue); exactly one must hold the values")
            }
            let size = onnxType.dtype?.byteSize ?? 0
            let (expectedBytes, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, raw.count == expectedBytes else {
                throw Diagnostic("\(label) has \(raw.count) bytes of raw_data, but shape \(Shape.describe(shape)) "
                    + "of \(onnxType) needs \(count) × \(size) = \(overflow ? "too many" : String(expectedBytes)) bytes")
            }
            useRaw = true
        } else {
            if let other = present.first(where: { $0.0 != expected }) {
                throw Diagnostic("\(label) is \(onnxType) but has values in \(other.0.rawValue); ONNX stores them in \(expected.rawValue)")
            }
            let have = present.first(where: { $0.0 == expected })?.1 ?? 0
            guard have == count else {
                throw Diagnostic("\(label) has \(have) values in \(expected.rawValue), but its shape "
                    + "\(Shape.describe(shape)) needs \(count)")
            }
            useRaw = false
        }
    }

    static func typedField(for type: ONNXDataType) -> TypedField {
        switch type {
        case .float: return .floatData
        case .double: return .doubleData
        case .int64: return .int64Data
        case .uint32, .uint64: return .uint64Data
        default: return .int32Data  // int32, int16, int8, uint16, uint8, bool, float16, bfloat16
        }
    }

    func storage() throws -> TensorData.Storage {
        useRaw ? try fromRaw(tensor.rawData ?? []) : try fromTyped()
    }

    // MARK: raw_data (little-endian)

    private func fromRaw(_ raw: [UInt8]) throws -> TensorData.Storage {
        let n = count
        return try raw.withUnsafeBytes { (p: UnsafeRawBufferPointer) throws -> TensorData.Storage in
            // Length was checked to be exactly n × element size, so every load below is in bounds.
            func u16(_ i: Int) -> UInt16 { UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)) }
            func u32(_ i: Int) -> UInt32 { UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)) }
            func u64(_ i: Int) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)) }
            switch onnxType {
            case .float: return .floats(floats(n) { Float(bitPattern: u32($0)) })
            case .double: return .floats(floats(n) { Float(Double(bitPattern: u64($0))) })
            case .float16: return .floats(floats(n) { HalfPrecision.float(fromFloat16: u16($0)) })
            case .bfloat16: return .floats(floats(n) { HalfPrecision.float(fromBFloat16: u16($0)) })
            case .int8: return .ints(ints(n) { Int64(Int8(bitPattern: p[$0])) })
            case .uint8: return .ints(ints(n) { Int64(p[$0]) })
            case .bool: return .ints(ints(n) { p[$0] != 0 ? 1 : 0 })
            case .int16: return .ints(ints(n) { Int64(Int16(bitPattern: u16($0))) })
            case .uint16: return .ints(ints(n) { Int64(u16($0)) })
            case .int32: return .ints(ints(n) { Int64(Int32(bitPattern: u32($0))) })
            case .uint32: return .ints(ints(n) { Int64(u32($0)) })
            case .int64: return .ints(ints(n) { Int64(bitPattern: u64($0)) })
            case .uint64:
                var out = [Int64]()
                out.reserveCapacity(n)
                for i in 0..<n {
                    let v = u64(i)
                    guard let x = Int64(exactly: v) else { throw outOfRange(v, index: i) }
                    out.append(x)
                }
                return .ints(out)
            case .undefined, .string, .complex64, .complex128:
                throw Diagnostic("\(label) has unsupported data type \(onnxType)")
            }
        }
    }

    // MARK: typed fields

    private func fromTyped() throws -> TensorData.Storage {
        switch onnxType {
        case .float: return .floats(tensor.floatData)
        case .double: return .floats(tensor.doubleData.map { Float($0) })
        // float16/bfloat16 bit patterns sit in the low 16 bits of int32_data (truncated, as onnx.numpy_helper does).
        case .float16: return .floats(tensor.int32Data.map { HalfPrecision.float(fromFloat16: UInt16(truncatingIfNeeded: $0)) })
        case .bfloat16: return .floats(tensor.int32Data.map { HalfPrecision.float(fromBFloat16: UInt16(truncatingIfNeeded: $0)) })
        case .int32: return .ints(tensor.int32Data.map { Int64($0) })
        case .bool: return .ints(tensor.int32Data.map { $0 != 0 ? 1 : 0 })
        case .int8: return .ints(try ranged(tensor.int32Data, Int64(Int8.min)...Int64(Int8.max)))
        case .uint8: return .ints(try ranged(tensor.int32Data, 0...Int64(UInt8.max)))
        case .int16: return .ints(try ranged(tensor.int32Data, Int64(Int16.min)...Int64(Int16.max)))
        case .uint16: return .ints(try ranged(tensor.int32Data, 0...Int64(UInt16.max)))
        case .int64: return .ints(tensor.int64Data)
        case .uint32, .uint64:
            let maxValue = onnxType == .uint32 ? UInt64(UInt32.max) : UInt64(Int64.max)
            var out = [Int64]()
            out.reserveCapacity(tensor.uint64Data.count)
            for (i, v) in tensor.uint64Data.enumerated() {
                guard v <= maxValue, let x = Int64(exactly: v) else { throw outOfRange(v, index: i) }
                out.append(x)
            }
            return .ints(out)
        case .undefined, .string, .complex64, .complex128:
            throw Diagnostic("\(label) has unsupported data type \(onnxType)")
        }
    }

    /// Narrow integer types stored widened in int32_data: a value outside the type's range is corrupt data.
    private func ranged(_ values: [Int32], _ range: ClosedRange<Int64>) throws -> [Int64] {
        var out = [Int64]()
        out.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            let x = Int64(v)
            guard range.contains(x) else { throw outOfRange(x, index: i) }
            out.append(x)
        }
        return out
    }

    private func outOfRange<V: BinaryInteger>(_ value: V, index: Int) -> Diagnostic {
        Diagnostic("\(label) value \(value) at index \(index) is out of range for \(onnxType)")
    }

    private func floats(_ n: Int, _ element: (Int) -> Float) -> [Float] {
        [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            for i in 0..<n { buffer[i] = element(i) }
            initialized = n
        }
    }

    private func ints(_ n: Int, _ element: (Int) -> Int64) -> [Int64] {
        [Int64](unsafeUninitializedCapacity: n) { buffer, initialized in
            for i in 0..<n { buffer[i] = element(i) }
            initialized = n
        }
    }
}

/// IEEE 754 half precision and bfloat16 bit patterns to `Float` (both widen exactly).
public enum HalfPrecision {
    /// binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. Subnormals, infinities and NaNs are kept.
    public static func float(fromFloat16 bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = UInt32((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0x1F {
            // Inf (mantissa 0) or NaN (payload kept in the top mantissa bits, so quiet stays quiet).
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^−24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        // Normal: rebias the exponent from 15 to 127.
        return Float(bitPattern: sign | ((exponent &+ 112) << 23) | (mantissa << 13))
    }

    /// bfloat16 is the top half of a binary32.
    public static func float(fromBFloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
