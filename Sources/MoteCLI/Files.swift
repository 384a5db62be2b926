import Foundation
import MoteIR

/// File access for the commands. Every failure is a `Diagnostic` naming the file.
enum Files {
    /// Largest file Mote reads (models, .npy): far beyond any microcontroller model, small enough to refuse
    /// a mistaken multi-GB path before reading it.
    static let maxBytes = 1 << 31

    static func read(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Diagnostic(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw Diagnostic(file: path, "is a directory, expected a file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
           size.int64Value > Int64(maxBytes) {
            throw Diagnostic(file: path, "file is \(size.int64Value) bytes, larger than the \(maxBytes)-byte limit")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw Diagnostic(file: path, "cannot be read") }
        return [UInt8](data)
    }

    /// Writes atomically: a temporary file beside the target, then a rename, so a failure never leaves a
    /// half-written file behind.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Diagnostic(file: path, "directory \(dir.path) does not exist")
        }
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw Diagnostic(file: path, "cannot be written (\(error.localizedDescription))")
        }
    }
}
