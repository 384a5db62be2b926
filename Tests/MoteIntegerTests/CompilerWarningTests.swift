import Foundation
import XCTest

/// The kernels compile cleanly under clang's -Weverything: each file silences, with a justification in its
/// header comment, only the warnings C cannot avoid (see the report in each file).
final class CompilerWarningTests: XCTestCase {
    func testKernelsAreCleanUnderClangWeverything() throws {
        guard let clang = findTool("clang") else {
            throw XCTSkip("clang not found; the gcc builds in KernelDifferentialTests still check -Wall -Wextra -pedantic")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mote-kernel-warnings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for source in try KernelTestPaths.kernelSources() {
            let args = ["-std=c99", "-Weverything", "-Werror", "-O2", "-I", KernelTestPaths.runtime.path,
                        "-c", source.path, "-o", dir.appendingPathComponent(source.lastPathComponent + ".o").path]
            let result = try runProcess(clang, args, in: dir)
            XCTAssertEqual(result.status, 0, "clang \(args.joined(separator: " ")):\n\(result.stderr)")
        }
    }
}
