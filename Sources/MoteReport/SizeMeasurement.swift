/// What a compiler and linker actually made of the emitted C, per target. Produced by `MoteVerify.SizeProbe`
/// (which runs gcc, `size`, `nm`); a plain value here so that the report stays a pure function of its inputs.
public struct SizeMeasurement: Sendable, Equatable, Codable {
    /// One entry per toolchain that was run, in a fixed order: "host" first, then "cortex-m4".
    public var targets: [TargetMeasurement]

    public init(targets: [TargetMeasurement]) {
        self.targets = targets
    }

    public func target(_ name: String) -> TargetMeasurement? { targets.first { $0.target == name } }

    /// The target whose figures the report's totals use: the microcontroller when it was measured, else the host.
    public var preferred: TargetMeasurement? { target(TargetMeasurement.cortexM4) ?? target(TargetMeasurement.host) }
}

/// Berkeley `size` figures: `text` includes read-only data (that is where `size` puts `.rodata`).
public struct SectionSizes: Sendable, Equatable, Codable {
    public var text: Int
    public var data: Int
    public var bss: Int

    public init(text: Int, data: Int, bss: Int) {
        self.text = text
        self.data = data
        self.bss = bss
    }

    /// What occupies flash: code and constants, plus the initial values of `.data`.
    public var flash: Int { text + data }
    /// What occupies RAM statically.
    public var ram: Int { data + bss }

    public static func - (a: SectionSizes, b: SectionSizes) -> SectionSizes {
        SectionSizes(text: a.text - b.text, data: a.data - b.data, bss: a.bss - b.bss)
    }
}

/// One object file as `size` reports it.
public struct ObjectSize: Sendable, Equatable, Codable {
    public var file: String
    public var sizes: SectionSizes

    public init(file: String, sizes: SectionSizes) {
        self.file = file
        self.sizes = sizes
    }
}

/// A sized symbol as `nm -S` reports it.
public struct SymbolSize: Sendable, Equatable, Codable {
    public var name: String
    public var bytes: Int

    public init(name: String, bytes: Int) {
        self.name = name
        self.bytes = bytes
    }
}

/// One stack frame on the deepest call chain.
public struct StackFrame: Sendable, Equatable, Codable {
    public var function: String
    public var bytes: Int
    /// "su" (gcc's `-fstack-usage`), or "disassembly" (a library routine without a `.su` entry, whose frame was
    /// read from the prologue of the linked image), or "unknown" (counted as 0).
    public var source: String

    public init(function: String, bytes: Int, source: String) {
        self.function = function
        self.bytes = bytes
        self.source = source
    }
}

/// Worst-case stack depth of `<name>_run`: the heaviest path through the static call graph.
public struct StackMeasurement: Sendable, Equatable, Codable {
    /// Sum of the frames on `chain`.
    public var bytes: Int
    /// From `<name>_run` down to the deepest callee.
    public var chain: [StackFrame]
    /// Functions reachable from `<name>_run` whose frame could not be measured (counted as 0), sorted.
    public var unresolved: [String]
    /// True when some reachable frame is dynamic (`-fstack-usage` said "dynamic"): then `bytes` is no bound.
    public var dynamic: Bool
    /// True when the call graph has a cycle reachable from `<name>_run` (recursion): then `bytes` is no bound.
    public var recursive: Bool

    public init(bytes: Int, chain: [StackFrame], unresolved: [String] = [], dynamic: Bool = false, recursive: Bool = false) {
        self.bytes = bytes
        self.chain = chain
        self.unresolved = unresolved
        self.dynamic = dynamic
        self.recursive = recursive
    }

    /// Whether `bytes` is a sound upper bound.
    public var isBound: Bool { unresolved.isEmpty && !dynamic && !recursive }
}

/// A firmware-style link: a tiny `main` calling `<name>_run`, minus the same `main` linked against a stub, so that
/// the C library and the startup code cancel out.
public struct LinkMeasurement: Sendable, Equatable, Codable {
    public var image: SectionSizes
    public var baseline: SectionSizes
    /// The flags of the link.
    public var flags: [String]
    /// Library routines the model pulls into the image (in the image, in neither the objects nor the baseline:
    /// memcpy, libgcc's 64-bit division, ...), sorted by name.
    public var library: [SymbolSize]

    public init(image: SectionSizes, baseline: SectionSizes, flags: [String], library: [SymbolSize]) {
        self.image = image
        self.baseline = baseline
        self.flags = flags
        self.library = library
    }

    /// What the model adds to a firmware image (code, constants, library routines it pulls in, arena).
    public var model: SectionSizes { image - baseline }
    public var libraryBytes: Int { library.reduce(0) { $0 + $1.bytes } }
}

/// Everything measured for one toolchain.
public struct TargetMeasurement: Sendable, Equatable, Codable {
    public static let host = "host"
    public static let cortexM4 = "cortex-m4"

    /// "host" or "cortex-m4".
    public var target: String
    /// First line of `<compiler> --version`.
    public var compiler: String
    public var flags: [String]
    /// Every object, sorted by file name.
    public var objects: [ObjectSize]
    /// Bytes of functions (`.text*` sections) over all objects: kernels, `<name>_run`, helpers.
    public var codeBytes: Int
    /// Functions and their sizes (`nm`), sorted by name.
    public var functions: [SymbolSize]
    /// Read-only data (`.rodata*`) of `<name>.o`: the model's `static const` weights, tables and parameter blocks.
    public var modelConstantBytes: Int
    /// Read-only data of the kernel objects (switch tables, literals).
    public var runtimeConstantBytes: Int
    /// Initialised data (`.data*`) over all objects: costs flash (initial values) and RAM.
    public var dataBytes: Int
    /// Size of the `<name>_arena` symbol (`.bss`).
    public var arenaBytes: Int
    /// `.bss` beyond the arena, over all objects.
    public var otherBssBytes: Int
    /// Other allocated sections (e.g. the host's unwind tables), counted by `size` as text.
    public var otherBytes: Int
    /// Per layer, the `static const` symbols of `<name>.o` that belong to it (sorted by name).
    public var layerSymbols: [[SymbolSize]]
    /// Read-only symbols of `<name>.o` that belong to no layer.
    public var otherModelSymbols: [SymbolSize]
    public var stack: StackMeasurement
    /// Present for the microcontroller target.
    public var link: LinkMeasurement?
    /// Sections of flash (code, constants, initial data) that the check link's `--gc-sections` left out because
    /// nothing reaches them from `<name>_run` ("object: section", sorted): kernel paths no layer takes, the float
    /// conversion helpers. The other fields leave them out; `objects` and `total` are the objects as compiled.
    public var unlinked: [SymbolSize]

    public init(target: String, compiler: String, flags: [String], objects: [ObjectSize], codeBytes: Int,
                functions: [SymbolSize], modelConstantBytes: Int, runtimeConstantBytes: Int, dataBytes: Int,
                arenaBytes: Int, otherBssBytes: Int, otherBytes: Int, layerSymbols: [[SymbolSize]],
                otherModelSymbols: [SymbolSize], stack: StackMeasurement, link: LinkMeasurement?, unlinked: [SymbolSize] = []) {
        self.target = target
        self.compiler = compiler
        self.flags = flags
        self.objects = objects
        self.codeBytes = codeBytes
        self.functions = functions
        self.modelConstantBytes = modelConstantBytes
        self.runtimeConstantBytes = runtimeConstantBytes
        self.dataBytes = dataBytes
        self.arenaBytes = arenaBytes
        self.otherBssBytes = otherBssBytes
        self.otherBytes = otherBytes
        self.layerSymbols = layerSymbols
        self.otherModelSymbols = otherModelSymbols
        self.stack = stack
        self.link = link
        self.unlinked = unlinked
    }

    /// Sum of `size` over the objects.
    public var total: SectionSizes {
        objects.reduce(SectionSizes(text: 0, data: 0, bss: 0)) {
            SectionSizes(text: $0.text + $1.sizes.text, data: $0.data + $1.sizes.data, bss: $0.bss + $1.sizes.bss)
        }
    }

    /// Flash of the emitted C: code, constants and initial data of every object, less what the link left out,
    /// plus the library routines it pulls into a linked image (both measured when the target was linked).
    public var flashBytes: Int { total.flash - unlinkedBytes + (link?.libraryBytes ?? 0) }
    public var unlinkedBytes: Int { unlinked.reduce(0) { $0 + $1.bytes } }
    /// Static RAM beyond the arena (other `.bss` and `.data`).
    public var staticBytes: Int { otherBssBytes + dataBytes }
    /// Constant bytes of each layer (sum of its symbols).
    public var layerConstantBytes: [Int] { layerSymbols.map { $0.reduce(0) { $0 + $1.bytes } } }
}
