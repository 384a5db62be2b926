/// The contents of a constant tensor (an initializer or a folded value).
///
/// Floating-point data is held as `Float`, integer and boolean data as `Int64`: enough for every constant that
/// Mote needs (weights, shapes, axes, pads) without a generic container.
public struct TensorData: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case floats([Float])
        case ints([Int64])
    }

    public var dtype: DType
    public var shape: [Int]
    public var storage: Storage

    public init(dtype: DType, shape: [Int], storage: Storage) {
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    public init(floats: [Float], shape: [Int]) {
        self.init(dtype: .float32, shape: shape, storage: .floats(floats))
    }

    public init(int64s: [Int64], shape: [Int]) {
        self.init(dtype: .int64, shape: shape, storage: .ints(int64s))
    }

    public var type: TensorType { TensorType(dtype, shape) }
    public var count: Int { Shape.count(shape) }

    public var floats: [Float] {
        switch storage {
        case .floats(let v): return v
        case .ints(let v): return v.map { Float($0) }
        }
    }

    public var ints: [Int64] {
        switch storage {
        case .ints(let v): return v
        // Truncation toward zero, as ONNX Cast does; non-finite values become 0 rather than trapping.
        case .floats(let v): return v.map { $0.isFinite && abs($0) < 9.2e18 ? Int64($0) : 0 }
        }
    }

    public var isFloat: Bool {
        if case .floats = storage { return true }
        return false
    }
}
