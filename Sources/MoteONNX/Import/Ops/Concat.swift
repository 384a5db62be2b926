import MoteIR

/// Concat along `axis`: folded when every input is constant (shape arithmetic), computed otherwise.
enum ConcatImporter: OpImporter {
    static func check(_ node: ONNXNode, opset: Int) throws {
        guard try node.int("axis") != nil else { throw node.failure("attribute 'axis' is required") }
    }

    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let inputs = try node.inputs.indices.filter { ctx.hasInput(node, $0) }.map { try ctx.input(node, $0) }
        guard let first = inputs.first else { throw node.failure("needs at least one input") }
        let rank = ctx.type(first).rank
        let axis = try node.int("axis", default: 0)
        guard let a = Shape.normalizeAxis(axis, rank: rank) else {
            throw node.failure("axis \(axis) is out of range for rank \(rank)")
        }
        let types = inputs.map { ctx.type($0) }
        let outTypes: [TensorType]
        do {
            outTypes = try ShapeInference.outputTypes(of: .concat(axis: a), inputs: types)
        } catch let d as Diagnostic {
            throw node.failure(d.message)
        }
        let constants = inputs.compactMap { ctx.constant($0) }
        if constants.count == inputs.count {
            try ctx.defineConstant(node, ConstantFolding.concat(constants, axis: a, shape: outTypes[0].shape))
            return
        }
        if inputs.count == 1 {
            ctx.alias(node, to: first)
            return
        }
        let floats = try node.inputs.indices.filter { ctx.hasInput(node, $0) }.map { try ctx.floatInput(node, $0) }
        try ctx.emit(node, .concat(axis: a), inputs: floats)
    }
}
