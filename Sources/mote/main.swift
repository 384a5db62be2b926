import Foundation
import MoteCLI

// The executable is a thin shell: everything else lives in MoteCLI so tests can run commands in-process.
let console = Console(
    out: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) },
    err: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
)
exit(Tool.main(Array(CommandLine.arguments.dropFirst()), console: console).rawValue)
