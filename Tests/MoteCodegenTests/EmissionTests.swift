import Foundation
@testable import MoteCodegen
import MoteIR
import XCTest

/// Output stability (determinism, golden files), the file set, and how the emitted C compiles.
final class EmissionTests: XCTestCase {
    static let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let options = CodegenOptions(name: "tiny", toolVersion: "0.0.0-golden",
                                        modelHash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")

    /// The golden model: conv → reshape (in place) → dense → softmax, small enough to read in review.
    static func tinyModel() -> QModel {
        TestModels.chain(name: "tiny", channels: 2, height: 3, width: 3, classes: 3, seed: 42)
    }

    func testDeterministic() throws {
        let builders: [(() -> QModel, String)] = [({ TestModels.chain() }, "chain"), ({ TestModels.mixed() }, "mixed"),
                                                  ({ TestModels.twoInputs() }, "two"), ({ SanitizingTests.hostileModel() }, "hostile"),
                                                  ({ TestModels.storage() }, "storage")]
        for (build, name) in builders {
            let options = CodegenOptions(name: name, toolVersion: "1", modelHash: "ab")
            let first = try Codegen.emit(build(), options: options)
            for _ in 0..<3 {
                // A model rebuilt from scratch each time: nothing but its content may reach the text.
                XCTAssertEqual(try Codegen.emit(build(), options: options), first, name)
            }
            XCTAssertEqual(Codegen.arenaPlan(build()), ArenaPlan.plan(build()))
        }
    }

    func testFileSet() throws {
        let files = try Codegen.emit(TestModels.chain(), options: CodegenOptions(name: "net", toolVersion: "1", modelHash: "ab"))
        let paths = files.map(\.path)
        XCTAssertEqual(Array(paths.prefix(2)), ["net.h", "net.c"])
        let runtime = Templates.files.keys.filter { $0.hasPrefix("runtime/") }.map { String($0.dropFirst(8)) }.sorted()
        XCTAssertTrue(runtime.contains("mote_kernels.h"))
        XCTAssertEqual(Array(paths.dropFirst(2)), runtime + ["mote_conv.c", "mote_dense.c", "mote_softmax.c"])
        for file in files.dropFirst(2) {
            let key = (file.path.hasSuffix(".h") ? "runtime/" : "kernels/") + file.path
            XCTAssertEqual(file.contents, Templates.files[key], file.path)
        }
        for file in files.prefix(2) {
            XCTAssertTrue(file.contents.hasSuffix(";\n") || file.contents.hasSuffix("}\n") || file.contents.hasSuffix("*/\n"),
                          "\(file.path) ends with one newline")
            XCTAssertFalse(file.contents.hasSuffix("\n\n"))
        }
    }

    /// The emitted `.h`/`.c` of a tiny model, committed so that any change of the output is seen in review.
    /// Regenerate after an intended change: MOTE_UPDATE_GOLDEN=1 swift test --filter MoteCodegenTests.EmissionTests
    func testGolden() throws {
        let files = try Codegen.emit(Self.tinyModel(), options: Self.options)
        let golden = Self.testDirectory.appendingPathComponent("Golden")
        let update = ProcessInfo.processInfo.environment["MOTE_UPDATE_GOLDEN"] == "1"
        for file in files.prefix(2) {
            let url = golden.appendingPathComponent(file.path + ".golden")
            if update {
                try FileManager.default.createDirectory(at: golden, withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url)
                continue
            }
            guard let data = FileManager.default.contents(atPath: url.path) else {
                XCTFail("missing golden file \(url.path): run MOTE_UPDATE_GOLDEN=1 swift test --filter MoteCodegenTests.EmissionTests")
                continue
            }
            let expected = String(decoding: data, as: UTF8.self)
            if expected != file.contents {
                let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
                let a = file.contents.split(separator: "\n", omittingEmptySubsequences: false)
                let line = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
                let want = line < e.count ? String(e[line]) : "<end of file>"
                let got = line < a.count ? String(a[line]) : "<end of file>"
                XCTFail("""
                    \(file.path) differs from \(url.lastPathComponent) at line \(line + 1):
                      golden:  \(want)
                      emitted: \(got)
                    If the change is intended, regenerate with:
                      MOTE_UPDATE_GOLDEN=1 swift test --filter MoteCodegenTests.EmissionTests/testGolden
                    and review the diff of Tests/MoteCodegenTests/Golden/.
                    """)
            }
        }
    }

    /// The model's own files are clean under clang -Weverything: the two warnings it cannot avoid are silenced in
    /// the file with a comment saying why (-Wunsafe-buffer-usage, -Wpadded). The header is valid C++ too.
    func testClangEverything() throws {
        let clang = try CHarness.tool("clang")
        for (model, name) in [(TestModels.chain(), "chain"), (TestModels.mixed(), "mixed"), (TestModels.twoInputs(), "two"),
                              (SanitizingTests.hostileModel(), "hostile"), (TestModels.storage(), "storage")] {
            let files = try Codegen.emit(model, options: CodegenOptions(name: name, toolVersion: "1", modelHash: "ab"))
            let dir = try CHarness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            try CHarness.write(files, to: dir)
            for std in ["-std=c99", "-std=c11"] {
                let result = try CHarness.run(clang, [std, "-Weverything", "-Werror", "-I.", "-c", "\(name).c", "-o", "\(name).o"], in: dir)
                XCTAssertEqual(result.status, 0, "clang \(std) -Weverything on \(name).c:\n\(result.err)")
            }
            try Data("#include \"\(name).h\"\nint main() { return \(name.uppercased())_INPUT_COUNT - 1; }\n".utf8)
                .write(to: dir.appendingPathComponent("user.cpp"))
            let cpp = try CHarness.run(clang, ["-x", "c++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I.", "user.cpp"], in: dir)
            XCTAssertEqual(cpp.status, 0, "\(name).h in C++:\n\(cpp.err)")
        }
    }

    /// An int8 layer on mote_conv's im2col or padded depthwise path calls that path itself (mote_kernels.h:
    /// paired rows take im2col; a depthwise 3×3 given scratch the padded path), so a model without other conv
    /// layers links none of mote_conv's other loops; the rest call mote_conv. int4 layers call their own kernel.
    func testConvLayersCallTheirPath() throws {
        let files = try Codegen.emit(TestModels.convPaths(), options: CodegenOptions(name: "paths", toolVersion: "1", modelHash: "p"))
        let c = try XCTUnwrap(files.first { $0.path == "paths.c" }?.contents)
        let calls = c.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("mote_conv") }
        XCTAssertEqual(calls.map { String($0.prefix { $0 != "(" }) },
                       ["mote_conv_im2col", "mote_conv_depthwise3x3_padded", "mote_conv", "mote_conv", "mote_conv"])
        XCTAssertTrue(calls[0].hasPrefix("mote_conv_im2col(&paths_im2col_params, NULL, arena + "), calls[0])
        XCTAssertTrue(calls[1].hasPrefix("mote_conv_depthwise3x3_padded(&paths_depthwise_params, NULL, arena + "), calls[1])
        let int4 = try Codegen.emit(TestModels.storage(), options: CodegenOptions(name: "storage", toolVersion: "1", modelHash: "s"))
        let c4 = try XCTUnwrap(int4.first { $0.path == "storage.c" }?.contents)
        XCTAssertTrue(c4.contains("    mote_conv_int4(&storage_conv_int4_params, arena + "), c4)
    }

    /// Two models in one program: the --name prefix keeps every symbol and macro apart.
    func testTwoModelsLinkTogether() throws {
        let a = try Codegen.emit(TestModels.chain(), options: CodegenOptions(name: "first", toolVersion: "1", modelHash: "a"))
        let b = try Codegen.emit(TestModels.mixed(), options: CodegenOptions(name: "second", toolVersion: "1", modelHash: "b"))
        var files = a
        for file in b where !files.contains(where: { $0.path == file.path }) { files.append(file) }
        let main = """
            #include "first.h"
            #include "second.h"

            int main(void)
            {
                static int8_t x1[FIRST_INPUT_SIZE], y1[FIRST_OUTPUT_SIZE];
                static int8_t x2[SECOND_INPUT_SIZE], y2[SECOND_OUTPUT0_SIZE], y3[SECOND_OUTPUT1_SIZE], y4[SECOND_OUTPUT2_SIZE];
                return first_run(x1, y1) + second_run(x2, y2, y3, y4);
            }

            """
        let dir = try CHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prog = try CHarness.compile(files, main: main, in: dir, flags: CHarness.strictFlags)
        XCTAssertEqual(try CHarness.run(prog.path, [], in: dir).status, 0)
    }

    /// The float helpers: round half away from zero, saturation, NaN and infinities, without libm.
    func testFloatHelpers() throws {
        var model = TestModels.twoInputs()
        model.tensors[0].quant = QuantParams(scale: 0.5, zeroPoint: 3)
        model.tensors[3].quant = QuantParams(scale: 0.25, zeroPoint: -7)
        let xs: [(String, Int8)] = [
            ("0.25f", 4), ("-0.25f", 2), ("0.75f", 5), ("-0.75f", 1), ("1.25f", 6), ("0.24999999f", 3),
            ("-0.24999999f", 3), ("0.0f", 3), ("-0.0f", 3), ("62.0f", 127), ("62.25f", 127), ("-65.5f", -128),
            ("-65.25f", -128), ("1e30f", 127), ("-1e30f", -128), ("zero / zero", 3), ("one / zero", 127),
            ("-one / zero", -128), ("-63.25f", -124),
        ]
        // The helpers convert whole tensors: TWO_INPUT0_SIZE = 6 and TWO_OUTPUT0_SIZE = 10.
        XCTAssertEqual(model.tensors[0].count, 6)
        XCTAssertEqual(model.tensors[3].count, 10)
        let nx = (xs.count + 5) / 6 * 6, ny = 260
        var main = """
            #include <stdio.h>
            #include "two.h"

            int main(int argc, char **argv)
            {
                /* volatile: the special values are computed at run time, as in firmware. */
                volatile float zero = 0.0f, one = (float)argc;
                float x[\(nx)] = {0.0f};
                int8_t q[\(nx)];
                int8_t all[\(ny)] = {0};
                float y[\(ny)];
                int i;
                (void)argv;

            """
        for (k, (expression, _)) in xs.enumerated() { main += "    x[\(k)] = \(expression);\n" }
        main += """
                for (i = 0; i < \(nx); i += 6) {
                    two_quantize_input0(x + i, q + i);
                }
                for (i = 0; i < \(xs.count); ++i) {
                    printf("%d\\n", q[i]);
                }
                for (i = 0; i < 256; ++i) {
                    all[i] = (int8_t)(i - 128);
                }
                for (i = 0; i < \(ny); i += 10) {
                    two_dequantize_output0(all + i, y + i);
                }
                for (i = 0; i < 256; ++i) {
                    printf("%.9g\\n", (double)y[i]);
                }
                return 0;
            }

            """
        let files = try Codegen.emit(model, options: CodegenOptions(name: "two", toolVersion: "1", modelHash: "ab"))
        let dir = try CHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prog = try CHarness.compile(files, main: main, in: dir, flags: CHarness.strictFlags + CHarness.sanitizerFlags)
        let result = try CHarness.run(prog.path, [], in: dir)
        XCTAssertEqual(result.status, 0, result.err)
        let lines = result.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, xs.count + 256)
        for (k, (expression, expected)) in xs.enumerated() where k < lines.count {
            XCTAssertEqual(lines[k], String(expected), "quantize(\(expression))")
        }
        for q in 0..<256 where xs.count + q < lines.count {
            let expected = Float(0.25) * Float(q - 128 + 7)
            XCTAssertEqual(Float(lines[xs.count + q]), expected, "dequantize(\(q - 128))")
        }
    }
}
