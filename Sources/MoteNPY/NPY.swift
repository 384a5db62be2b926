/// A problem with an `.npy` file (or an array being built), described for a human.
public struct NPYError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// numpy `.npy` decoding and encoding, bytes in and bytes out (file I/O belongs to the caller).
public enum NPY {
    /// Largest element count (and largest single dimension) accepted: the C code Mote emits indexes with
    /// 32-bit ints, and refusing early means a hostile header can never make us allocate gigabytes.
    public static let maxElements = Int(Int32.max)
    /// numpy's own limit on dimensions (NPY_MAXDIMS in numpy 2.x).
    public static let maxRank = 64
    /// Longest header accepted. numpy refuses more than 10 000 by default; real headers are < 200 bytes.
    public static let maxHeaderLength = 65536

    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// numpy aligns the start of the data section to this many bytes.
    private static let alignment = 64
    /// numpy leaves room for the first axis to grow to this many digits (GROWTH_AXIS_MAX_DIGITS).
    private static let growthAxisMaxDigits = 21

    // MARK: - Decoding

    /// Decodes a complete `.npy` file. The result is always in C order: Fortran-ordered files are transposed.
    /// Throws `NPYError` for anything malformed, unsupported, truncated, or with bytes left over.
    public static func decode(_ bytes: [UInt8]) throws -> NPYArray {
        let preamble = 8  // magic + major + minor
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            let prefix = bytes.prefix(magic.count)
            if prefix.count < magic.count && Array(prefix) == Array(magic.prefix(prefix.count)) {
                throw NPYError("truncated .npy file: \(bytes.count) bytes, too short for the magic string")
            }
            let shown = prefix.map { "\\x" + hex2($0) }.joined()
            throw NPYError("not an .npy file: bad magic \"\(shown)\" (expected \"\\x93NUMPY\")")
        }
        guard bytes.count >= preamble else {
            throw NPYError("truncated .npy file: \(bytes.count) bytes, ends inside the format version")
        }
        let major = bytes[6], minor = bytes[7]
        let lengthSize: Int
        switch (major, minor) {
        case (1, 0): lengthSize = 2
        case (2, 0), (3, 0): lengthSize = 4
        default: throw NPYError("unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        let headerStart = preamble + lengthSize
        guard bytes.count >= headerStart else {
            throw NPYError("truncated .npy file: \(bytes.count) bytes, ends inside the header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<lengthSize { headerLength |= UInt64(bytes[preamble + i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(maxHeaderLength) else {
            throw NPYError("refusing .npy header of \(headerLength) bytes (limit \(maxHeaderLength))")
        }
        let (headerEnd, overflow) = headerStart.addingReportingOverflow(Int(headerLength))
        guard !overflow, headerEnd <= bytes.count else {
            throw NPYError("truncated .npy file: header length \(headerLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        let header = try NPYHeader.parse(bytes[headerStart..<headerEnd])
        let count = try elementCount(header.shape)
        let itemSize = header.descr.dtype.itemSize
        let (needed, o2) = count.multipliedReportingOverflow(by: itemSize)
        guard !o2 else { throw NPYError("invalid shape \(shapeText(header.shape)): byte size overflows") }
        let found = bytes.count - headerEnd
        let what = "shape \(shapeText(header.shape)) of \(header.descr.dtype.rawValue), \(itemSize) byte\(itemSize == 1 ? "" : "s") each"
        if found < needed {
            throw NPYError("truncated .npy data: expected \(needed) bytes, found \(found) (\(what))")
        }
        if found > needed {
            throw NPYError("\(found - needed) unexpected trailing bytes after the .npy data: expected \(needed) bytes, found \(found) (\(what)); the header's shape or dtype probably does not match the data")
        }
        var storage = try readStorage(bytes, start: headerEnd, count: count, descr: header.descr)
        if header.fortranOrder && header.shape.count > 1 {
            storage = fortranToC(storage, shape: header.shape)
        }
        return try NPYArray(storage: storage, shape: header.shape)
    }

    /// Product of the dimensions, refusing negative dims, too many dims, and counts above `maxElements`.
    static func elementCount(_ shape: [Int]) throws -> Int {
        guard shape.count <= maxRank else {
            throw NPYError("shape has \(shape.count) dimensions; at most \(maxRank) are supported")
        }
        for d in shape {
            if d < 0 { throw NPYError("invalid shape \(shapeText(shape)): negative dimension \(d)") }
            if d > maxElements { throw NPYError("invalid shape \(shapeText(shape)): dimension \(d) exceeds the limit of \(maxElements)") }
        }
        if shape.contains(0) { return 0 }
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else {
                throw NPYError("invalid shape \(shapeText(shape)): more than \(maxElements) elements")
            }
            n = p
        }
        return n
    }

    /// The shape as Python writes a tuple: `()`, `(5,)`, `(2, 3)`.
    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    private static func readStorage(_ bytes: [UInt8], start: Int, count: Int, descr: NPYDescr) throws -> NPYStorage {
        let be = descr.bigEndian
        switch descr.dtype {
        case .float32: return .float32(readWords(bytes, start, count, be, UInt32.self).map { Float(bitPattern: $0) })
        case .float64: return .float64(readWords(bytes, start, count, be, UInt64.self).map { Double(bitPattern: $0) })
        case .float16: return .float16(readWords(bytes, start, count, be, UInt16.self))
        case .int8: return .int8(readWords(bytes, start, count, be, Int8.self))
        case .uint8: return .uint8(readWords(bytes, start, count, be, UInt8.self))
        case .int16: return .int16(readWords(bytes, start, count, be, Int16.self))
        case .uint16: return .uint16(readWords(bytes, start, count, be, UInt16.self))
        case .int32: return .int32(readWords(bytes, start, count, be, Int32.self))
        case .uint32: return .uint32(readWords(bytes, start, count, be, UInt32.self))
        case .int64: return .int64(readWords(bytes, start, count, be, Int64.self))
        case .uint64: return .uint64(readWords(bytes, start, count, be, UInt64.self))
        case .bool:
            var out: [Bool] = []
            out.reserveCapacity(count)
            for i in 0..<count {
                let b = bytes[start + i]
                // numpy only ever writes 0 or 1; anything else means the file is not what its header claims.
                guard b <= 1 else { throw NPYError("invalid bool data: element \(i) is byte 0x\(hex2(b)) (expected 0x00 or 0x01)") }
                out.append(b == 1)
            }
            return .bool(out)
        }
    }

    /// Reads `count` fixed-width integers starting at `start`; the caller has already checked the bounds.
    private static func readWords<T: FixedWidthInteger>(_ bytes: [UInt8], _ start: Int, _ count: Int, _ bigEndian: Bool, _: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        return bytes.withUnsafeBytes { raw in
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    let v = raw.loadUnaligned(fromByteOffset: start + i * size, as: T.self)
                    buffer[i] = bigEndian ? T(bigEndian: v) : T(littleEndian: v)
                }
                initialized = count
            }
        }
    }

    private static func fortranToC(_ storage: NPYStorage, shape: [Int]) -> NPYStorage {
        switch storage {
        case .float32(let v): return .float32(fortranToC(v, shape))
        case .float64(let v): return .float64(fortranToC(v, shape))
        case .float16(let v): return .float16(fortranToC(v, shape))
        case .int8(let v): return .int8(fortranToC(v, shape))
        case .uint8(let v): return .uint8(fortranToC(v, shape))
        case .int16(let v): return .int16(fortranToC(v, shape))
        case .uint16(let v): return .uint16(fortranToC(v, shape))
        case .int32(let v): return .int32(fortranToC(v, shape))
        case .uint32(let v): return .uint32(fortranToC(v, shape))
        case .int64(let v): return .int64(fortranToC(v, shape))
        case .uint64(let v): return .uint64(fortranToC(v, shape))
        case .bool(let v): return .bool(fortranToC(v, shape))
        }
    }

    /// Reorders column-major elements into row-major: walks the C-order index like an odometer while tracking
    /// the matching column-major offset, so there is no per-element division.
    private static func fortranToC<T>(_ src: [T], _ shape: [Int]) -> [T] {
        let rank = shape.count
        guard rank > 1, !src.isEmpty else { return src }
        var strides = [Int](repeating: 1, count: rank)  // column-major strides
        for k in 1..<rank { strides[k] = strides[k - 1] * shape[k - 1] }
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        var out: [T] = []
        out.reserveCapacity(src.count)
        for _ in 0..<src.count {
            out.append(src[offset])
            var k = rank - 1
            while k >= 0 {
                index[k] += 1
                offset += strides[k]
                if index[k] < shape[k] { break }
                offset -= strides[k] * shape[k]
                index[k] = 0
                k -= 1
            }
        }
        return out
    }

    // MARK: - Encoding

    /// Encodes `array` exactly as `numpy.save` would: format 1.0 (2.0 only if the header is too long for a
    /// 16-bit length), little-endian data, C order, header padded with spaces and '\n' so data starts at a
    /// multiple of 64 bytes. Output is deterministic.
    public static func encode(_ array: NPYArray) -> [UInt8] {
        let dtype = array.dtype
        var header = "{'descr': '\(dtype.descr)', 'fortran_order': False, 'shape': \(shapeText(array.shape)), }"
        if let first = array.shape.first {
            header += String(repeating: " ", count: max(0, growthAxisMaxDigits - String(first).count))
        }
        let headerBytes = Array(header.utf8)
        let withNewline = headerBytes.count + 1
        var lengthSize = 2
        var padding = alignment - ((8 + lengthSize + withNewline) % alignment)
        if withNewline + padding > Int(UInt16.max) {
            lengthSize = 4
            padding = alignment - ((8 + lengthSize + withNewline) % alignment)
        }
        let headerLength = withNewline + padding
        var out: [UInt8] = []
        out.reserveCapacity(8 + lengthSize + headerLength + array.count * dtype.itemSize)
        out += magic
        out += [lengthSize == 2 ? 1 : 2, 0]
        for i in 0..<lengthSize { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
        out += headerBytes
        out += [UInt8](repeating: 0x20, count: padding)
        out.append(0x0A)
        switch array.storage {
        case .float32(let v): appendLittleEndian(v.map(\.bitPattern), to: &out)
        case .float64(let v): appendLittleEndian(v.map(\.bitPattern), to: &out)
        case .float16(let v): appendLittleEndian(v, to: &out)
        case .int8(let v): appendLittleEndian(v, to: &out)
        case .uint8(let v): out += v
        case .int16(let v): appendLittleEndian(v, to: &out)
        case .uint16(let v): appendLittleEndian(v, to: &out)
        case .int32(let v): appendLittleEndian(v, to: &out)
        case .uint32(let v): appendLittleEndian(v, to: &out)
        case .int64(let v): appendLittleEndian(v, to: &out)
        case .uint64(let v): appendLittleEndian(v, to: &out)
        case .bool(let v): out += v.map { $0 ? 1 : 0 }
        }
        return out
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ values: [T], to out: inout [UInt8]) {
        for v in values {
            withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
        }
    }

    // MARK: - float16

    /// Widens an IEEE 754 binary16 bit pattern to Float exactly (every half value is representable as a Float),
    /// including signed zeros, subnormals, infinities and NaN payloads.
    public static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = UInt32((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * Float(bitPattern: 0x3380_0000)  // 2^-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1F {
            // Infinity (mantissa 0) or NaN, keeping the payload bits.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        // Normal: rebias the exponent from 15 to 127.
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}
