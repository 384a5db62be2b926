import MoteIR

/// How one ONNX op becomes IR. Each op lives in its own file under `Ops/`; `OpRegistry` lists them.
protocol OpImporter {
    /// Opset versions of the default domain this importer understands.
    static var opsets: ClosedRange<Int> { get }
    /// Static checks that need no shapes (attribute values Mote does not support, missing required
    /// attributes). Runs over every node before lowering so that all problems are reported together.
    static func check(_ node: ONNXNode, opset: Int) throws
    /// Adds the node's IR (or folds it to constants, or aliases its output) to the context.
    static func lower(_ node: ONNXNode, _ ctx: inout ImportContext) throws
}

extension OpImporter {
    static var opsets: ClosedRange<Int> { ONNXImport.supportedOpsets }
    static func check(_ node: ONNXNode, opset: Int) throws {}
}

/// Every ONNX op the importer accepts, by op type.
enum OpRegistry {
    static let importers: [String: any OpImporter.Type] = [
        "Add": AddImporter.self,
        "AveragePool": AveragePoolImporter.self,
        "BatchNormalization": BatchNormalizationImporter.self,
        "Cast": CastImporter.self,
        "Clip": ClipImporter.self,
        "Concat": ConcatImporter.self,
        "Constant": ConstantImporter.self,
        "ConstantOfShape": ConstantOfShapeImporter.self,
        "Conv": ConvImporter.self,
        "Div": DivImporter.self,
        "Dropout": DropoutImporter.self,
        "Flatten": FlattenImporter.self,
        "Gather": GatherImporter.self,
        "Gemm": GemmImporter.self,
        "GlobalAveragePool": GlobalAveragePoolImporter.self,
        "GlobalMaxPool": GlobalMaxPoolImporter.self,
        "HardSigmoid": HardSigmoidImporter.self,
        "HardSwish": HardSwishImporter.self,
        "Identity": IdentityImporter.self,
        "LeakyRelu": LeakyReluImporter.self,
        "MatMul": MatMulImporter.self,
        "MaxPool": MaxPoolImporter.self,
        "Mul": MulImporter.self,
        "Pad": PadImporter.self,
        "ReduceMean": ReduceMeanImporter.self,
        "Relu": ReluImporter.self,
        "Reshape": ReshapeImporter.self,
        "Shape": ShapeImporter.self,
        "Sigmoid": SigmoidImporter.self,
        "Slice": SliceImporter.self,
        "Softmax": SoftmaxImporter.self,
        "Squeeze": SqueezeImporter.self,
        "Sub": SubImporter.self,
        "Tanh": TanhImporter.self,
        "Transpose": TransposeImporter.self,
        "Unsqueeze": UnsqueezeImporter.self,
    ]
}
