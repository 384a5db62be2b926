import MoteIR

/// Clip: bounds are attributes before opset 11 and optional inputs from opset 11 on. Both forms become
/// scalar inputs; an absent bound is ±infinity.
enum ClipImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.floatInput(node, 0)
        var bounds: [ValueID] = []
        for (i, (key, fallback)) in [("min", -Float.infinity), ("max", Float.infinity)].enumerated() {
            if ctx.opset < 11 {
                let v = try node.float(key) ?? fallback
                bounds.append(ctx.newConstant(TensorData(floats: [v], shape: []), name: "\(node.name).\(key)"))
            } else if ctx.hasInput(node, i + 1) {
                let id = try ctx.floatInput(node, i + 1)
                guard ctx.type(id).count == 1 else {
                    throw node.failure("\(key) must be a scalar, got \(Shape.describe(ctx.type(id).shape))")
                }
                bounds.append(id)
            } else {
                bounds.append(ctx.newConstant(TensorData(floats: [fallback], shape: []), name: "\(node.name).\(key)"))
            }
        }
        try ctx.emit(node, .clip, inputs: [x] + bounds)
    }
}
