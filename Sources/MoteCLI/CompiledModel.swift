import Foundation
import MoteIR

/// The metadata `mote compile` writes beside the C (`mote.json`), read back by `verify` and `report`.
struct CompileMetadata: Codable {
    var format: Int = 1
    var toolVersion: String
    var name: String
    var modelSha256: String
    var sourceModel: String
    /// The default width of conv/dense weights ("int8" or "int4"); per-layer choices are in `qmodel.json`.
    var weights: String
    var calibration: Calibration
    /// nil in directories written before compression existed.
    var compression: Compression?

    struct Calibration: Codable {
        var method: String
        var samples: Int
        var biasCorrection: Bool
    }

    /// The compression options as given (`--rounding`, `--prune`, ...).
    struct Compression: Codable {
        var rounding: String
        var keepEndsInt8: Bool
        var layerWeights: [String: String]
        var prune: Double
        var layerPrune: [String: Double]
        var pruneStructured: Double
        var accuracyBudget: Double?
    }
}

/// What a compiled directory holds, and how its parts are named.
enum CompiledModel {
    static let metadataFile = OutputDirectory.marker
    static let sourceModelFile = "model.onnx"
    static let programFile = "qmodel.json"

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array((try JSON.encode(value) + "\n").utf8)
    }

    static func load(_ dir: String) throws -> (CompileMetadata, QModel, [UInt8]) {
        let base = URL(fileURLWithPath: dir)
        let metaPath = base.appendingPathComponent(metadataFile).path
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let meta: CompileMetadata
        do {
            meta = try decoder.decode(CompileMetadata.self, from: Data(try Files.read(metaPath)))
        } catch let d as Diagnostic {
            throw Diagnostic(file: dir, "is not a directory written by `mote compile` (\(d.message))")
        } catch {
            throw Diagnostic(file: metaPath, "cannot be read: \(error)")
        }
        let programPath = base.appendingPathComponent(programFile).path
        let program: QModel
        do {
            program = try decoder.decode(QModel.self, from: Data(try Files.read(programPath)))
        } catch let d as Diagnostic {
            throw d
        } catch {
            throw Diagnostic(file: programPath, "cannot be read: \(error)")
        }
        let source = try Files.read(base.appendingPathComponent(sourceModelFile).path)
        return (meta, program, source)
    }
}
