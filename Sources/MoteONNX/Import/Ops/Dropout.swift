import MoteIR

/// Dropout in inference: the identity. Training mode (opset 12+ input) and a consumed mask are refused.
enum DropoutImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        if ctx.hasInput(node, 2) {
            let training = try ctx.constantInput(node, 2, "training_mode")
            if training.ints.contains(where: { $0 != 0 }) {
                throw node.failure("training_mode = true is not supported (export the model in eval mode)")
            }
        }
        ctx.alias(node, to: try ctx.input(node, 0))
    }
}
