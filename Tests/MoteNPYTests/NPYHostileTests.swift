import XCTest
@testable import MoteNPY
import MoteTestSupport

/// Malformed, truncated and hostile files: every one must throw NPYError, never trap or hang.
final class NPYHostileTests: XCTestCase {
    func testBadMagicAndVersions() {
        assertDecodeFails([], "too short")
        assertDecodeFails([0x93, 0x4E, 0x55], "too short")
        assertDecodeFails(Array("PK\u{3}\u{4}zipfile".utf8), "bad magic", "\\x50\\x4b")
        assertDecodeFails(Array("\u{93}NUMPZ\u{1}\u{0}".utf8), "bad magic")
        var v = fixture("f4_2x3")
        v[6] = 4
        assertDecodeFails(v, "unsupported .npy format version 4.0")
        v[6] = 1; v[7] = 1
        assertDecodeFails(v, "version 1.1")
        v[6] = 0; v[7] = 0
        assertDecodeFails(v, "version 0.0")
    }

    func testTruncationAtEveryByte() {
        for name in ["f4_2x3", "v2_f4", "fortran_i4_2x3x4", "be_i8", "bool", "scalar_f4"] {
            let bytes = fixture(name)
            for n in 0..<bytes.count {
                XCTAssertThrowsError(try NPY.decode(Array(bytes[0..<n])), "\(name) cut at \(n)") { error in
                    XCTAssertTrue(error is NPYError)
                    let message = (error as? NPYError)?.message ?? ""
                    XCTAssertTrue(message.contains("truncated") || message.contains("too short") || message.contains("malformed"),
                                  "\(name) cut at \(n): \(message)")
                }
            }
        }
    }

    func testHeaderLengthPastEndOfFile() {
        var v = fixture("f4_2x3")
        v[8] = 0xFF; v[9] = 0x7F
        assertDecodeFails(v, "runs past the end of the file")
        var v2 = fixture("v2_f4")
        v2[8] = 0xFF; v2[9] = 0xFF; v2[10] = 0xFF; v2[11] = 0xFF
        assertDecodeFails(v2, "refusing .npy header of 4294967295 bytes")
    }

    func testAbsurdlyLongHeader() {
        let long = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" + String(repeating: " ", count: 70_000) + "\n"
        assertDecodeFails(npyFile(header: long, data: leFloats([1]), version: (2, 0)), "refusing .npy header of", "limit 65536")
        // Just under the cap is fine (padding is whitespace).
        let okay = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" + String(repeating: " ", count: 60_000) + "\n"
        XCTAssertEqual(try NPY.decode(npyFile(header: okay, data: leFloats([1]), version: (2, 0))).asFloats(), [1])
    }

    func testShortDataSaysExpectedAndFound() {
        let v = fixture("f4_2x3")
        assertDecodeFails(Array(v.dropLast(3)), "expected 24 bytes, found 21", "(2, 3)", "float32")
        let h = npyFile(header: "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 4), }", data: le([Int64](repeating: 1, count: 11)))
        assertDecodeFails(h, "expected 96 bytes, found 88")
    }

    func testTrailingBytesAreAnError() {
        let v = fixture("f4_2x3") + [0, 0, 0, 0]
        assertDecodeFails(v, "4 unexpected trailing bytes", "expected 24 bytes, found 28", "shape")
        // The classic mistake: right data, header claims fewer elements.
        let h = npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: leFloats([1, 2, 3, 4]))
        assertDecodeFails(h, "8 unexpected trailing bytes")
        // Scalar header with an array's worth of data.
        let s = npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: leFloats([1, 2]))
        assertDecodeFails(s, "trailing")
        // Empty shape with data.
        let e = npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", data: [0])
        assertDecodeFails(e, "1 unexpected trailing bytes")
    }

    func testInvalidBoolBytes() {
        let h = npyFile(header: "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", data: [1, 0, 2])
        assertDecodeFails(h, "element 2 is byte 0x02")
    }

    /// Seeded random mutations of valid files: each decode must return or throw NPYError, nothing else.
    func testRandomMutationsNeverCrash() {
        var rng = SeededGenerator(seed: 0x4D6F_7465_4E50_5921)
        let seeds = ["f4_2x3", "fortran_i4_2x3x4", "v2_f4", "v3_i2", "be_f2", "bool", "scalar_i8", "f4_2x3x4"].map { fixture($0) }
        let interesting: [UInt8] = Array("(),:'\" -0123456789{}[]LTrueFalse<>|=?fiub\n".utf8) + [0x00, 0x7F, 0x80, 0xFF]
        var decoded = 0, refused = 0
        for _ in 0..<5000 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            let edits = Int.random(in: 1...4, using: &rng)
            for _ in 0..<edits where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<7, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[at] = interesting[Int.random(in: 0..<interesting.count, using: &rng)]
                case 2: bytes.removeSubrange(at...)  // truncate
                case 3: bytes.remove(at: at)
                case 4: bytes.insert(interesting[Int.random(in: 0..<interesting.count, using: &rng)], at: at)
                case 5: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                default:
                    // Mess with the header length field specifically.
                    if bytes.count > 9 { bytes[8 + Int.random(in: 0...1, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                }
            }
            do {
                let a = try NPY.decode(bytes)
                XCTAssertEqual(a.count, a.shape.reduce(1, *))
                decoded += 1
            } catch is NPYError {
                refused += 1
            } catch {
                XCTFail("non-NPYError thrown: \(error)")
            }
        }
        XCTAssertEqual(decoded + refused, 5000)
        XCTAssertGreaterThan(refused, 0)
    }
}
