import MoteIR
import MotePlan
import MoteReport
import XCTest

final class BudgetParsingTests: XCTestCase {
    func testAcceptedSizes() throws {
        let cases: [(String, Int)] = [
            ("262144", 262_144), ("256KiB", 262_144), ("256 KiB", 262_144), (" 256kib ", 262_144), ("256KIB", 262_144),
            ("1.5MiB", 1_572_864), ("1.5 MiB", 1_572_864), ("512B", 512), ("512 b", 512), ("1GiB", 1 << 30),
            ("0.5KiB", 512), ("2.25KiB", 2304), ("64KiB", 65_536), ("1", 1), ("007", 7), ("0.125MiB", 131_072),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try Budget.parseBytes(text), expected, text)
        }
    }

    func testRefusedSizesSayWhy() {
        let cases: [(String, String)] = [
            ("", "empty"), ("   ", "empty"), ("KiB", "not a size"), ("-5", "not a size"), ("+5", "not a size"),
            (".5MiB", "not a size"), ("5.MiB", "not a size"), ("1..5MiB", "not a size"), ("1,024", "unknown unit"),
            ("256KB", "ambiguous"), ("64kB", "ambiguous"), ("64k", "ambiguous"), ("1M", "ambiguous"), ("1MB", "ambiguous"),
            ("2GB", "ambiguous"), ("0.1KiB", "whole number"), ("1.5", "whole number"), ("0", "at least 1 byte"),
            ("0KiB", "at least 1 byte"), ("99999999999999999999", "too large"), ("9000000000GiB", "too large"),
            ("1e3", "unknown unit"), ("12 34", "unknown unit"), ("256 KiB extra", "unknown unit"), ("\u{0663}", "not a size"),
            ("256 KiBi", "unknown unit"), ("1 TiB", "unknown unit"),
        ]
        for (text, reason) in cases {
            do {
                let v = try Budget.parseBytes(text)
                XCTFail("'\(text)' was accepted as \(v)")
            } catch {
                XCTAssertTrue(error.message.contains(reason), "'\(text)': \(error.message)")
            }
        }
        // The ambiguous-unit message tells the user what to write instead.
        XCTAssertThrowsError(try Budget.parseBytes("256KB")) { error in
            XCTAssertTrue("\(error)".contains("256KiB"), "\(error)")
        }
    }
}

final class BudgetVerdictTests: XCTestCase {
    func report(hidden: Int, budget: Budget) -> (QModel, MemoryPlan, SizeReport) {
        let model = ReportModels.net(hidden: hidden)
        let plan = MemoryPlanner.plan(model)
        return (model, plan, SizeReport(model: model, plan: plan, measurement: nil, name: "net", budget: budget))
    }

    func testFlashVerdictSaysByHowMuchAndNamesTheLargestLayers() throws {
        let (model, _, fits) = report(hidden: 32, budget: Budget(flash: 1 << 20))
        // Computed flash without a measurement: the constant arrays, summed here from the model.
        var arrays: [Int] = []
        for layer in model.layers {
            switch layer.op {
            case .conv(let p): arrays.append(p.weights.count + 4 * p.bias.count + 8 * p.requant.count)
            case .dense(let p): arrays.append(p.weights.count + 4 * p.bias.count + 8 * p.requant.count)
            case .softmax: arrays.append(4 * 118)  // its 118 stored entries (ReportContentTests works them out)
            case .table(let p): arrays.append(p.table.count)
            default: arrays.append(0)
            }
        }
        let total = arrays.reduce(0, +)
        XCTAssertEqual(fits.flashBytes, total)
        let okCheck = try XCTUnwrap(fits.verdict?.flash)
        XCTAssertFalse(okCheck.exceeded)
        XCTAssertEqual(okCheck.headroomBytes, (1 << 20) - total)
        XCTAssertEqual(fits.verdict?.exceeded, false)

        let over = fits.applying(Budget(flash: total - 1000))
        let check = try XCTUnwrap(over.verdict?.flash)
        XCTAssertTrue(check.exceeded)
        XCTAssertEqual(check.overBytes, 1000)
        XCTAssertEqual(over.verdict?.exceeded, true)
        let expectedOrder = arrays.enumerated().filter { $0.element > 0 }.sorted { ($1.element, $0.offset) < ($0.element, $1.offset) }.prefix(3).map(\.offset)
        XCTAssertEqual(check.largest.map(\.layer), expectedOrder.map { Optional($0) })
        let message = try XCTUnwrap(over.verdict?.messages.first)
        XCTAssertTrue(message.contains("exceeded by 1,000 B"), message)
        XCTAssertTrue(message.contains("fc1"), message)
        XCTAssertNil(over.verdict?.ram)
        XCTAssertNil(fits.applying(Budget()).verdict)
    }

    func testRAMVerdictNamesWhatIsAliveAtThePeak() throws {
        let (model, plan, r) = report(hidden: 512, budget: Budget(ram: 100))
        let check = try XCTUnwrap(r.verdict?.ram)
        XCTAssertTrue(check.exceeded)
        XCTAssertEqual(check.usedBytes, plan.arenaBytes)
        XCTAssertEqual(check.overBytes, plan.arenaBytes - 100)
        // The peak is fc1 (64 inputs + 512 outputs alive); its 512-byte output is the largest contributor.
        let peak = try XCTUnwrap(plan.occupancy.indices.max { (plan.occupancy[$0], -$0) < (plan.occupancy[$1], -$1) })
        XCTAssertEqual(r.arena.peakStep, peak)
        XCTAssertEqual(model.layers[peak].name, "fc1")
        XCTAssertEqual(check.largest.first?.layer, 3)
        XCTAssertEqual(check.largest.first?.bytes, 512)
    }
}
