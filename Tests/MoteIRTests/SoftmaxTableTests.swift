import MoteIR
import XCTest

/// How much of a softmax exp table the C stores: through its last non-zero entry, worked out by hand.
final class SoftmaxTableTests: XCTestCase {
    func softmax(_ table: [UInt32]) -> QSoftmax {
        QSoftmax(input: 0, output: 1, outer: 1, axis: 4, inner: 1, expTable: table)
    }

    func testStoredEntriesEndAtTheLastNonZero() {
        let tail = [UInt32](repeating: 0, count: 250)
        XCTAssertEqual(softmax([65536] + [UInt32](repeating: 0, count: 255)).storedExpCount, 1, "one-hot")
        XCTAssertEqual(softmax([65536, 5, 0, 3, 0, 0] + tail).storedExpCount, 4, "a zero inside is stored")
        XCTAssertEqual(softmax([UInt32](repeating: 65536, count: 256)).storedExpCount, 256)
        XCTAssertEqual(softmax([UInt32](repeating: 0, count: 255) + [7]).storedExpCount, 256)
    }
}
