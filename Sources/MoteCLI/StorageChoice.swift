import MoteCodegen
import MoteIR
import MoteReport

/// Sparse storage is chosen per layer when its bytes are fewer than dense, but it brings the sparse kernels'
/// code: on a small model that code can outweigh the bytes saved. So, when the size can be measured, each
/// kernel kind (conv, dense) whose layers are stored sparse is also tried with those layers dense, and the
/// program with the smaller measured flash is kept. Same values and arithmetic either way.
enum StorageChoice {
    struct Chosen {
        var program: QModel
        var emitted: [EmittedFile]
        var measurement: SizeMeasurement?
        var fallback: DenseFallback?
    }

    /// `measure` returns nil when the size cannot be measured; then the per-layer choice stands.
    static func smallest(_ program: QModel, emit: (QModel) throws -> [EmittedFile],
                         measure: ([EmittedFile]) -> SizeMeasurement?) throws -> Chosen {
        let emitted = try emit(program)
        var best = Chosen(program: program, emitted: emitted, measurement: measure(emitted), fallback: nil)
        guard let sparseFlash = best.measurement?.preferred?.flashBytes else { return best }
        var bestFlash = sparseFlash
        var densified: [String] = []
        for kind in ["conv", "dense"] {
            let sparse = best.program.sparseLayerIndices(kind: kind)
            guard !sparse.isEmpty else { continue }
            let candidate = best.program.storingDense(sparse)
            let candidateEmitted = try emit(candidate)
            guard let m = measure(candidateEmitted), let f = m.preferred?.flashBytes, f < bestFlash else { continue }
            best = Chosen(program: candidate, emitted: candidateEmitted, measurement: m, fallback: nil)
            bestFlash = f
            densified += sparse.map { candidate.layers[$0].name }
        }
        if !densified.isEmpty { best.fallback = DenseFallback(layers: densified, sparseFlashBytes: sparseFlash) }
        return best
    }
}
