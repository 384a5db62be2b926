import Foundation
@testable import MoteCodegen
import MoteInteger
import MoteIR
import XCTest

/// A model is untrusted input: hostile names must not reach the C outside sanitised comments.
final class SanitizingTests: XCTestCase {
    static let injection = "*/ #include <stdio.h>\n int evil; /*"
    static let longName = String(repeating: "A/b;c:0", count: 1429) + "x"  // 10,004 characters
    static let hostileNames = [injection, "../../etc/passwd", "", longName, "??=define X ??/", "a\\\nb // c",
                               "caf\u{E9} \u{1F600}\u{0}\u{7F}", "*/", "/*", "*", "/", "0digit", "model_run"]

    /// The chain model with hostile layer, tensor, op and model names (`suffix` rotates them).
    static func hostileModel(_ shift: Int = 0) -> QModel {
        var model = TestModels.chain(channels: 2, height: 4, width: 4, classes: 3)
        let names = hostileNames
        func name(_ i: Int) -> String { names[(i + shift) % names.count] }
        model.name = name(0)
        for i in model.tensors.indices { model.tensors[i].name = name(i + 1) }
        for i in model.layers.indices {
            model.layers[i].name = name(i + 2)
            model.layers[i].sourceOps = [name(i + 3), name(i + 4)]
        }
        return model
    }

    /// The text outside `/* */` comments (the emitted files have no `//` comments and no string literals).
    static func code(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "/*") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "*/") else { return out + "<<unterminated comment>>" }
            out += " "
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// The text inside comments.
    static func comments(_ text: String) -> [Substring] {
        var result: [Substring] = []
        var rest = Substring(text)
        while let open = rest.range(of: "/*"), let close = rest[open.upperBound...].range(of: "*/") {
            result.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return result
    }

    func testHostileNamesCompileRunAndStayInComments() throws {
        for shift in [0, 3, 7] {
            let model = Self.hostileModel(shift)
            let options = CodegenOptions(name: "model", toolVersion: "1.0 */ int v; /*", modelHash: "*/ ??/ \u{E9}")
            let files = try Codegen.emit(model, options: options)
            for file in files.prefix(2) {
                let text = file.contents
                XCTAssertTrue(text.unicodeScalars.allSatisfy { $0 == "\n" || ($0.value >= 0x20 && $0.value < 0x7F) },
                              "\(file.path): only printable ASCII and newlines")
                XCTAssertFalse(text.contains("\\"), "\(file.path): no backslash (line splicing)")
                XCTAssertFalse(text.contains("??"), "\(file.path): no trigraph")
                XCTAssertFalse(text.contains("//"), "\(file.path): no line comment")
                for comment in Self.comments(text) {
                    XCTAssertFalse(comment.contains("/*"), "\(file.path): nested comment opener in \(comment)")
                }
                let code = Self.code(text)
                for needle in ["evil", "stdio", "passwd", "..", "int v;", "\u{E9}"] {
                    XCTAssertFalse(code.contains(needle), "\(file.path): '\(needle)' outside comments")
                }
                let includes = code.split(separator: "\n").filter { $0.contains("#include") }
                XCTAssertTrue(includes.allSatisfy { ["#include <stdint.h>", "#include \"model.h\"", "#include \"mote_kernels.h\"",
                                                     "#include <string.h>"].contains(String($0)) }, "\(includes)")
                let longest = text.split(separator: "\n").map(\.count).max() ?? 0
                XCTAssertLessThan(longest, 200, "\(file.path): a line of \(longest) characters")
            }
            // Every symbol the model defines is a capped, valid identifier, and they are all distinct.
            let source = Self.code(files[1].contents)
            let symbols = source.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("static const ") else { return nil }
                let words = line.split(whereSeparator: { " [=".contains($0) })
                return words.count > 3 ? String(words[3]) : nil
            }
            XCTAssertFalse(symbols.isEmpty)
            XCTAssertEqual(Set(symbols).count, symbols.count, "duplicate symbols: \(symbols)")
            for symbol in symbols {
                XCTAssertTrue(CText.isValidIdentifier(symbol), symbol)
                XCTAssertLessThanOrEqual(symbol.count, 64, symbol)
            }
            // It compiles cleanly and computes what the interpreter computes.
            let samples = TestModels.samples(model, count: 4, seed: 11)
            let expected = try samples.map { try IntegerInterpreter(model: model).run($0) }
            let actual = try CHarness.runModel(model, name: "model", samples: samples, flags: CHarness.strictFlags + ["-O2"])
            XCTAssertEqual(actual, expected)
        }
    }

    func testIdentifiers() {
        XCTAssertEqual(CText.identifier("StatefulPartitionedCall/conv2d;foo:0", fallback: "x"), "conv2d_foo_0")
        XCTAssertEqual(CText.identifier("seq/conv2d;foo:0", fallback: "x"), "seq_conv2d_foo_0")
        XCTAssertEqual(CText.identifier("/conv1/Conv", fallback: "x"), "conv1_Conv")
        XCTAssertEqual(CText.identifier("", fallback: "layer3"), "layer3")
        XCTAssertEqual(CText.identifier("../../", fallback: "layer3"), "layer3")
        XCTAssertEqual(CText.identifier("0/Conv", fallback: "x"), "n0_Conv")
        XCTAssertEqual(CText.identifier("caf\u{E9}", fallback: "x"), "caf")
        let long = CText.identifier(Self.longName, fallback: "x")
        XCTAssertLessThanOrEqual(long.count, CText.identifierLimit + 1)
        XCTAssertTrue(CText.isValidIdentifier(long))
        XCTAssertEqual(CText.uniqueIdentifiers(["a", "a", "a_2", "", "", "A"]) { "layer\($0)" },
                       ["a", "a_2", "a_2_2", "layer3", "layer4", "A"])
    }

    func testComments() {
        XCTAssertEqual(CText.comment("*/"), "* /")
        XCTAssertEqual(CText.comment("/*/"), "/ * /")
        XCTAssertEqual(CText.comment("a//b"), "a/ /b")
        XCTAssertEqual(CText.comment("??=??/"), "? ?=? ?/")
        XCTAssertEqual(CText.comment("a\nb\\c\u{E9}\t"), "a_b_c__")
        XCTAssertEqual(CText.comment("***///"), "*** / / /")
        let long = CText.comment(Self.longName)
        XCTAssertLessThanOrEqual(long.count, 100)
        XCTAssertTrue(long.contains("..."))
        for raw in Self.hostileNames {
            let c = CText.comment(raw)
            for bad in ["*/", "/*", "//", "??", "\\", "\n"] { XCTAssertFalse(c.contains(bad), "\(raw) → \(c)") }
        }
    }

    func testInvalidNamesAreRejected() throws {
        let model = TestModels.chain(channels: 2, height: 4, width: 4, classes: 3)
        for name in ["", "1model", "_model", "my-model", "mote", "mote_conv", "MOTE_kernels", "string", "stdint",
                     "a b", "x\u{E9}", String(repeating: "a", count: 65), "../evil"] {
            XCTAssertThrowsError(try Codegen.emit(model, options: CodegenOptions(name: name, toolVersion: "t", modelHash: "h")),
                                 "name '\(name)'") { error in
                XCTAssertTrue(error is Diagnostic, "\(error)")
            }
        }
        for name in ["m", "kws_model", "Model2", "motel"] {
            XCTAssertNoThrow(try Codegen.emit(model, options: CodegenOptions(name: name, toolVersion: "t", modelHash: "h")), name)
        }
    }
}
