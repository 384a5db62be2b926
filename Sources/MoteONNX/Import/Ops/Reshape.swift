import MoteIR

/// Reshape: the target shape must be known at compile time (a constant or folded shape arithmetic).
/// 0 copies the input dimension (unless allowzero = 1), −1 is inferred.
enum ReshapeImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.input(node, 0)
        let requested = try ctx.constantInts(node, 1, "the target shape")
        let allowZero = try node.bool("allowzero", default: false)
        let input = ctx.type(x).shape
        var shape: [Int] = []
        var inferred: Int? = nil
        for (i, d) in requested.enumerated() {
            switch d {
            case -1:
                guard inferred == nil else { throw node.failure("shape \(Shape.describe(requested)) has more than one -1") }
                inferred = i
                shape.append(1)
            case 0 where !allowZero:
                guard i < input.count else { throw node.failure("shape entry 0 at index \(i) has no input dimension to copy") }
                shape.append(input[i])
            case let v where v >= 1:
                shape.append(v)
            default:
                throw node.failure("shape entry \(d) in \(Shape.describe(requested)) is not supported")
            }
        }
        if let i = inferred {
            let known = shape.reduce(1, *)
            guard known > 0, ctx.type(x).count % known == 0 else {
                throw node.failure("cannot infer -1 in \(Shape.describe(requested)) for input \(Shape.describe(input))")
            }
            shape[i] = ctx.type(x).count / known
        }
        try Reshaping.reshape(node, x, to: shape, &ctx)
    }
}
