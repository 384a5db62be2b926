import MoteIR

/// Attribute handling shared by MaxPool and AveragePool.
enum Pooling {
    static func check(_ node: ONNXNode) throws {
        try WindowAttributes.checkAutoPad(node)
        guard try node.ints("kernel_shape") != nil else { throw node.failure("attribute 'kernel_shape' is required") }
        if try node.int("storage_order", default: 0) != 0, node.outputs.count > 1 {
            throw node.failure("column-major indices (storage_order 1) are not supported")
        }
    }

    static func attributes(_ node: ONNXNode, _ x: TensorType, countIncludePad: Bool) throws -> PoolAttributes {
        guard x.rank >= 3 else { throw node.failure("input must be [N, C, spatial…], got \(Shape.describe(x.shape))") }
        guard let kernel = try node.ints("kernel_shape") else { throw node.failure("attribute 'kernel_shape' is required") }
        let ceilMode = try node.bool("ceil_mode", default: false)
        let w = try WindowAttributes.resolve(node, spatial: Array(x.shape[2...]), kernel: kernel, ceilMode: ceilMode)
        return PoolAttributes(kernel: w.kernel, strides: w.strides, dilations: w.dilations, pads: w.pads,
                              ceilMode: ceilMode, countIncludePad: countIncludePad)
    }
}
