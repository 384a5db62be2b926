import MoteIR

/// Where a command writes: injected so tests can run commands in-process and read what they print.
public struct Console {
    public var out: (String) -> Void
    public var err: (String) -> Void

    public init(out: @escaping (String) -> Void, err: @escaping (String) -> Void) {
        self.out = out
        self.err = err
    }
}

/// Exit codes, the contract scripts rely on.
public enum ExitCode: Int32 {
    case ok = 0
    case inputError = 1
    case usage = 2
    case budgetOrMismatch = 3
}

/// The `mote` command line.
public enum Tool {
    static let usage = """
    usage: mote <command> [options]

    commands:
      inspect MODEL.onnx [--json]                        inputs, outputs, every node with shapes, parameters, MACs
      run MODEL.onnx --input X.npy [--input …] --output Y.npy [--output …]
                                                         run the float reference interpreter on a batch
      compile MODEL.onnx --calibration CAL.npy -o DIR [--name NAME] [--calibrate minmax|percentile|mse]
              [--no-bias-correction] [--flash-budget B] [--ram-budget B] [--json]
                                                         calibrate, quantize to int8, emit C99 and a size report
      report DIR [--json] [--flash-budget B] [--ram-budget B]
                                                         flash/RAM per layer and in total, against budgets
      verify DIR --input X.npy [--labels L.npy] [--output Q.npy]
             [--target host|cortex-m0|cortex-m3|cortex-m4|cortex-m7|cortex-m33] [--json]
                                                         build the C with gcc (strict, sanitizers) or for a Cortex-M
                                                         core under QEMU, compare every output byte with the Swift
                                                         integer interpreter
      bench DIR [--target cortex-m0|cortex-m3|cortex-m4|cortex-m7|cortex-m33] [--inferences N] [--json]
                                                         executed instructions per inference and per layer under
                                                         QEMU (-icount, Mote's plugin), per MAC, flash and RAM
    exit codes: 0 ok, 1 input or model error, 2 usage error, 3 budget exceeded or verification mismatch
    sizes: bytes, or with a KiB/MiB suffix (e.g. 256KiB)
    """

    /// Runs one command; returns the process exit code.
    public static func main(_ arguments: [String], console: Console) -> ExitCode {
        guard let command = arguments.first else {
            console.err(usage)
            return .usage
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "inspect": try InspectCommand.run(rest, console: console)
            case "run": try RunCommand.run(rest, console: console)
            case "compile": return try CompileCommand.run(rest, console: console)
            case "report": return try ReportCommand.run(rest, console: console)
            case "verify": return try VerifyCommand.run(rest, console: console)
            case "bench": return try BenchCommand.run(rest, console: console)
            case "help", "--help", "-h":
                console.out(usage)
            default:
                throw UsageError("unknown command '\(Diagnostic.printable(command))'")
            }
            return .ok
        } catch let e as UsageError {
            console.err("mote: \(e.description)\n\n\(usage)")
            return .usage
        } catch let d as Diagnostic {
            console.err("error: \(d.description)")
            return .inputError
        } catch let list as DiagnosticList {
            let n = list.diagnostics.count
            console.err((n > 1 ? ["error: \(n) problems:"] : []) + list.diagnostics.map { "error: \($0.description)" } |> { $0.joined(separator: "\n") })
            return .inputError
        } catch {
            console.err("error: \(error)")
            return .inputError
        }
    }
}

infix operator |>: AdditionPrecedence
func |> <A, B>(a: A, f: (A) -> B) -> B { f(a) }
