import XCTest
@testable import MoteNPY

/// Bytes of a numpy-written fixture (see NumpyFixtures.swift).
func fixture(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
    guard let hex = NumpyFixtures.all[name] else {
        XCTFail("no fixture named \(name)", file: file, line: line)
        return []
    }
    var out: [UInt8] = []
    out.reserveCapacity(hex.utf8.count / 2)
    var high: UInt8?
    for c in hex.utf8 {
        let v: UInt8 = c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : c - UInt8(ascii: "a") + 10
        if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
    }
    return out
}

/// A hand-built .npy file: preamble, the given header text verbatim (no padding added), then `data`.
func npyFile(header: String, data: [UInt8] = [], version: (UInt8, UInt8) = (1, 0)) -> [UInt8] {
    let h = Array(header.utf8)
    var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version.0, version.1]
    let width = version.0 == 1 ? 2 : 4
    for i in 0..<width { out.append(UInt8(truncatingIfNeeded: h.count >> (8 * i))) }
    return out + h + data
}

func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

func leFloats(_ values: [Float]) -> [UInt8] { le(values.map(\.bitPattern)) }

/// Asserts that decoding throws an NPYError whose message contains every fragment.
func assertDecodeFails(_ bytes: [UInt8], _ fragments: String..., file: StaticString = #filePath, line: UInt = #line) {
    do {
        let a = try NPY.decode(bytes)
        XCTFail("expected an error, decoded \(a.dtype) \(a.shape)", file: file, line: line)
    } catch let e as NPYError {
        for f in fragments where !e.message.contains(f) {
            XCTFail("error \"\(e.message)\" does not mention \"\(f)\"", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
    }
}

