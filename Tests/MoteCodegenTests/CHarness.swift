import Foundation
import MoteCodegen
import MoteIR

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes emitted files to a directory, compiles them with a host C compiler and runs the result.
enum CHarness {
    static let strictFlags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
    static let sanitizerFlags = ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                                 "-fno-omit-frame-pointer"]

    /// The compiler's path, or a failure that says what is missing: these tests never skip.
    static func tool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin", "/opt/swift/usr/bin"] {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw HarnessError("\(name) was not found on PATH: the MoteCodegen tests compile the emitted C and need \(name) (apt-get install \(name))")
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mote-codegen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ files: [EmittedFile], to dir: URL) throws {
        for file in files {
            try Data(file.contents.utf8).write(to: dir.appendingPathComponent(file.path))
        }
    }

    /// Runs `executable` in `dir`; stdout and stderr go through files so a chatty process cannot block on a pipe.
    static func run(_ executable: String, _ arguments: [String], in dir: URL) throws -> (status: Int32, out: String, err: String) {
        let outURL = dir.appendingPathComponent("stdout-\(UUID().uuidString).txt")
        let errURL = dir.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        let out = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        let err = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        return (process.terminationStatus, out, err)
    }

    /// Compiles every `.c` of `files` plus `main.c` into `prog`; throws with the compiler's messages on failure.
    static func compile(_ files: [EmittedFile], main: String, in dir: URL, compiler: String = "gcc",
                        flags: [String]) throws -> URL {
        try write(files + [EmittedFile(path: "main.c", contents: main)], to: dir)
        let sources = (files.map(\.path) + ["main.c"]).filter { $0.hasSuffix(".c") }.sorted()
        let result = try run(try tool(compiler), flags + ["-I.", "-o", "prog"] + sources, in: dir)
        guard result.status == 0 else {
            throw HarnessError("\(compiler) \(flags.joined(separator: " ")) failed (\(result.status)):\n\(result.err)\(result.out)")
        }
        return dir.appendingPathComponent("prog")
    }

    /// A C main that runs the model on every sample and prints each output as one line of integers.
    static func mainProgram(model: QModel, name: String, samples: [[[Int8]]]) -> String {
        var c = "#include <stdio.h>\n#include <stdint.h>\n\n#include \"\(name).h\"\n\n"
        for (k, t) in model.inputs.enumerated() {
            let n = model.tensors[t].count
            c += "static const int8_t input\(k)[\(samples.count)][\(n)] = {\n"
            for sample in samples {
                c += "    {" + sample[k].map(String.init).joined(separator: ", ") + "},\n"
            }
            c += "};\n"
        }
        for (k, t) in model.outputs.enumerated() {
            c += "static int8_t output\(k)[\(model.tensors[t].count)];\n"
        }
        c += "\nstatic void print_row(const int8_t *x, int n)\n{\n    int i;\n"
        c += "    for (i = 0; i < n; ++i) {\n        printf(i == 0 ? \"%d\" : \" %d\", x[i]);\n    }\n    printf(\"\\n\");\n}\n\n"
        c += "int main(void)\n{\n    int s;\n"
        c += "    for (s = 0; s < \(samples.count); ++s) {\n"
        let args = model.inputs.indices.map { "input\($0)[s]" } + model.outputs.indices.map { "output\($0)" }
        c += "        if (\(name)_run(\(args.joined(separator: ", "))) != 0) {\n            return 1;\n        }\n"
        for (k, t) in model.outputs.enumerated() {
            c += "        print_row(output\(k), \(model.tensors[t].count));\n"
        }
        c += "    }\n    return 0;\n}\n"
        return c
    }

    /// Emits `model`, compiles it with `flags`, runs it on `samples`: per sample, per output, the bytes.
    static func runModel(_ model: QModel, name: String, samples: [[[Int8]]], flags: [String],
                         compiler: String = "gcc") throws -> [[[Int8]]] {
        let files = try Codegen.emit(model, options: CodegenOptions(name: name, toolVersion: "test", modelHash: "00"))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prog = try compile(files, main: mainProgram(model: model, name: name, samples: samples), in: dir,
                               compiler: compiler, flags: flags)
        let result = try run(prog.path, [], in: dir)
        guard result.status == 0 else {
            throw HarnessError("the compiled model exited with \(result.status):\n\(result.err)")
        }
        guard result.err.isEmpty else { throw HarnessError("the compiled model printed on stderr:\n\(result.err)") }
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count == samples.count * model.outputs.count else {
            throw HarnessError("expected \(samples.count * model.outputs.count) output lines, got \(lines.count)")
        }
        var outputs: [[[Int8]]] = []
        var it = lines.makeIterator()
        for _ in samples {
            var sample: [[Int8]] = []
            for _ in model.outputs {
                let line = it.next() ?? ""
                sample.append(line.split(separator: " ").compactMap { Int8($0) })
            }
            outputs.append(sample)
        }
        return outputs
    }
}
