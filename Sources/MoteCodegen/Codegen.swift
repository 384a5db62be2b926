import MoteIR
import MotePlan

/// What the caller decides about the emitted C.
public struct CodegenOptions: Sendable, Equatable {
    /// C prefix of every emitted symbol and file (`<name>.h`, `<name>_run`, `<NAME>_ARENA_BYTES`): a letter then
    /// letters, digits or `_`, at most 64 characters; not `mote` or `mote_…` (the runtime's names).
    public var name: String
    /// Mote's version, written in the header comments.
    public var toolVersion: String
    /// Hex SHA-256 of the source ONNX bytes, written in the header comments.
    public var modelHash: String

    public init(name: String = "model", toolVersion: String, modelHash: String) {
        self.name = name
        self.toolVersion = toolVersion
        self.modelHash = modelHash
    }
}

/// One emitted file: a path relative to the output directory and its text.
public struct EmittedFile: Sendable, Equatable {
    public var path: String
    public var contents: String

    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// QModel → C99 source files, as values: no file I/O, and byte-identical output for the same model and options.
public enum Codegen {
    /// `<name>.h`, `<name>.c`, then the runtime files (`mote_kernels.h`, `mote_fixedpoint.h`, …) and the kernel
    /// files the model uses (`mote_<op>.c`), each group sorted by path. Throws a `Diagnostic` for an invalid
    /// name or a malformed model.
    public static func emit(_ model: QModel, options: CodegenOptions) throws -> [EmittedFile] {
        try checkName(options.name)
        try ModelCheck.validate(model)
        let plan = MemoryPlanner.plan(model)
        let unit = try Unit(model: model, options: options, plan: plan)
        var files = [
            EmittedFile(path: "\(options.name).h", contents: unit.header()),
            EmittedFile(path: "\(options.name).c", contents: unit.source()),
        ]
        files += try runtimeFiles(kernels: unit.kernels)
        return files
    }

    /// The memory plan `emit` uses, for reports (`arenaBytes` is `<NAME>_ARENA_BYTES`). Like `emit`, it expects a
    /// valid model, but never traps on an invalid one.
    public static func memoryPlan(_ model: QModel) -> MemoryPlan { MemoryPlanner.plan(model) }

    /// The same plan's offsets and size (`size` is `<NAME>_ARENA_BYTES`).
    public static func arenaPlan(_ model: QModel) -> ArenaPlan { ArenaPlan(memoryPlan(model)) }

    /// Names a user may not pick: the runtime's prefix, and standard headers the emitted files include (a
    /// `string.h` next to the model would shadow the system one under `-I.`).
    static let reservedNames: Set<String> = ["mote", "stdint", "stddef", "string", "stdlib", "stdio", "limits",
                                             "float", "math", "assert", "inttypes", "stdbool"]

    static func checkName(_ name: String) throws {
        let lower = name.lowercased()
        guard CText.isValidIdentifier(name), !name.hasPrefix("_"), name.utf8.count <= 64 else {
            throw Diagnostic("name '\(Diagnostic.printable(name))' is not usable as a C prefix: use a letter followed by letters, digits or '_' (at most 64 characters)")
        }
        guard !reservedNames.contains(lower), !lower.hasPrefix("mote_") else {
            throw Diagnostic("name '\(Diagnostic.printable(name))' is reserved (it would clash with the Mote runtime or a standard header): pick another --name")
        }
    }

    /// Every runtime file (headers shared by all kernels), then the kernel files in `kernels`, by path.
    static func runtimeFiles(kernels: [String]) throws -> [EmittedFile] {
        var files: [EmittedFile] = []
        for key in Templates.files.keys.sorted() where key.hasPrefix("runtime/") {
            files.append(EmittedFile(path: String(key.dropFirst("runtime/".count)), contents: Templates.files[key] ?? ""))
        }
        for kernel in kernels.sorted() {
            guard let text = Templates.files["kernels/\(kernel)"] else {
                throw Diagnostic("internal error: no kernel template '\(kernel)' is embedded in this build of mote")
            }
            files.append(EmittedFile(path: kernel, contents: text))
        }
        return files
    }
}
