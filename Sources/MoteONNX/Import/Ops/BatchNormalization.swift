import MoteIR

/// BatchNormalization in inference form. Folded into a preceding Conv/Gemm after import where possible.
enum BatchNormalizationImporter: OpImporter {
    static func check(_ node: ONNXNode, opset: Int) throws {
        if try node.int("spatial", default: 1) != 1 { throw node.failure("spatial = 0 is not supported") }
        if try node.bool("training_mode", default: false) {
            throw node.failure("training_mode = 1 is not supported (export the model in eval mode)")
        }
    }

    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let inputs = try (0..<5).map { try ctx.floatInput(node, $0) }
        try ctx.emit(node, .batchNormalization(epsilon: try node.float("epsilon", default: 1e-5)), inputs: inputs)
    }
}
