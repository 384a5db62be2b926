import Foundation
import MoteIR

/// Writes a command's output directory all at once: files go to a sibling staging directory that replaces
/// the target only when everything is written, so a failed run never leaves a half-written directory.
enum OutputDirectory {
    /// Marker file that says a directory was written by Mote (and may be replaced by it).
    static let marker = "mote.json"

    static func write(_ files: [(path: String, bytes: [UInt8])], to dir: String) throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: dir).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        // Missing parents are created (`-o out/digits` on a fresh checkout); a parent that is a file is an error.
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw Diagnostic(file: dir, "cannot create its parent directory \(parent.path) (\(error.localizedDescription))")
        }
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: target.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Diagnostic(file: dir, "exists and is not a directory") }
            let contents = (try? fm.contentsOfDirectory(atPath: target.path)) ?? []
            guard contents.isEmpty || contents.contains(marker) else {
                throw Diagnostic(file: dir, "exists and was not written by Mote; refusing to replace it")
            }
        }
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw Diagnostic(file: dir, "cannot be written (\(error.localizedDescription))")
        }
        do {
            for file in files {
                let url = staging.appendingPathComponent(file.path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.bytes).write(to: url)
            }
            if fm.fileExists(atPath: target.path) {
                let old = parent.appendingPathComponent(".\(target.lastPathComponent).old-\(UUID().uuidString)")
                try fm.moveItem(at: target, to: old)
                do {
                    try fm.moveItem(at: staging, to: target)
                } catch {
                    try? fm.moveItem(at: old, to: target)
                    throw error
                }
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: staging, to: target)
            }
        } catch let d as Diagnostic {
            try? fm.removeItem(at: staging)
            throw d
        } catch {
            try? fm.removeItem(at: staging)
            throw Diagnostic(file: dir, "cannot be written (\(error.localizedDescription))")
        }
    }
}
