import MoteIR

/// Shape: always a constant, since every shape is static (start/end from opset 15).
enum ShapeImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let shape = ctx.type(try ctx.input(node, 0)).shape
        let rank = shape.count
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
        let start = clamp(try node.int("start", default: 0))
        let end = clamp(try node.int("end", default: rank))
        let dims = start < end ? Array(shape[start..<end]) : []
        try ctx.defineConstant(node, TensorData(int64s: dims.map { Int64($0) }, shape: [dims.count]))
    }
}
