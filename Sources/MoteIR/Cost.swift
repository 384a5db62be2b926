/// Static cost of a node: parameters (elements of its constant inputs) and multiply-accumulates.
public struct NodeCost: Sendable, Equatable {
    public var parameters: Int
    public var macs: Int

    public init(parameters: Int, macs: Int) {
        self.parameters = parameters
        self.macs = macs
    }
}

extension Graph {
    public func cost(of node: Node) -> NodeCost {
        var params = 0
        if node.op != .clip {
            for id in node.inputs where values[id.index].isConstant { params += values[id.index].type.count }
        }
        let out = node.outputs.first.map { values[$0.index].type } ?? TensorType(.float32, [])
        var macs = 0
        switch node.op {
        case .conv(let a):
            let w = values[node.inputs[1].index].type.shape
            macs = out.count * w[1] * Shape.count(a.kernel)
        case .gemm(let a):
            let x = values[node.inputs[0].index].type.shape
            macs = out.count * (a.transA ? x[0] : x[1])
        case .matMul:
            let x = values[node.inputs[0].index].type.shape
            macs = out.count * (x.last ?? 1)
        default:
            macs = 0
        }
        return NodeCost(parameters: params, macs: macs)
    }

    public var totalCost: NodeCost {
        nodes.reduce(NodeCost(parameters: 0, macs: 0)) { acc, node in
            let c = cost(of: node)
            return NodeCost(parameters: acc.parameters + c.parameters, macs: acc.macs + c.macs)
        }
    }
}
