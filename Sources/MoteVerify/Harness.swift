import Foundation
import MoteIR

/// A host program around an emitted model: reads int8 inputs from a file, runs `<name>_run` on each sample,
/// writes the int8 outputs to another file.
public enum Harness {
    public struct Profile: Sendable {
        public var name: String
        public var flags: [String]

        public init(name: String, flags: [String]) {
            self.name = name
            self.flags = flags
        }

        /// Warnings are errors: the emitted C must be clean.
        public static let strict = Profile(name: "strict", flags: ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"])
        /// Address and undefined-behaviour sanitizers, aborting on the first report.
        public static let sanitize = Profile(name: "sanitize", flags: ["-std=c99", "-O1", "-g", "-fsanitize=address,undefined",
                                                                       "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"])
    }

    /// The static int8 buffers every harness (host, Cortex-M, bench) declares for a model's inputs and outputs,
    /// and the argument list that passes them to `<name>_run` (inputs, then outputs).
    public struct IOBuffers {
        public var declarations: String
        public var arguments: String

        public init(inputSizes: [Int], outputSizes: [Int]) {
            func slices(_ buffer: String, _ sizes: [Int]) -> [String] {
                var offset = 0
                return sizes.map { size in defer { offset += size }; return "\(buffer) + \(offset)" }
            }
            declarations = "static int8_t in[\(max(inputSizes.reduce(0, +), 1))];\nstatic int8_t out[\(max(outputSizes.reduce(0, +), 1))];"
            arguments = (slices("in", inputSizes) + slices("out", outputSizes)).joined(separator: ", ")
        }
    }

    /// Splits the bytes a harness wrote into each sample's concatenated outputs, refusing a short or long file.
    static func outputs(_ bytes: [UInt8], outputSizes: [Int], samples: Int, directory: URL, build: String) throws -> [[Int8]] {
        let outTotal = outputSizes.reduce(0, +)
        guard bytes.count == outTotal * samples else {
            throw Diagnostic(file: directory.path, "the \(build) build wrote \(bytes.count) bytes, expected \(outTotal * samples)")
        }
        return (0..<samples).map { s in bytes[(s * outTotal)..<((s + 1) * outTotal)].map { Int8(bitPattern: $0) } }
    }

    /// C source of the harness for a model with the given input and output sizes (in elements).
    public static func source(name: String, inputSizes: [Int], outputSizes: [Int]) -> String {
        let io = Harness.IOBuffers(inputSizes: inputSizes, outputSizes: outputSizes)
        return """
        /* Mote verification harness: int8 samples in, int8 outputs out. */
        #include <stdint.h>
        #include <stdio.h>
        #include "\(name).h"

        \(io.declarations)

        int main(int argc, char **argv) {
            FILE *fi;
            FILE *fo;
            if (argc != 3) { fprintf(stderr, "usage: harness IN OUT\\n"); return 2; }
            fi = fopen(argv[1], "rb");
            fo = fopen(argv[2], "wb");
            if (!fi || !fo) { fprintf(stderr, "cannot open files\\n"); return 2; }
            while (fread(in, 1, sizeof in, fi) == sizeof in) {
                if (\(name)_run(\(io.arguments)) != 0) { fprintf(stderr, "run failed\\n"); return 1; }
                if (fwrite(out, 1, sizeof out, fo) != sizeof out) { fprintf(stderr, "write failed\\n"); return 1; }
            }
            fclose(fi);
            return fclose(fo) == 0 ? 0 : 1;
        }

        """
    }

    /// Builds the harness with `profile` from every `.c` file in `directory`, runs it on `samples` (each the
    /// concatenated int8 inputs of one sample) and returns each sample's concatenated outputs.
    public static func run(directory: URL, name: String, inputSizes: [Int], outputSizes: [Int], samples: [[Int8]],
                           profile: Profile, compiler: String = "gcc") throws -> [[Int8]] {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("mote-verify-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let harness = work.appendingPathComponent("harness.c")
        try Data(source(name: name, inputSizes: inputSizes, outputSizes: outputSizes).utf8).write(to: harness)
        let sources = try fm.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".c") }.sorted()
            .map { directory.appendingPathComponent($0).path }
        let binary = work.appendingPathComponent("harness").path
        let build = try ProcessRunner.run(compiler, profile.flags + ["-I", directory.path] + sources + [harness.path, "-o", binary], timeout: 600)
        guard build.status == 0 else {
            throw Diagnostic(file: directory.path, "\(compiler) (\(profile.name): \(profile.flags.joined(separator: " "))) failed:\n\(build.output.prefix(4000))")
        }
        let inFile = work.appendingPathComponent("in.bin"), outFile = work.appendingPathComponent("out.bin")
        try Data(samples.flatMap { $0 }.map { UInt8(bitPattern: $0) }).write(to: inFile)
        let run = try ProcessRunner.run(binary, [inFile.path, outFile.path], timeout: 600)
        guard run.status == 0, !run.timedOut else {
            throw Diagnostic(file: directory.path, "the \(profile.name) build \(run.timedOut ? "timed out" : "failed with status \(run.status)"):\n\(run.output.prefix(4000))")
        }
        let bytes = [UInt8](try Data(contentsOf: outFile))
        return try Harness.outputs(bytes, outputSizes: outputSizes, samples: samples.count, directory: directory, build: profile.name)
    }
}
