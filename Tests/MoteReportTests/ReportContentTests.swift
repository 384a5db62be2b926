import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MoteIR
import MotePlan
import MoteReport
import XCTest

final class ReportContentTests: XCTestCase {
    func make(_ model: QModel = ReportModels.net(hidden: 32), budget: Budget = Budget(flash: 4096, ram: 256)) -> SizeReport {
        SizeReport(model: model, plan: MemoryPlanner.plan(model), measurement: nil, name: "net", budget: budget)
    }

    func testPerLayerFiguresAddUpToTheModel() {
        let model = ReportModels.net(hidden: 48)
        let plan = MemoryPlanner.plan(model)
        let r = SizeReport(model: model, plan: plan, measurement: nil, name: "net")
        var weights = 0, bias = 0, requant = 0, macs = 0
        for layer in model.layers {
            if case .conv(let p) = layer.op {
                weights += p.weights.count; bias += 4 * p.bias.count; requant += 8 * p.requant.count
                macs += p.outChannels * p.outHeight * p.outWidth * p.inChannels * p.kernelHeight * p.kernelWidth
            }
            if case .dense(let p) = layer.op {
                weights += p.weights.count; bias += 4 * p.bias.count; requant += 8 * p.requant.count
                macs += p.rows * p.inFeatures * p.outFeatures
            }
        }
        XCTAssertEqual(r.weightsBytes, weights)
        XCTAssertEqual(r.layers.reduce(0) { $0 + $1.weightsBytes }, weights)
        XCTAssertEqual(r.biasBytes, bias)
        XCTAssertEqual(r.requantBytes, requant)
        // The softmax table round(exp(−0.1·d)·2^16) is non-zero while exp(−0.1·d)·2^16 ≥ 0.5, i.e. up to
        // d = 117 (ln 2^17 / 0.1 = 117.96): the C stores 118 entries of 4 bytes.
        XCTAssertEqual(r.tableBytes, 4 * 118)
        XCTAssertEqual(r.macs, macs)
        XCTAssertEqual(r.layers.count, model.layers.count)
        for (i, l) in r.layers.enumerated() {
            let out = model.layers[i].op.output
            XCTAssertEqual(l.outputShape, model.tensors[out].shape)
            XCTAssertEqual(l.arenaOffset, plan.offsets[out])
            XCTAssertEqual(l.arenaBytes, model.tensors[out].count)
            XCTAssertEqual(l.ramBytes, plan.occupancy[i])
        }
        XCTAssertEqual(r.arenaBytes, plan.arenaBytes)
        XCTAssertEqual(r.ramBytes, plan.arenaBytes)
        XCTAssertEqual(r.lowerBoundBytes, plan.lowerBoundBytes)
        XCTAssertNil(r.measuredOn)
        XCTAssertNil(r.codeBytes)
        XCTAssertNil(r.stackBytes)
        XCTAssertEqual(r.strategies.map(\.name).sorted(), plan.strategies.keys.sorted())
        XCTAssertEqual(r.strategies.map(\.arenaBytes), r.strategies.map(\.arenaBytes).sorted())
    }

    func testJSONFieldsFollowTheDesign() throws {
        let r = make()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try r.json().utf8)) as? [String: Any])
        for key in ["flash_bytes", "ram_bytes", "weights_bytes", "arena_bytes", "macs", "layers", "lower_bound_bytes",
                    "code_bytes", "stack_bytes", "measured_on", "strategies", "verdict", "arena"] {
            XCTAssertNotNil(object[key], key)
        }
        // Not measured: present, and null.
        XCTAssertTrue(object["code_bytes"] is NSNull)
        XCTAssertTrue(object["stack_bytes"] is NSNull)
        XCTAssertTrue(object["measured_on"] is NSNull)
        XCTAssertEqual(object["flash_bytes"] as? Int, r.flashBytes)
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.count, 6)
        for key in ["flash_bytes", "ram_bytes", "weights_bytes", "arena_bytes", "macs", "index", "name", "op", "source_ops",
                    "output_shape", "bias_bytes", "requant_bytes", "table_bytes", "arena_offset", "in_place"] {
            XCTAssertNotNil(layers[3][key], key)
        }
        XCTAssertEqual(layers[3]["weights_bytes"] as? Int, 64 * 32)
        let verdict = try XCTUnwrap(object["verdict"] as? [String: Any])
        XCTAssertEqual(verdict["exceeded"] as? Bool, true)
    }

    func testSameInputSameBytes() throws {
        let a = make(), b = make()
        XCTAssertEqual(try a.json(), try b.json())
        XCTAssertEqual(a.markdown(), b.markdown())
        XCTAssertEqual(a.svg(), b.svg())
        // A saved report renders the same after a round trip (what `mote report DIR` does).
        let decoded = try SizeReport.decode(json: Data(try a.json().utf8))
        XCTAssertEqual(decoded, a)
        XCTAssertEqual(try decoded.json(), try a.json())
        XCTAssertEqual(decoded.markdown(), a.markdown())
        XCTAssertEqual(decoded.svg(), a.svg())
    }

    func testSVGIsWellFormedAndLabelsThePeak() throws {
        let r = make(ReportModels.net(hidden: 512))
        let svg = r.svg()
        let facts = try SVGFacts.parse(svg)
        XCTAssertEqual(facts.root, "svg")
        let label = try XCTUnwrap(facts.texts["peak-label"])
        let peak = try XCTUnwrap(r.arena.peakStep)
        XCTAssertEqual(peak, 3)
        XCTAssertTrue(label.hasPrefix("peak "), label)
        XCTAssertTrue(label.contains("layer 3 fc1"), label)
        XCTAssertTrue(facts.allText.contains("Alive at the peak (layer 3)"), facts.allText)
        // One bar per layer in the flash chart and one per step in the occupancy chart, each with a tooltip.
        XCTAssertEqual(facts.titles.filter { $0.hasPrefix("layer ") && $0.hasSuffix("B flash") }.count, 6)
        XCTAssertEqual(facts.titles.filter { $0.hasSuffix("B in use") }.count, 6)
        XCTAssertTrue(facts.allText.contains("RAM budget exceeded"), facts.allText)
    }

    func testMarkdownHasTheTablesTheVerdictAndThePicture() {
        let r = make(budget: Budget(flash: 1000, ram: 256))
        let md = r.markdown()
        XCTAssertTrue(md.contains("![Flash per layer, arena occupancy and layout](report.svg)"))
        XCTAssertTrue(md.contains("**Exceeded.**"))
        XCTAssertTrue(md.contains("flash: \(grouped(r.flashBytes)) B used of 1,000 B: **over by \(grouped(r.flashBytes - 1000)) B**"), md)
        XCTAssertTrue(md.contains("| 3 | fc1 | dense (Gemm, Relu) | [1, 32] |"), md)
        XCTAssertTrue(md.contains("lower bound"))
        XCTAssertTrue(md.contains("(chosen)"))
        XCTAssertTrue(md.contains("Nothing was measured"))
    }

    func testHostileNamesStayInert() throws {
        let names = ["</text><script>alert(1)</script>", "a|b|c\nd", "\"quoted\" & 'single'", "ünïcödé\u{0}\u{7}",
                     "`code` *bold* [link](http://x)", String(repeating: "x", count: 500)]
        let model = ReportModels.net(hidden: 16, name: "<svg>&", layerNames: names)
        let r = make(model)
        let facts = try SVGFacts.parse(r.svg())
        XCTAssertFalse(facts.elements.contains("script"))
        let md = r.markdown()
        XCTAssertFalse(md.contains("<script>"))
        XCTAssertFalse(md.contains("\u{0}"))
        // Every layer row keeps its 16 cell separators (15 columns; escaped pipes are not separators).
        let rows = md.split(separator: "\n").filter { $0.hasPrefix("| ") && ($0.dropFirst(2).first?.isNumber ?? false) }
        XCTAssertEqual(rows.count, 6)
        for row in rows {
            let separators = row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            XCTAssertEqual(separators, 16, String(row))
        }
        XCTAssertEqual(try SizeReport.decode(json: Data(try r.json().utf8)), r)
    }

    func testAModelWithoutLayersStillRenders() throws {
        let model = QModel(name: "empty", tensors: [QTensor(name: "x", shape: [1, 4], quant: QuantParams(scale: 1, zeroPoint: 0))],
                           layers: [], inputs: [0], outputs: [0])
        let r = SizeReport(model: model, plan: MemoryPlanner.plan(model), measurement: nil, name: "empty", budget: Budget(flash: 1))
        XCTAssertNil(r.arena.peakStep)
        XCTAssertEqual(r.flashBytes, 0)
        XCTAssertEqual(r.verdict?.exceeded, false)
        _ = try SVGFacts.parse(r.svg())
        XCTAssertFalse(r.markdown().isEmpty)
    }
}

/// 1234567 → "1,234,567", written here independently of the report's formatter.
func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

/// What an SVG holds, read with Foundation's XMLParser (which fails on malformed XML).
final class SVGFacts: NSObject, XMLParserDelegate {
    var root = ""
    var elements: [String] = []
    var texts: [String: String] = [:]
    var titles: [String] = []
    var allText = ""
    private var currentID: String?
    private var inTitle = false
    private var buffer = ""

    static func parse(_ svg: String) throws -> SVGFacts {
        let facts = SVGFacts()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = facts
        guard parser.parse() else {
            throw NSError(domain: "svg", code: 1, userInfo: [NSLocalizedDescriptionKey: "malformed SVG: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)"])
        }
        return facts
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root.isEmpty { root = name }
        elements.append(name)
        buffer = ""
        if name == "text" { currentID = attributes["id"] }
        if name == "title" { inTitle = true }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { buffer += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" {
            if let id = currentID { texts[id] = buffer }
            allText += buffer + "\n"
            currentID = nil
        }
        if name == "title" {
            titles.append(buffer)
            inTitle = false
        }
        buffer = ""
    }
}

final class SavedReportTests: XCTestCase {
    func report() -> SizeReport {
        let model = ReportModels.net(hidden: 16)
        return SizeReport(model: model, plan: MemoryPlanner.plan(model), measurement: nil, name: "net")
    }

    /// `mote report` reads report.json from disk: a number no byte count can have is refused with a message.
    func testImplausibleFiguresAreRefused() throws {
        var r = report()
        r.layers[2].flashBytes = Int.max
        XCTAssertThrowsError(try SizeReport.decode(json: Data(try r.json().utf8))) { error in
            XCTAssertTrue("\(error)".contains("layers[2].flash_bytes"), "\(error)")
        }
        XCTAssertThrowsError(try SizeReport.decode(json: Data("{\"name\": 1".utf8)))
        XCTAssertThrowsError(try SizeReport.decode(json: Data("{\"name\": \"x\"}".utf8)))
        XCTAssertThrowsError(try SizeReport.decode(json: Data("[1.5]".utf8)))
    }

    /// Odd but plausible figures (negative, out-of-range indices, the largest allowed sizes) render without trapping.
    func testOddFiguresRender() throws {
        var r = report()
        let big = SizeReport.largestFigure
        r.flashBytes = big
        r.ramBytes = -big
        r.codeBytes = big
        r.stackBytes = -5
        for i in r.layers.indices { r.layers[i].flashBytes = big; r.layers[i].ramBytes = -big; r.layers[i].index = -3 }
        r.arena.occupancy = r.arena.occupancy.map { _ in big }
        r.arena.peakStep = -1
        r.arena.peakTensors = r.arena.peakTensors.map { var t = $0; t.offset = -big; t.bytes = big; t.producer = -7; return t }
        r.arena.tensors = r.arena.tensors.map { var t = $0; t.offset = big; t.bytes = big; t.first = -9; t.last = 99; t.producer = 1000; return t }
        let decoded = try SizeReport.decode(json: Data(try r.json().utf8))
        let judged = decoded.applying(Budget(flash: 1, ram: big))
        XCTAssertEqual(judged.verdict?.flash?.exceeded, true)
        _ = try SVGFacts.parse(judged.svg())
        XCTAssertFalse(judged.markdown().isEmpty)
    }
}
