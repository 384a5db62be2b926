import MoteIR

/// Lowering shared by the elementwise ops (each op still has its own file under `Ops/`).
enum Elementwise {
    /// Add/Sub/Mul/Div: folded when both operands are constants (shape arithmetic), computed otherwise.
    static func binary(_ op: BinaryOp, _ node: ONNXNode, _ ctx: inout ImportContext) throws {
        if let legacy = try node.int("broadcast"), legacy != 0, node.attribute("axis") != nil {
            throw node.failure("legacy broadcast with an explicit axis is not supported")
        }
        let a = try ctx.input(node, 0), b = try ctx.input(node, 1)
        if let ca = ctx.constant(a), let cb = ctx.constant(b) {
            try ctx.defineConstant(node, ConstantFolding.binary(op, ca, cb, node: node))
            return
        }
        let fa = try ctx.floatInput(node, 0), fb = try ctx.floatInput(node, 1)
        try ctx.emit(node, .binary(op), inputs: [fa, fb])
    }

    static func activation(_ activation: Activation, _ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.floatInput(node, 0)
        try ctx.emit(node, .activation(activation), inputs: [x])
    }
}
