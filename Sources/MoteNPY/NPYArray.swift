/// The elements of an array, kept in their file type so nothing is lost between decode and encode.
/// float16 is kept as raw IEEE 754 binary16 bit patterns (Swift's `Float16` is not available on every host).
public enum NPYStorage: Sendable {
    case float32([Float])
    case float64([Double])
    case float16([UInt16])
    case int8([Int8])
    case uint8([UInt8])
    case int16([Int16])
    case uint16([UInt16])
    case int32([Int32])
    case uint32([UInt32])
    case int64([Int64])
    case uint64([UInt64])
    case bool([Bool])

    public var dtype: NPYDType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .float16: return .float16
        case .int8: return .int8
        case .uint8: return .uint8
        case .int16: return .int16
        case .uint16: return .uint16
        case .int32: return .int32
        case .uint32: return .uint32
        case .int64: return .int64
        case .uint64: return .uint64
        case .bool: return .bool
        }
    }

    public var count: Int {
        switch self {
        case .float32(let v): return v.count
        case .float64(let v): return v.count
        case .float16(let v): return v.count
        case .int8(let v): return v.count
        case .uint8(let v): return v.count
        case .int16(let v): return v.count
        case .uint16(let v): return v.count
        case .int32(let v): return v.count
        case .uint32(let v): return v.count
        case .int64(let v): return v.count
        case .uint64(let v): return v.count
        case .bool(let v): return v.count
        }
    }
}

/// Equality is bitwise for floating-point storage: a NaN equals the same NaN and -0 differs from +0, which is
/// what "the same file contents" means and what round-trip checks need.
extension NPYStorage: Equatable {
    public static func == (lhs: NPYStorage, rhs: NPYStorage) -> Bool {
        switch (lhs, rhs) {
        case (.float32(let a), .float32(let b)): return a.map(\.bitPattern) == b.map(\.bitPattern)
        case (.float64(let a), .float64(let b)): return a.map(\.bitPattern) == b.map(\.bitPattern)
        case (.float16(let a), .float16(let b)): return a == b
        case (.int8(let a), .int8(let b)): return a == b
        case (.uint8(let a), .uint8(let b)): return a == b
        case (.int16(let a), .int16(let b)): return a == b
        case (.uint16(let a), .uint16(let b)): return a == b
        case (.int32(let a), .int32(let b)): return a == b
        case (.uint32(let a), .uint32(let b)): return a == b
        case (.int64(let a), .int64(let b)): return a == b
        case (.uint64(let a), .uint64(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        default: return false
        }
    }
}

/// A dense numeric array in C (row-major) order.
/// Invariant (checked by every initializer and by `NPY.decode`): `shape` has at most `NPY.maxRank` dimensions,
/// each in 0...Int32.max, and their product equals `storage.count` and is at most Int32.max.
public struct NPYArray: Sendable, Equatable {
    public private(set) var shape: [Int]
    public private(set) var storage: NPYStorage

    public var dtype: NPYDType { storage.dtype }
    /// Number of elements (1 for a 0-d scalar, 0 if any dimension is 0).
    public var count: Int { storage.count }

    /// Builds an array, checking that `shape` is valid and matches the element count.
    public init(storage: NPYStorage, shape: [Int]) throws {
        let n = try NPY.elementCount(shape)
        guard n == storage.count else {
            throw NPYError("shape \(NPY.shapeText(shape)) holds \(n) elements but \(storage.count) were given")
        }
        self.shape = shape
        self.storage = storage
    }

    /// A float32 array. A mismatch between `floats.count` and `shape` is a programming error and traps;
    /// use `init(storage:shape:)` when the shape comes from untrusted input.
    public init(floats: [Float], shape: [Int]) {
        self.init(checked: .float32(floats), shape: shape)
    }

    /// An int64 array. Traps on a shape/count mismatch, like `init(floats:shape:)`.
    public init(int64s: [Int64], shape: [Int]) {
        self.init(checked: .int64(int64s), shape: shape)
    }

    private init(checked storage: NPYStorage, shape: [Int]) {
        let n = try? NPY.elementCount(shape)
        precondition(n == storage.count, "NPYArray: shape \(NPY.shapeText(shape)) does not hold \(storage.count) elements")
        self.shape = shape
        self.storage = storage
    }

    /// The same elements under a different shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws -> NPYArray {
        try NPYArray(storage: storage, shape: newShape)
    }

    /// Every element as Float: float64 and large integers round to nearest, float16 widens exactly,
    /// bool becomes 0 or 1.
    public func asFloats() -> [Float] {
        switch storage {
        case .float32(let v): return v
        case .float64(let v): return v.map { Float($0) }
        case .float16(let v): return v.map { NPY.floatFromHalf($0) }
        case .int8(let v): return v.map { Float($0) }
        case .uint8(let v): return v.map { Float($0) }
        case .int16(let v): return v.map { Float($0) }
        case .uint16(let v): return v.map { Float($0) }
        case .int32(let v): return v.map { Float($0) }
        case .uint32(let v): return v.map { Float($0) }
        case .int64(let v): return v.map { Float($0) }
        case .uint64(let v): return v.map { Float($0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        }
    }

    /// Every element as Int64. Integer and bool arrays always convert except uint64 values above Int64.max;
    /// floating-point arrays convert only when every element is integral and in range (no silent truncation).
    public func asInt64s() throws -> [Int64] {
        switch storage {
        case .int8(let v): return v.map { Int64($0) }
        case .uint8(let v): return v.map { Int64($0) }
        case .int16(let v): return v.map { Int64($0) }
        case .uint16(let v): return v.map { Int64($0) }
        case .int32(let v): return v.map { Int64($0) }
        case .uint32(let v): return v.map { Int64($0) }
        case .int64(let v): return v
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        case .uint64(let v):
            return try Self.convert(v, dtype) { Int64(exactly: $0) }
        case .float32(let v):
            return try Self.convert(v, dtype) { Self.exactInt64($0) }
        case .float64(let v):
            return try Self.convert(v, dtype) { Self.exactInt64($0) }
        case .float16(let v):
            return try Self.convert(v, dtype) { Self.exactInt64(NPY.floatFromHalf($0)) }
        }
    }

    /// `x` as Int64 when it is an integer in range, else nil. Written with a truncating conversion and a
    /// round-trip check instead of `Int64(exactly:)`, which needs libm and would make this module's
    /// link depend on whoever else imports Foundation.
    private static func exactInt64<F: BinaryFloatingPoint>(_ x: F) -> Int64? {
        guard x.isFinite, x >= -0x1p63, x < 0x1p63 else { return nil }
        let i = Int64(x)  // truncates toward zero; in range, so it cannot trap
        return F(i) == x ? i : nil
    }

    private static func convert<T>(_ values: [T], _ dtype: NPYDType, _ f: (T) -> Int64?) throws -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(values.count)
        for (i, x) in values.enumerated() {
            guard let y = f(x) else {
                let shown: String
                if let h = x as? UInt16, dtype == .float16 { shown = "\(NPY.floatFromHalf(h))" } else { shown = "\(x)" }
                throw NPYError("element \(i) of the \(dtype.rawValue) array is \(shown), which is not an integer representable as int64")
            }
            out.append(y)
        }
        return out
    }
}
