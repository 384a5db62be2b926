import MoteIR

/// Constant: a tensor in one of the `value*` attributes.
enum ConstantImporter: OpImporter {
    static func check(_ node: ONNXNode, opset: Int) throws {
        try node.rejectAttributes(["sparse_value", "value_string", "value_strings"])
    }

    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let data: TensorData
        if let t = try node.tensor("value") {
            do { data = try t.data() } catch let d as Diagnostic { throw node.failure(d.message) }
        } else if let f = try node.float("value_float") {
            data = TensorData(floats: [f], shape: [])
        } else if let i = node.attribute("value_int") {
            data = TensorData(int64s: [i.i], shape: [])
            _ = try node.int("value_int")
        } else if let fs = node.attribute("value_floats") {
            guard fs.type == .floats else { throw node.failure("attribute 'value_floats' has the wrong type") }
            data = TensorData(floats: fs.floats, shape: [fs.floats.count])
        } else if let iv = node.attribute("value_ints") {
            guard iv.type == .ints else { throw node.failure("attribute 'value_ints' has the wrong type") }
            data = TensorData(int64s: iv.ints, shape: [iv.ints.count])
        } else {
            throw node.failure("has no value attribute")
        }
        try ctx.defineConstant(node, data)
    }
}
