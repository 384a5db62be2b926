// swift-tools-version:6.0
// Mote: ONNX → calibrated, quantized, dependency-free C99 for microcontrollers.
// Toolchain only: Foundation and XCTest, no third-party packages.
import PackageDescription

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
        // Float reference kernels and the interpreter (also the calibration engine).
        .target(name: "MoteFloat", dependencies: ["MoteIR"]),
        // Command implementations: argument parsing, file I/O, diagnostics, exit codes.
        .target(name: "MoteCLI", dependencies: ["MoteIR", "MoteNPY", "MoteONNX", "MoteFloat"]),
        .executableTarget(name: "mote", dependencies: ["MoteCLI"]),

        .testTarget(name: "MoteIRTests", dependencies: ["MoteIR"]),
        .testTarget(name: "MoteNPYTests", dependencies: ["MoteNPY"]),
        .testTarget(name: "MoteONNXTests", dependencies: ["MoteONNX", "MoteIR"]),
        .testTarget(name: "MoteFloatTests", dependencies: ["MoteFloat", "MoteIR"]),
        .testTarget(
            name: "MoteEndToEndTests",
            dependencies: ["MoteCLI", "MoteONNX", "MoteFloat", "MoteNPY", "MoteIR"]
        ),
    ]
)
