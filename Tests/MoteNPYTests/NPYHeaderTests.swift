import XCTest
@testable import MoteNPY

/// Header dictionaries as other writers produce them: the parser must accept the Python-literal variations and
/// refuse everything else with a message.
final class NPYHeaderTests: XCTestCase {
    private let twoFloats = leFloats([1.5, -2])

    private func decodeHeader(_ header: String, data: [UInt8]? = nil) throws -> NPYArray {
        try NPY.decode(npyFile(header: header, data: data ?? twoFloats))
    }

    func testAcceptedVariations() throws {
        let headers = [
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
            "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,)}",
            "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}",
            "{'fortran_order':False,'shape':(2,),'descr':'<f4',}",
            "  {\n 'descr' :\t'<f4' ,\r\n 'fortran_order' : False , 'shape' : ( 2 , ) , }   \n",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }",  // Python 2 long
            "{'descr': 'f4', 'fortran_order': False, 'shape': (2,), }",   // no byte-order char: little-endian
            "{'descr': '=f4', 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",   // 1-D Fortran == C
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (+2,), }",
        ]
        for h in headers {
            let a = try decodeHeader(h)
            XCTAssertEqual(a.asFloats(), [1.5, -2], h)
            XCTAssertEqual(a.count, 2, h)
        }
    }

    func testScalarAndBoolDescrs() throws {
        let s = try decodeHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: leFloats([7]))
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.asFloats(), [7])
        for d in ["|b1", "?", "|?", "<b1"] {
            let b = try decodeHeader("{'descr': '\(d)', 'fortran_order': False, 'shape': (2,), }", data: [1, 0])
            XCTAssertEqual(b.storage, .bool([true, false]), d)
        }
        for d in ["|u1", "<u1", ">u1", "u1"] {
            XCTAssertEqual(try decodeHeader("{'descr': '\(d)', 'fortran_order': False, 'shape': (2,), }", data: [9, 250]).storage, .uint8([9, 250]))
        }
    }

    func testBigEndianByteSwappingByHand() throws {
        let a = try decodeHeader("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", data: [0x01, 0x02, 0x03, 0x04, 0xFF, 0xFF, 0xFF, 0xFE])
        XCTAssertEqual(a.storage, .int32([0x0102_0304, -2]))
        let f = try decodeHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: [0x3F, 0xC0, 0x00, 0x00])
        XCTAssertEqual(f.asFloats(), [1.5])
    }

    func testFortranTransposeByHand() throws {
        // 2×3 Fortran data is column-major: a[0,0], a[1,0], a[0,1], a[1,1], a[0,2], a[1,2].
        let a = try decodeHeader("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }", data: le([Int16](arrayLiteral: 0, 3, 1, 4, 2, 5)))
        XCTAssertEqual(a.storage, .int16([0, 1, 2, 3, 4, 5]))
        XCTAssertEqual(a.shape, [2, 3])
    }

    func testUnsupportedDtypesNameWhatTheyFound() {
        let cases: [(String, String)] = [
            ("<U5", "unicode"), ("|S3", "byte strings"), ("|O", "Python objects"), ("<c8", "complex"),
            ("<M8[ns]", "datetimes"), ("<m8", "timedeltas"), ("|V4", "void"), ("<f16", "item size"),
            ("<i3", "item size"), ("<x4", "'<x4'"), ("", "''"), ("<f4 ", "'<f4 '"),
        ]
        for (descr, hint) in cases {
            assertDecodeFails(npyFile(header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]),
                              "unsupported dtype '\(descr)'", hint, "only numeric arrays are accepted")
        }
        assertDecodeFails(npyFile(header: "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }", data: [UInt8](repeating: 0, count: 8)),
                          "unsupported dtype [('a', '<f4'), ('b', '<i4')]", "structured")
        assertDecodeFails(npyFile(header: "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]), "'|f4'", "byte order")
        assertDecodeFails(npyFile(header: "{'descr': 4, 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]), "'descr' is not a dtype string")
    }

    func testMalformedDictionaries() {
        let bad: [(String, String)] = [
            ("", "expected '{'"),
            ("{", "expected"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }}", "end of header"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", "end of header"),
            ("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", "expected ',' or '}'"),
            ("{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}", "expected ':'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,),,}", "expected"),
            ("{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", "malformed"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "expected ',' or '}'"),
            ("{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"),
            ("{'descr': '<f4', 'shape': (2,)}", "missing key 'fortran_order'"),
            ("{'fortran_order': False, 'shape': (2,)}", "missing key 'descr'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}", "duplicate key 'shape'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'"),
            ("{1: '<f4'}", "keys must be strings"),
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "'fortran_order' must be True or False"),
            ("{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}", "unexpected name 'false'"),
            ("{'descr': '<f4', 'fortran_order': None, 'shape': (2,)}", "must be True or False, found None"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", "'shape' must be a tuple"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", "'shape' must be a tuple"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': 2}", "'shape' must be a tuple"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': ('2',)}", "is not an integer"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': ((2,),)}", "is not an integer"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}", "non-integer dimension '2.0'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1e3,)}", "non-integer dimension '1e3'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (0x2,)}", "non-integer dimension '0x2'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-,)}", "non-integer dimension '-'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "negative dimension '-2'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1)}", "negative dimension"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x\\'y': 1}", "escape"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} \u{0}", "control byte 0x00"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} é", "non-ASCII byte 0xc3"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'a': " + String(repeating: "(", count: 100), "nested deeper"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'a': " + String(repeating: "[", count: 30_000), "nested deeper"),
        ]
        for (header, fragment) in bad {
            assertDecodeFails(npyFile(header: header, data: twoFloats), fragment)
        }
    }

    func testShapeLimits() {
        // Element counts are refused before any allocation: the data section here is tiny.
        let tooMany: [String] = [
            "(2147483648,)",
            "(99999999999999999999999999999999999999,)",
            "(65536, 65536)",
            "(4294967296, 4294967296, 4294967296)",
            "(2147483647, 2)",
        ]
        for shape in tooMany {
            assertDecodeFails(npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }", data: twoFloats), "2147483647")
        }
        let rank65 = "(" + String(repeating: "1, ", count: 65) + ")"
        assertDecodeFails(npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': \(rank65), }", data: leFloats([1])), "65 dimensions")
        // The largest allowed count is fine as far as the header goes; it then fails on the missing data.
        assertDecodeFails(npyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647,), }", data: twoFloats),
                          "expected 17179869176 bytes, found 8")
    }
}
