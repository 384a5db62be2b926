import MoteIR

/// HardSigmoid: max(0, min(1, alpha·x + beta)), defaults alpha 0.2, beta 0.5.
enum HardSigmoidImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let activation = Activation.hardSigmoid(alpha: try node.float("alpha", default: 0.2),
                                                beta: try node.float("beta", default: 0.5))
        try Elementwise.activation(activation, node, &ctx)
    }
}
