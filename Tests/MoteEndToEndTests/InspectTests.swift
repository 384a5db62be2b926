import Foundation
import XCTest

final class InspectTests: XCTestCase {
    /// Figures from ../shared/benchmarks/mlperf-tiny/README.md (computed there with onnx tools, not by Mote).
    func testInspectMatchesPublishedModelFacts() throws {
        let expected: [(String, Int, Double)] = [  // model, MACs (millions, 2 decimals), parameters
            ("kws01_dscnn", 2_66, 22_610), ("vww01_mobilenet_v1_025", 7_49, 210_852), ("ic01_resnet8", 12_50, 77_708),
            ("ad01_fc_autoencoder", 26, 265_864),
        ]
        for (name, macsHundredths, params) in expected {
            let r = mote(["inspect", TestPaths.mlperf.appendingPathComponent("\(name).onnx").path, "--json"])
            XCTAssertEqual(r.code, .ok, r.err)
            let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
            let totals = json?["totals"] as? [String: Any]
            let macs = totals?["macs"] as? Int ?? -1
            XCTAssertEqual(Int((Double(macs) / 10_000).rounded()), macsHundredths, name)
            // The README counts every initializer element, including the small int64 Reshape shapes that
            // Mote folds away: allow those few elements.
            let p = totals?["parameters"] as? Int ?? -1
            XCTAssertLessThanOrEqual(abs(Double(p) - params), 8, "\(name): \(p) parameters")
        }
    }

    func testTextListsEveryNode() {
        let r = mote(["inspect", TestPaths.mlperf.appendingPathComponent("ic01_resnet8.onnx").path])
        XCTAssertEqual(r.code, .ok, r.err)
        XCTAssertTrue(r.out.contains("input_1"), r.out)
        XCTAssertEqual(r.out.components(separatedBy: "\n").filter { $0.contains("Conv") }.count, 9, r.out)
        XCTAssertTrue(r.out.contains("total:"), r.out)
    }
}
