import MoteIR

/// Lowering shared by the ops that only change a shape (Reshape, Flatten, Squeeze, Unsqueeze).
enum Reshaping {
    /// Folds constant inputs, aliases no-op reshapes, and emits `.reshape` otherwise.
    static func reshape(_ node: ONNXNode, _ x: ValueID, to shape: [Int], _ ctx: inout ImportContext) throws {
        let xt = ctx.type(x)
        guard Shape.checkedCount(shape) == xt.count else {
            throw node.failure("cannot reshape \(Shape.describe(xt.shape)) (\(xt.count) elements) to \(Shape.describe(shape))")
        }
        if let c = ctx.constant(x) {
            try ctx.defineConstant(node, ConstantFolding.reshaped(c, to: shape))
        } else if shape == xt.shape {
            ctx.alias(node, to: x)
        } else {
            try ctx.emit(node, .reshape(shape: shape), inputs: [x])
        }
    }

    /// Axes (possibly negative) normalised against `rank`, checked for range and duplicates.
    static func axes(_ node: ONNXNode, _ axes: [Int], rank: Int) throws -> [Int] {
        let normalised = try axes.map { a -> Int in
            guard let n = Shape.normalizeAxis(a, rank: rank) else {
                throw node.failure("axis \(a) is out of range for rank \(rank)")
            }
            return n
        }
        guard Set(normalised).count == normalised.count else { throw node.failure("axes \(Shape.describe(axes)) repeat an axis") }
        return normalised
    }
}
