/// Element types Mote knows about. Only `float32` flows through the float interpreter; integer types appear as
/// constants (shapes, axes, pads) and, later, as quantized tensors.
public enum DType: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    case float32, float64, float16, bfloat16
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64
    case bool, string

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: return true
        default: return false
        }
    }

    /// Size of one element in bytes (strings have no fixed size: 0).
    public var byteSize: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        case .string: return 0
        }
    }
}

/// A static tensor type: element type and fully known shape.
public struct TensorType: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var dtype: DType
    public var shape: [Int]

    public init(_ dtype: DType, _ shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
    }

    public var count: Int { Shape.count(shape) }
    public var rank: Int { shape.count }
    public var description: String { "\(dtype.rawValue)\(Shape.describe(shape))" }
}

/// Helpers on shapes, which are plain `[Int]`.
public enum Shape {
    /// Largest element count Mote accepts for one tensor (2^26, 256 MiB of float32): far beyond any
    /// microcontroller model, and small enough that a hostile file cannot make Mote allocate gigabytes.
    public static let maxElements = 1 << 26

    public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Element count, or nil when a dimension is negative or the product overflows `maxElements`.
    public static func checkedCount(_ shape: [Int]) -> Int? {
        var total = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else { return nil }
            total = p
        }
        return total
    }

    public static func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ",") + "]" }

    /// Row-major strides.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    /// numpy broadcasting of two shapes; nil when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Normalises a possibly negative axis against `rank`; nil when out of range.
    public static func normalizeAxis(_ axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (0..<max(rank, 0)).contains(a) ? a : nil
    }
}
