import Foundation
import MoteFloat
import MoteIR
import MoteNPY

/// `mote run MODEL.onnx --input X.npy --output Y.npy`: the float interpreter over a batch.
enum RunCommand {
    static func run(_ args: [String], console: Console) throws {
        let parsed = try Arguments(args, valueOptions: ["--input", "--output"], flagOptions: [])
        let path = try parsed.onePositional("MODEL.onnx")
        let inputPaths = parsed.all("--input")
        let outputPaths = parsed.all("--output")
        guard !inputPaths.isEmpty else { throw UsageError("missing --input X.npy") }
        guard !outputPaths.isEmpty else { throw UsageError("missing --output Y.npy") }
        let (_, graph) = try ModelLoading.load(path)
        guard inputPaths.count == graph.inputs.count else {
            throw UsageError("the model has \(graph.inputs.count) inputs (\(graph.inputs.map { Diagnostic.printable(graph[$0].name) }.joined(separator: ", "))); give --input once for each, in that order")
        }
        guard outputPaths.count == graph.outputs.count else {
            throw UsageError("the model has \(graph.outputs.count) outputs; give --output once for each")
        }
        let inputs = try zip(inputPaths, graph.inputs).map { file, id in
            try NPYFiles.readFloats(file, expecting: graph[id].type.shape, name: graph[id].name)
        }
        let interpreter = try FloatInterpreter(graph: graph)
        let outputs: [FloatTensor]
        do {
            outputs = try interpreter.runBatch(inputs)
        } catch let d as Diagnostic {
            throw d.inFile(path)
        }
        // Encode everything first, then write: an error leaves no partial set of outputs.
        let encoded = try zip(outputs, outputPaths).map { NPY.encode(try NPYFiles.float32Array($0.data, shape: $0.shape, for: $1)) }
        for (bytes, file) in zip(encoded, outputPaths) { try Files.write(bytes, to: file) }
    }
}

/// `.npy` files as float tensors, with errors naming the file.
enum NPYFiles {
    /// A float32 array for writing, refusing (instead of trapping on) a shape that does not hold the data.
    static func float32Array(_ data: [Float], shape: [Int], for path: String) throws -> NPYArray {
        do {
            return try NPYArray(storage: .float32(data), shape: shape)
        } catch let e as NPYError {
            throw Diagnostic(file: path, e.message)
        }
    }

    /// Reads a numeric array and checks that it is either one sample of `shape` or a batch of them.
    static func readFloats(_ path: String, expecting shape: [Int], name: String) throws -> FloatTensor {
        let array: NPYArray
        do {
            array = try NPY.decode(try Files.read(path))
        } catch let e as NPYError {
            throw Diagnostic(file: path, e.message)
        }
        let sample = Array(shape.dropFirst())
        let fits = array.shape == shape || (array.shape.count == shape.count && Array(array.shape.dropFirst()) == sample && shape.first == 1)
        guard fits, array.count > 0 else {
            let batched = shape.first == 1 ? " or [B\(sample.isEmpty ? "" : ",")\(sample.map(String.init).joined(separator: ","))]" : ""
            throw Diagnostic(file: path, "array shape \(Shape.describe(array.shape)) does not fit input '\(Diagnostic.printable(name))' of shape \(Shape.describe(shape)) (expected \(Shape.describe(shape))\(batched))")
        }
        let values = array.asFloats()
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw Diagnostic(file: path, "element \(bad) is \(values[bad]); inputs must be finite numbers")
        }
        return FloatTensor(shape: array.shape, data: values)
    }
}
