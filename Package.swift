// swift-tools-version:6.0
// Mote: ONNX → calibrated, quantized, dependency-free C99 for microcontrollers.
// Toolchain only: Foundation and XCTest, no third-party packages.
import PackageDescription

// MoteFloat's GEMM micro-kernels are written with SIMD8<Float> + fused multiply-add: on x86_64 they need AVX2/FMA
// code generation (measured 3.4× faster on ResNet-8 than the SSE2 baseline). The built tool then needs an
// AVX2/FMA CPU (Intel Haswell 2013+, AMD Zen/Excavator+).
#if arch(x86_64)
let moteFloatSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"]), .define("MOTE_FMA")]
#else
let moteFloatSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "Mote",
    products: [
        .executable(name: "mote", targets: ["mote"]),
    ],
    targets: [
        // Graph IR, shapes, diagnostics, graph passes. Imports Foundation only.
        .target(name: "MoteIR"),
        // numpy .npy reader/writer (bytes in, bytes out).
        .target(name: "MoteNPY"),
        // Protobuf wire reader, ONNX messages, ONNX → IR (one file per op).
        .target(name: "MoteONNX", dependencies: ["MoteIR"]),
        // The one Swift source of integer arithmetic (requantization, saturation, int4 packing), mirrored by
        // Templates/runtime/mote_fixedpoint.h.
        .target(name: "MoteFixedPoint"),
        // Float reference kernels and the interpreter (also the calibration engine).
        .target(name: "MoteFloat", dependencies: ["MoteIR"], swiftSettings: moteFloatSettings),
        // Calibration and quantization: float Graph + calibration data → QModel (runs the integer layers it
        // builds, so GPTQ sees each layer's real quantized inputs).
        .target(name: "MoteQuant", dependencies: ["MoteIR", "MoteFloat", "MoteFixedPoint", "MoteInteger"]),
        // Bit-exact integer reference interpreter of a QModel: the golden model for the emitted C.
        .target(name: "MoteInteger", dependencies: ["MoteIR", "MoteFixedPoint"]),
        // Schedule, tensor lifetimes, arena placement, in-place decisions.
        .target(name: "MotePlan", dependencies: ["MoteIR"]),
        // QModel → C source text (no file I/O); the C templates are embedded in Generated/Templates.swift.
        .target(name: "MoteCodegen", dependencies: ["MoteIR", "MoteFixedPoint", "MotePlan"]),
        // Flash/RAM/MACs per layer, budgets, JSON/Markdown/SVG (pure: measurements come in as values).
        .target(name: "MoteReport", dependencies: ["MoteIR", "MotePlan"]),
        // Builds the emitted C with gcc, runs it, compares with MoteInteger: the only target that spawns processes.
        .target(name: "MoteVerify", dependencies: ["MoteIR", "MoteInteger", "MoteCodegen", "MoteReport"]),
        // Command implementations: argument parsing, file I/O, diagnostics, exit codes.
        .target(name: "MoteCLI", dependencies: ["MoteIR", "MoteNPY", "MoteONNX", "MoteFloat", "MoteQuant",
                                                "MoteInteger", "MotePlan", "MoteCodegen", "MoteReport", "MoteVerify"]),
        .executableTarget(name: "mote", dependencies: ["MoteCLI"]),

        // Helpers every test target shares (a seeded generator).
        .target(name: "MoteTestSupport", path: "Tests/MoteTestSupport"),

        .testTarget(name: "MoteIRTests", dependencies: ["MoteTestSupport", "MoteIR"]),
        .testTarget(name: "MoteNPYTests", dependencies: ["MoteTestSupport", "MoteNPY"]),
        .testTarget(name: "MoteONNXTests", dependencies: ["MoteTestSupport", "MoteONNX", "MoteIR"]),
        .testTarget(name: "MoteFixedPointTests", dependencies: ["MoteTestSupport", "MoteFixedPoint"]),
        .testTarget(name: "MoteQuantTests", dependencies: ["MoteTestSupport", "MoteQuant", "MoteFloat", "MoteInteger", "MoteIR"]),
        .testTarget(name: "MotePlanTests", dependencies: ["MoteTestSupport", "MotePlan", "MoteIR"]),
        .testTarget(name: "MoteReportTests", dependencies: ["MoteTestSupport", "MoteReport", "MotePlan", "MoteVerify", "MoteCodegen", "MoteIR"]),
        .testTarget(name: "MoteIntegerTests", dependencies: ["MoteTestSupport", "MoteInteger", "MoteFixedPoint", "MoteIR", "MoteCodegen", "MotePlan", "MoteVerify"]),
        .testTarget(name: "MoteCodegenTests", dependencies: ["MoteTestSupport", "MoteCodegen", "MoteInteger", "MoteIR"], exclude: ["Golden"]),
        .testTarget(name: "MoteFloatTests", dependencies: ["MoteTestSupport", "MoteFloat", "MoteIR"]),
        .testTarget(
            name: "MoteEndToEndTests",
            dependencies: ["MoteTestSupport", "MoteCLI", "MoteONNX", "MoteFloat", "MoteNPY", "MoteIR", "MoteQuant", "MoteInteger",
                           "MoteCodegen", "MoteVerify"]
        ),
    ]
)
