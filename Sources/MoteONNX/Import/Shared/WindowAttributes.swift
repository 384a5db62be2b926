import MoteIR

/// Kernel/stride/dilation/pad attributes shared by Conv, MaxPool and AveragePool, with `auto_pad` resolved
/// into explicit pads against the static input shape.
struct WindowAttributes {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    var pads: [Int]

    static let autoPadModes = ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"]

    static func checkAutoPad(_ node: ONNXNode) throws {
        if let mode = try node.string("auto_pad"), !autoPadModes.contains(mode) {
            throw node.failure("auto_pad '\(mode)' is not one of \(autoPadModes.joined(separator: ", "))")
        }
    }

    /// `spatial` is the input's spatial shape; `kernel` comes from the attribute or the weight shape.
    static func resolve(_ node: ONNXNode, spatial: [Int], kernel: [Int], ceilMode: Bool = false) throws -> WindowAttributes {
        let s = spatial.count
        guard kernel.count == s else {
            throw node.failure("kernel_shape has \(kernel.count) axes, the input has \(s) spatial axes")
        }
        let strides = try node.ints("strides") ?? [Int](repeating: 1, count: s)
        let dilations = try node.ints("dilations") ?? [Int](repeating: 1, count: s)
        guard strides.count == s, dilations.count == s else {
            throw node.failure("strides \(Shape.describe(strides)) / dilations \(Shape.describe(dilations)) do not have \(s) entries")
        }
        guard strides.allSatisfy({ $0 >= 1 }), dilations.allSatisfy({ $0 >= 1 }), kernel.allSatisfy({ $0 >= 1 }) else {
            throw node.failure("kernel_shape, strides and dilations must be positive")
        }
        var pads = [Int](repeating: 0, count: 2 * s)
        switch try node.string("auto_pad") ?? "NOTSET" {
        case "VALID":
            break
        case let mode where mode.hasPrefix("SAME"):
            for i in 0..<s {
                let out = (spatial[i] + strides[i] - 1) / strides[i]
                let span = (kernel[i] - 1) * dilations[i] + 1
                let total = max(0, (out - 1) * strides[i] + span - spatial[i])
                let small = total / 2, large = total - small
                pads[i] = mode == "SAME_UPPER" ? small : large
                pads[i + s] = mode == "SAME_UPPER" ? large : small
            }
        default:
            if let explicit = try node.ints("pads") {
                guard explicit.count == 2 * s else {
                    throw node.failure("pads has \(explicit.count) entries, expected \(2 * s)")
                }
                guard explicit.allSatisfy({ $0 >= 0 }) else { throw node.failure("negative pads are not supported") }
                pads = explicit
            }
        }
        return WindowAttributes(kernel: kernel, strides: strides, dilations: dilations, pads: pads)
    }
}
