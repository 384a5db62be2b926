import Foundation
import MoteIR
import MoteONNX
import XCTest
import MoteTestSupport

final class DecodeTests: XCTestCase {
    private func diagnostic(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            try body()
            XCTFail("expected a Diagnostic", file: file, line: line)
        } catch let d as Diagnostic {
            return d.message
        } catch {
            XCTFail("expected a Diagnostic, got \(error)", file: file, line: line)
        }
        return ""
    }

    // MARK: Fixtures

    static func tensor(_ name: String, _ dims: [Int64], floats: [Float]) -> ONNXTensor {
        var t = ONNXTensor()
        t.name = name
        t.dims = dims
        t.dataType = ONNXDataType.float.rawValue
        t.floatData = floats
        return t
    }

    static func attribute(_ name: String, _ type: ONNXAttributeType, _ fill: (inout ONNXAttribute) -> Void) -> ONNXAttribute {
        var a = ONNXAttribute()
        a.name = name
        a.type = type
        a.rawType = type.rawValue
        fill(&a)
        return a
    }

    static func valueInfo(_ name: String, elemType: Int32 = 1, dims: [ONNXValueInfo.Dim]?) -> ONNXValueInfo {
        var v = ONNXValueInfo()
        v.name = name
        v.isTensor = true
        v.elemType = elemType
        v.dims = dims
        return v
    }

    /// A small model touching every decoded field.
    static func richModel() -> ONNXModel {
        var m = ONNXModel()
        m.irVersion = 8
        m.producerName = "mote-tests"
        m.producerVersion = "1.0"
        m.opsetImports = [ONNXOpsetImport(domain: "", version: 13), ONNXOpsetImport(domain: "com.example", version: 2)]
        m.hasGraph = true

        var g = ONNXGraph()
        g.name = "g"

        var conv = ONNXNode()
        conv.name = "conv1"
        conv.opType = "Conv"
        conv.inputs = ["x", "w", ""]
        conv.outputs = ["y"]
        conv.attributes = [
            attribute("pads", .ints) { $0.ints = [0, 0, 1, 1] },
            attribute("group", .int) { $0.i = -3 },
            attribute("alpha", .float) { $0.f = 0.25 },
            attribute("auto_pad", .string) { $0.s = Array("NOTSET".utf8) },
            attribute("scales", .floats) { $0.floats = [1, 2.5, -0] },
            attribute("modes", .strings) { $0.strings = [Array("a".utf8), [], [0xFF]] },
            attribute("value", .tensor) { $0.t = tensor("v", [2], floats: [1, 2]) },
            attribute("tlist", .tensors) { $0.tensors = [tensor("a", [], floats: [3]), tensor("b", [0], floats: [])] },
            attribute("body", .graph) { $0.graphCount = 1 },
            attribute("branches", .graphs) { $0.graphCount = 3 },
            attribute("ref", .float) { $0.refAttrName = "outer_alpha" },
        ]
        var relu = ONNXNode()
        relu.opType = "Relu"
        relu.domain = "ai.onnx"
        relu.inputs = ["y"]
        relu.outputs = ["z"]
        g.nodes = [conv, relu]

        var w = tensor("w", [2, 1, 1, 1], floats: [0.5, -0.5])
        w.rawData = nil
        var raw = ONNXTensor()
        raw.name = "raw"
        raw.dims = [3]
        raw.dataType = ONNXDataType.uint8.rawValue
        raw.rawData = [1, 2, 3]
        var typed = ONNXTensor()
        typed.name = "typed"
        typed.dims = [1, 2]
        typed.dataType = ONNXDataType.int64.rawValue
        typed.int64Data = [-1, Int64.max]
        var misc = ONNXTensor()
        misc.name = "misc"
        misc.dataType = ONNXDataType.uint64.rawValue
        misc.int32Data = [-2, 7]
        misc.doubleData = [1.5]
        misc.uint64Data = [UInt64.max]
        misc.stringCount = 2
        misc.hasExternalData = true
        misc.hasSegment = true
        g.initializers = [w, raw, typed, misc]
        g.sparseInitializerCount = 2

        g.inputs = [valueInfo("x", dims: [.param("N"), .value(1), .value(4), .unknown])]
        g.outputs = [valueInfo("z", dims: nil)]
        var seq = ONNXValueInfo()
        seq.name = "seq"
        g.valueInfo = [valueInfo("y", elemType: 10, dims: []), seq]
        m.graph = g
        return m
    }

    // MARK: Round trips

    func testRichModelRoundTripsPackedAndUnpacked() throws {
        let model = Self.richModel()
        for packed in [true, false] {
            let bytes = ONNXEncoder(packed: packed, unknown: false).encode(model)
            let decoded = try ONNXDecoder.decodeModel(bytes)
            XCTAssertEqual(decoded, model, "packed: \(packed)")
        }
    }

    func testUnknownFieldsAtEveryLevelAreSkipped() throws {
        let model = Self.richModel()
        let plain = try ONNXDecoder.decodeModel(ONNXEncoder(packed: true, unknown: false).encode(model))
        for packed in [true, false] {
            let noisy = ONNXEncoder(packed: packed, unknown: true).encode(model)
            XCTAssertEqual(try ONNXDecoder.decodeModel(noisy), plain)
        }
    }

    func testDecodedFieldsOfRichModel() throws {
        let m = try ONNXDecoder.decodeModel(ONNXEncoder().encode(Self.richModel()))
        XCTAssertEqual(m.irVersion, 8)
        XCTAssertEqual(m.defaultOpset, 13)
        XCTAssertEqual(m.graph.nodes.map(\.opType), ["Conv", "Relu"])
        let conv = m.graph.nodes[0]
        XCTAssertEqual(conv.inputs, ["x", "w", ""])
        XCTAssertEqual(conv.attribute("pads")?.ints, [0, 0, 1, 1])
        XCTAssertEqual(conv.attribute("group")?.i, -3)
        XCTAssertEqual(conv.attribute("auto_pad")?.string, "NOTSET")
        XCTAssertEqual(conv.attribute("value")?.t?.floatData, [1, 2])
        XCTAssertEqual(conv.attribute("branches")?.graphCount, 3)
        XCTAssertEqual(conv.attribute("ref")?.refAttrName, "outer_alpha")
        XCTAssertEqual(m.graph.initializers.map(\.name), ["w", "raw", "typed", "misc"])
        XCTAssertEqual(m.graph.initializers[1].rawData, [1, 2, 3])
        XCTAssertEqual(m.graph.sparseInitializerCount, 2)
        XCTAssertEqual(m.graph.inputs[0].dims, [.param("N"), .value(1), .value(4), .unknown])
        XCTAssertNil(m.graph.outputs[0].dims)
        XCTAssertEqual(m.graph.valueInfo[0].dims, [])
        XCTAssertFalse(m.graph.valueInfo[1].isTensor)
    }

    func testDecodeTensorTopLevel() throws {
        var t = ONNXTensor()
        t.name = "input_0"
        t.dims = [1, 3]
        t.dataType = 1
        t.rawData = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40]
        let decoded = try ONNXDecoder.decodeTensor(ONNXEncoder().encode(t))
        XCTAssertEqual(decoded, t)
        XCTAssertEqual(try decoded.data().floats, [1, 2, 3])
    }

    // MARK: Specific fields, hand-encoded

    func testAttributeWithUnknownTypeKeepsRawType() throws {
        let bytes = ProtoWriter.build { w in
            w.message(7) { g in
                g.message(1) { n in
                    n.string(4, "Custom")
                    n.message(5) { a in
                        a.string(1, "mystery")
                        a.int32(20, 99)
                    }
                    n.message(5) { a in
                        a.string(1, "negative")
                        a.int32(20, -4)
                    }
                }
            }
        }
        let attrs = try ONNXDecoder.decodeModel(bytes).graph.nodes[0].attributes
        XCTAssertEqual(attrs.map(\.type), [.undefined, .undefined])
        XCTAssertEqual(attrs.map(\.rawType), [99, -4])
    }

    func testAttributeSubgraphsAreCountedNotDecoded() throws {
        // The sub-graph payload is garbage as a GraphProto, yet decoding succeeds: it is never parsed.
        let bytes = ProtoWriter.build { w in
            w.message(7) { g in
                g.message(1) { n in
                    n.string(4, "If")
                    n.message(5) { a in
                        a.string(1, "then_branch")
                        a.int32(20, 5)
                        a.bytes(6, [0xFF, 0xFF, 0xFF])
                    }
                    n.message(5) { a in
                        a.string(1, "bodies")
                        a.int32(20, 10)
                        a.bytes(11, [])
                        a.bytes(11, [0x0B])
                    }
                }
            }
        }
        let attrs = try ONNXDecoder.decodeModel(bytes).graph.nodes[0].attributes
        XCTAssertEqual(attrs.map(\.graphCount), [1, 2])
        XCTAssertEqual(attrs.map(\.type), [.graph, .graphs])
    }

    func testExternalDataAndSegmentFlags() throws {
        let external = ProtoWriter.build { w in
            w.string(8, "ext")
            w.message(13) { e in e.string(1, "location"); e.string(2, "weights.bin") }
        }
        XCTAssertTrue(try ONNXDecoder.decodeTensor(external).hasExternalData)
        let location = ProtoWriter.build { w in w.string(8, "loc"); w.int32(14, 1) }
        XCTAssertTrue(try ONNXDecoder.decodeTensor(location).hasExternalData)
        let defaultLocation = ProtoWriter.build { w in w.string(8, "loc"); w.int32(14, 0) }
        XCTAssertFalse(try ONNXDecoder.decodeTensor(defaultLocation).hasExternalData)
        let segment = ProtoWriter.build { w in w.string(8, "seg"); w.message(3) { $0.int64(1, 0); $0.int64(2, 4) } }
        XCTAssertTrue(try ONNXDecoder.decodeTensor(segment).hasSegment)
    }

    func testTypeProtoVariants() throws {
        func decodeInfo(_ type: (inout ProtoWriter) -> Void) throws -> ONNXValueInfo {
            let bytes = ProtoWriter.build { w in
                w.message(7) { g in
                    g.message(11) { v in
                        v.string(1, "v")
                        v.message(2, type)
                    }
                }
            }
            return try ONNXDecoder.decodeModel(bytes).graph.inputs[0]
        }
        // sequence (4), map (5), sparse_tensor (8), optional (9): not tensors.
        for field in [4, 5, 8, 9] {
            let info = try decodeInfo { $0.message(field) { $0.int32(1, 1) } }
            XCTAssertFalse(info.isTensor, "field \(field)")
            XCTAssertNil(info.dims)
        }
        // No type at all: not a tensor either.
        XCTAssertFalse(try decodeInfo { _ in }.isTensor)
        // Tensor without shape: rank unknown. With an empty shape: a scalar.
        let noShape = try decodeInfo { $0.message(1) { $0.int32(1, 7) } }
        XCTAssertTrue(noShape.isTensor)
        XCTAssertEqual(noShape.elemType, 7)
        XCTAssertNil(noShape.dims)
        let scalar = try decodeInfo { $0.message(1) { $0.int32(1, 1); $0.message(2) { _ in } } }
        XCTAssertEqual(scalar.dims, [])
        // Oneof: the last member wins.
        let lastWins = try decodeInfo { t in
            t.message(1) { $0.int32(1, 1); $0.message(2) { $0.message(1) { $0.int64(1, 5) } } }
            t.message(4) { _ in }
        }
        XCTAssertFalse(lastWins.isTensor)
        XCTAssertNil(lastWins.dims)
        // Dimension oneof: the last of dim_value / dim_param wins.
        let dims = try decodeInfo { t in
            t.message(1) { tt in
                tt.int32(1, 1)
                tt.message(2) { s in
                    s.message(1) { $0.int64(1, 3); $0.string(2, "batch") }
                    s.message(1) { $0.string(2, "batch"); $0.int64(1, 3) }
                    s.message(1) { $0.string(3, "denotation only") }
                    s.message(1) { $0.int64(1, -1) }
                }
            }
        }
        XCTAssertEqual(dims.dims, [.param("batch"), .value(3), .unknown, .value(-1)])
    }

    func testSingularScalarsKeepLastValueAndMessagesMerge() throws {
        let bytes = ProtoWriter.build { w in
            w.int64(1, 3)
            w.int64(1, 7)
            w.message(7) { g in g.string(2, "first"); g.message(1) { $0.string(4, "A") } }
            w.message(7) { g in g.message(1) { $0.string(4, "B") } }
        }
        let m = try ONNXDecoder.decodeModel(bytes)
        XCTAssertEqual(m.irVersion, 7)
        XCTAssertEqual(m.graph.name, "first")
        XCTAssertEqual(m.graph.nodes.map(\.opType), ["A", "B"])
        XCTAssertTrue(m.hasGraph)
    }

    func testModelWithoutGraph() throws {
        let m = try ONNXDecoder.decodeModel(ProtoWriter.build { $0.int64(1, 7) })
        XCTAssertFalse(m.hasGraph)
        XCTAssertNil(m.defaultOpset)
    }

    // MARK: Hostile input

    func testEmptyInputIsRefused() {
        XCTAssertTrue(diagnostic { _ = try ONNXDecoder.decodeModel([]) }.contains("empty"))
        XCTAssertTrue(diagnostic { _ = try ONNXDecoder.decodeTensor([]) }.contains("empty"))
    }

    func testErrorsSayWhereInTheMessageTree() {
        // Second node, first attribute: an int attribute whose value is a truncated varint.
        let bytes = ProtoWriter.build { w in
            w.int64(1, 7)
            w.message(7) { g in
                g.message(1) { $0.string(4, "Relu") }
                g.message(1) { n in
                    n.string(4, "Conv")
                    n.message(5) { a in
                        a.string(1, "group")
                        a.key(3, 0)
                        a.bytes.append(0xFF)
                    }
                }
            }
        }
        let message = diagnostic { _ = try ONNXDecoder.decodeModel(bytes) }
        XCTAssertTrue(message.hasPrefix("truncated varint at byte "), message)
        XCTAssertTrue(message.hasSuffix("(in graph.node[1].attribute[0])"), message)
    }

    func testLengthPrefixPastEndInNestedMessage() {
        let bytes = ProtoWriter.build { w in
            w.message(7) { g in
                g.message(5) { t in
                    t.string(8, "w")
                    t.key(9, 2)
                    t.rawVarint(1_000_000)
                    t.bytes += [1, 2, 3]
                }
            }
            w.int64(1, 7)  // so the enclosing messages end before the buffer does
        }
        let message = diagnostic { _ = try ONNXDecoder.decodeModel(bytes) }
        XCTAssertTrue(message.contains("length 1000000 at byte"), message)
        XCTAssertTrue(message.contains("runs past the end of its enclosing message"), message)
        XCTAssertTrue(message.hasSuffix("(in graph.initializer[0])"), message)
    }

    func testGroupWireTypeAndElevenByteVarintInsideModel() {
        let group = ProtoWriter.build { w in
            w.message(7) { g in g.message(1) { n in n.string(4, "Relu"); n.key(50, 3); n.key(50, 4) } }
        }
        XCTAssertTrue(diagnostic { _ = try ONNXDecoder.decodeModel(group) }.contains("deprecated group wire type 3"))

        let longVarint = ProtoWriter.build { w in
            w.message(7) { g in
                g.message(1) { n in
                    n.message(5) { a in
                        a.key(3, 0)
                        a.bytes += [UInt8](repeating: 0x81, count: 10) + [0x00]
                    }
                }
            }
        }
        XCTAssertTrue(diagnostic { _ = try ONNXDecoder.decodeModel(longVarint) }.contains("longer than 10 bytes"))
    }

    func testWrongWireTypeForKnownFieldIsRefused() {
        // op_type (field 4) sent as a varint.
        let bytes = ProtoWriter.build { w in w.message(7) { g in g.message(1) { $0.varint(4, 1) } } }
        let message = diagnostic { _ = try ONNXDecoder.decodeModel(bytes) }
        XCTAssertTrue(message.contains("has wire type varint, expected length-delimited"), message)
    }

    func testDepthLimit() throws {
        let bytes = ONNXEncoder().encode(Self.richModel())
        // The deepest path is graph → input → type → tensor_type → shape → dim: depth 6 (the model is depth 0).
        XCTAssertNoThrow(try ONNXDecoder.decodeModel(bytes, limits: .init(maxDepth: 6)))
        let message = diagnostic { _ = try ONNXDecoder.decodeModel(bytes, limits: .init(maxDepth: 5)) }
        XCTAssertTrue(message.contains("nested deeper than 5 levels"), message)
        XCTAssertTrue(message.hasSuffix("(in graph.input[0].type.tensor_type.shape.dim[0])"), message)
    }

    func testMessageBudget() {
        // 100,000 empty nodes: 2 bytes each on the wire.
        var graph = ProtoWriter()
        for _ in 0..<100_000 { graph.bytes(1, []) }
        let bytes = ProtoWriter.build { $0.bytes(7, graph.bytes) }
        XCTAssertEqual(try ONNXDecoder.decodeModel(bytes).graph.nodes.count, 100_000)
        let message = diagnostic { _ = try ONNXDecoder.decodeModel(bytes, limits: .init(maxMessages: 50_000)) }
        XCTAssertTrue(message.contains("more than 50000 embedded messages"), message)
    }

    /// A small model whose top level holds only the graph: every strict prefix cuts a length-delimited field.
    func testTruncationAtEveryByteThrows() throws {
        var model = Self.richModel()
        model.irVersion = 0
        model.producerName = ""
        model.producerVersion = ""
        model.opsetImports = []
        let full = ProtoWriter.build { $0.bytes(7, ONNXEncoder().encode(model.graph)) }
        XCTAssertNoThrow(try ONNXDecoder.decodeModel(full))
        for length in 0..<full.count {
            XCTAssertThrowsError(try ONNXDecoder.decodeModel(Array(full[0..<length])), "prefix of \(length) bytes") { error in
                XCTAssertTrue(error is Diagnostic)
            }
        }
    }

    /// The same with a full model: a prefix ending between two top-level fields is a valid (graph-less) ModelProto,
    /// since the graph is written last; every other prefix must throw.
    func testTruncationOfFullModel() throws {
        let full = ONNXEncoder(packed: true, unknown: true).encode(Self.richModel())
        var graphless = 0
        for length in 0..<full.count {
            do {
                let m = try ONNXDecoder.decodeModel(Array(full[0..<length]))
                XCTAssertFalse(m.hasGraph, "prefix of \(length) bytes decoded a graph")
                graphless += 1
            } catch {
                XCTAssertTrue(error is Diagnostic)
            }
        }
        // ir_version, 5 unknown fields, producer name/version, doc string, 2 opset imports: 11 field boundaries.
        XCTAssertEqual(graphless, 11)
    }

    /// A tensor truncated anywhere either fails to decode or fails conversion (its payload no longer matches).
    func testTruncatedTensorNeverConverts() throws {
        var t = ONNXTensor()
        t.name = "t"
        t.dims = [2, 2]
        t.dataType = ONNXDataType.float.rawValue
        t.rawData = (0..<16).map { UInt8($0) }
        let full = ONNXEncoder().encode(t)
        XCTAssertNoThrow(try ONNXDecoder.decodeTensor(full).data())
        for length in 0..<full.count {
            XCTAssertThrowsError(try ONNXDecoder.decodeTensor(Array(full[0..<length])).data(), "prefix of \(length) bytes")
        }
    }

    func testRandomBytesNeverCrash() {
        var rng = SeededGenerator(seed: 0x5EED_0001)
        var decoded = 0
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...300, using: &rng)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if let m = try? ONNXDecoder.decodeModel(bytes) {
                decoded += 1
                for t in m.graph.initializers { _ = try? t.data() }
            }
            if let t = try? ONNXDecoder.decodeTensor(bytes) { _ = try? t.data() }
        }
        // Random bytes almost never form a valid message; the point is that none of them crashed.
        XCTAssertLessThan(decoded, 2_000)
    }

    func testMutatedModelsNeverCrash() {
        let base = ONNXEncoder(packed: true, unknown: true).encode(Self.richModel())
        var rng = SeededGenerator(seed: 0x5EED_0002)
        for _ in 0..<2_000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                default: bytes.remove(at: at)
                }
            }
            if let m = try? ONNXDecoder.decodeModel(bytes) {
                for t in m.graph.initializers { _ = try? t.data() }
                for n in m.graph.nodes { for a in n.attributes { _ = try? a.t?.data() } }
            }
        }
    }

    // MARK: Real models

    /// The MLPerf Tiny models in shared/benchmarks: node counts and op histograms as their README states.
    func testMLPerfTinyModels() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = root.deletingLastPathComponent().appendingPathComponent("shared/benchmarks/mlperf-tiny")
        guard FileManager.default.fileExists(atPath: folder.path) else {
            return XCTFail("benchmark models not found at \(folder.path) (shared/ must sit beside the repository)")
        }
        struct Expected {
            var file: String
            var nodes: Int
            var ops: [String: Int]
            var params: Int
            var input: (String, [Int64])
            var output: (String, [Int64])
        }
        let resnet = ["Conv": 9, "Relu": 7, "Add": 4, "Transpose": 1, "AveragePool": 1, "Reshape": 1, "MatMul": 1, "Softmax": 1]
        let expected = [
            Expected(file: "kws01_dscnn.onnx", nodes: 24,
                     ops: ["Conv": 9, "Relu": 9, "Reshape": 2, "AveragePool": 1, "MatMul": 1, "Add": 1, "Softmax": 1],
                     params: 22_610, input: ("input_1", [1, 49, 10, 1]), output: ("dense", [1, 12])),
            Expected(file: "vww01_mobilenet_v1_025.onnx", nodes: 60,
                     ops: ["Conv": 27, "Relu": 27, "Transpose": 1, "AveragePool": 1, "Reshape": 1, "MatMul": 1, "Add": 1,
                           "Softmax": 1],
                     params: 210_852, input: ("input_1", [1, 96, 96, 3]), output: ("Identity", [1, 2])),
            Expected(file: "ic01_resnet8.onnx", nodes: 25, ops: resnet, params: 77_708,
                     input: ("input_1", [1, 32, 32, 3]), output: ("Identity", [1, 10])),
            Expected(file: "ic_resnet_large.onnx", nodes: 25, ops: resnet, params: 480_332,
                     input: ("serving_default_input_5:0", [1, 32, 32, 3]), output: ("StatefulPartitionedCall:0", [1, 10])),
            Expected(file: "ad01_fc_autoencoder.onnx", nodes: 29, ops: ["MatMul": 10, "Add": 10, "Relu": 9],
                     params: 265_864, input: ("input_1", [1, 640]), output: ("Identity", [1, 640])),
        ]
        for e in expected {
            let data = try Data(contentsOf: folder.appendingPathComponent(e.file))
            let model = try ONNXDecoder.decodeModel([UInt8](data))
            XCTAssertEqual(model.irVersion, 7, e.file)
            XCTAssertEqual(model.opsetImports, [ONNXOpsetImport(domain: "", version: 13)], e.file)
            XCTAssertEqual(model.defaultOpset, 13, e.file)
            XCTAssertEqual(model.graph.nodes.count, e.nodes, e.file)
            XCTAssertEqual(Dictionary(model.graph.nodes.map { ($0.opType, 1) }, uniquingKeysWith: +), e.ops, e.file)
            XCTAssertTrue(model.graph.nodes.allSatisfy { $0.domain.isEmpty }, e.file)

            // Every initializer converts; their element counts add up to the README's parameter count.
            var params = 0
            for t in model.graph.initializers {
                let d = try t.data()
                XCTAssertTrue(d.dtype == .float32 || d.dtype == .int64, "\(e.file): \(t.name) is \(d.dtype)")
                params += d.count
            }
            XCTAssertEqual(params, e.params, e.file)

            XCTAssertEqual(model.graph.inputs.count, 1, e.file)
            XCTAssertEqual(model.graph.inputs.first?.name, e.input.0, e.file)
            XCTAssertEqual(model.graph.inputs.first?.elemType, ONNXDataType.float.rawValue, e.file)
            XCTAssertEqual(model.graph.inputs.first?.dims, e.input.1.map { .value($0) }, e.file)
            XCTAssertEqual(model.graph.outputs.first?.name, e.output.0, e.file)
            XCTAssertEqual(model.graph.outputs.first?.dims, e.output.1.map { .value($0) }, e.file)
            // Shapes of all intermediates are stored (README): one value_info per node output, minus the graph output.
            XCTAssertEqual(model.graph.valueInfo.count, model.graph.nodes.reduce(0) { $0 + $1.outputs.count } - 1, e.file)
        }
    }
}
