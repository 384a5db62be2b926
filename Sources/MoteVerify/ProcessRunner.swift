import Foundation
import MoteIR

/// Runs external programs (the C compiler, the compiled harness) with a time limit. This target is the only
/// one that spawns processes.
public enum ProcessRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var timedOut: Bool
    }

    /// Runs `executable` with `arguments`; stdout and stderr are captured together.
    public static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 300) throws -> Result {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        // The C locale: Mote parses what the tools print (ld's --print-gc-sections lines, size, nm, objdump).
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Diagnostic("cannot start \(executable): \(error.localizedDescription)")
        }
        // Drain the pipe while waiting so a chatty process cannot block on a full pipe.
        let collector = OutputCollector()
        let reader = Thread { collector.data = pipe.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                timedOut = true
                break
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        process.waitUntilExit()
        while !collector.done { Thread.sleep(forTimeInterval: 0.001) }
        return Result(status: process.terminationStatus, output: String(decoding: collector.data ?? Data(), as: UTF8.self), timedOut: timedOut)
    }

    private final class OutputCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Data?
        private var finished = false
        var data: Data? {
            get { lock.lock(); defer { lock.unlock() }; return stored }
            set { lock.lock(); stored = newValue; finished = true; lock.unlock() }
        }
        var done: Bool { lock.lock(); defer { lock.unlock() }; return finished }
    }

    /// True when `tool` can be found on PATH.
    public static func isAvailable(_ tool: String) -> Bool {
        (try? run("sh", ["-c", "command -v \(tool)"], timeout: 10))?.status == 0
    }
}
