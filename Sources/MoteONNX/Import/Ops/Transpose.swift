import MoteIR

/// Transpose (default perm reverses the axes).
enum TransposeImporter: OpImporter {
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws {
        let x = try ctx.input(node, 0)
        let rank = ctx.type(x).rank
        let perm = try node.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.sorted() == Array(0..<rank) else {
            throw node.failure("perm \(Shape.describe(perm)) is not a permutation of the \(rank) axes")
        }
        if let c = ctx.constant(x) {
            let shape = ctx.type(x).shape
            let outShape = perm.map { shape[$0] }
            let inStrides = Shape.strides(shape)
            let count = c.count
            var indices = [Int](repeating: 0, count: count)
            var index = [Int](repeating: 0, count: rank)
            for flat in 0..<count {
                var src = 0
                for d in 0..<rank { src += index[d] * inStrides[perm[d]] }
                indices[flat] = src
                var d = rank - 1
                while d >= 0 {
                    index[d] += 1
                    if index[d] < outShape[d] { break }
                    index[d] = 0
                    d -= 1
                }
            }
            try ctx.defineConstant(node, ConstantFolding.gather(c, flat: indices, shape: outShape))
            return
        }
        if perm == Array(0..<rank) {
            ctx.alias(node, to: x)
            return
        }
        try ctx.emit(node, .transpose(perm: perm), inputs: [try ctx.floatInput(node, 0)])
    }
}
