import Foundation

/// Paths of the repository, its fixtures and the shared benchmark models, independent of the working directory.
enum TestPaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/Fixtures")
    static let examples = root.appendingPathComponent("Examples")
    static let mlperf = root.deletingLastPathComponent().appendingPathComponent("shared/benchmarks/mlperf-tiny")

    static func read(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }
}
