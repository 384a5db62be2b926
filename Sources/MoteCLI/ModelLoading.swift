import MoteIR
import MoteONNX

/// Reads and imports a model file.
enum ModelLoading {
    static func load(_ path: String, options: ImportOptions = ImportOptions()) throws -> (ONNXModel, Graph) {
        let bytes = try Files.read(path)
        let model: ONNXModel
        do {
            model = try ONNXDecoder.decodeModel(bytes)
        } catch let d as Diagnostic {
            throw d.inFile(path)
        }
        return (model, try ONNXImport.graph(from: model, file: path, options: options))
    }
}
