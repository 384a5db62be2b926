import MoteIR
import MotePlan

/// One layer's share of `<name>.c`: its comment block and constants (file scope) and its lines in `<name>_run`.
struct EmittedLayer {
    var definitions: String
    var call: String
    /// The kernel files the layer calls into: `mote_<op>.c` and any file that one calls (`mote_conv_int4.c`
    /// needs `mote_conv.c`); empty for a layer that needs no kernel (reshape).
    var kernels: [String]
    /// Bytes of `static const` arrays (weights as stored, biases, requant, tables): flash, not counting parameter blocks.
    var constantBytes: Int
    var macs: Int
}

/// Writes one layer. The model is validated: indices are in range and every count fits the kernels' `int32_t`.
struct LayerEmitter {
    let model: QModel
    let plan: MemoryPlan
    let prefix: String
    let index: Int
    /// The layer's unique identifier fragment: its symbols are `<prefix>_<id>_<suffix>`. The suffixes
    /// (`weights`, `bias`, `multiplier`, `shift`, `table`, `exp`, `parts`, `params`) are chosen so that none ends
    /// with another, which keeps the symbols of different layers apart.
    let id: String

    var layer: QLayer { model.layers[index] }
    func symbol(_ suffix: String) -> String { "\(prefix)_\(id)_\(suffix)" }

    func error(_ message: String) -> Diagnostic { Diagnostic(node: layer.name, op: layer.op.name, message) }

    /// A count, dimension or offset as `int32_t` text; validation bounds them far below 2^31.
    func i32(_ value: Int) throws -> String {
        guard let v = Int32(exactly: value) else { throw error("value \(value) does not fit in int32_t") }
        return CText.int32(v)
    }

    /// `arena + 64`: where tensor `t` lives.
    func at(_ t: Int) -> String { "arena + \(plan.offsets[t])" }

    func emit() throws -> EmittedLayer {
        var body = ""          // constants and the parameter block
        var call = ""
        var kernel: String? = nil
        var helpers: [String] = []
        var constants = 0
        var macs = 0
        var details: [String] = []
        let op = layer.op
        let tag = "\(index): \(op.name) \(CText.quoted(layer.name))"
        func line(_ text: String) { call += "    \(text)\n" }

        switch op {
        case .conv(let p):
            // int4 and sparse layers call their own kernel files, so int8 models neither carry nor run their code.
            let function = Self.function("mote_conv", p.weightStorage)
            kernel = function + ".c"
            if function == "mote_conv_int4" { helpers = ["mote_conv.c"] }  // it runs mote_conv on each decoded row
            macs = p.macs
            let pairs = MemoryPlanner.pairsWeightRows(p, storage: p.weightStorage)
            let w = try weightArrays(p.weights, p.weightStorage, rowPairs: pairs)
            let scratch = scratchPointer()
            constants = w.bytes + 12 * p.outChannels
            details.append("kernel \(p.kernelHeight)x\(p.kernelWidth), stride \(p.strideHeight)x\(p.strideWidth), dilation \(p.dilationHeight)x\(p.dilationWidth), pad top \(p.padTop) left \(p.padLeft), groups \(p.groups)")
            details.append("MACs \(p.macs); \(w.summary); bias \(4 * p.bias.count) bytes\(pairs ? " (input offset folded in)" : ""), requant \(8 * p.requant.count) bytes")
            if let note = scratch.note { details.append(note) }
            body += w.definitions
            // The im2col path (paired rows) multiplies the raw inputs: its bias carries the input offset.
            body += array("int32_t", symbol("bias"), p.kernelBias(pairs: pairs).map(CText.int32))
            body += array("int32_t", symbol("multiplier"), p.requant.map { CText.int32($0.multiplier) })
            body += array("int32_t", symbol("shift"), p.requant.map { CText.int32($0.shift) })
            body += params("mote_conv_params", [
                ("batch", try i32(p.batch)),
                ("in_channels", try i32(p.inChannels)), ("in_height", try i32(p.inHeight)), ("in_width", try i32(p.inWidth)),
                ("out_channels", try i32(p.outChannels)), ("out_height", try i32(p.outHeight)), ("out_width", try i32(p.outWidth)),
                ("kernel_height", try i32(p.kernelHeight)), ("kernel_width", try i32(p.kernelWidth)),
                ("stride_height", try i32(p.strideHeight)), ("stride_width", try i32(p.strideWidth)),
                ("dilation_height", try i32(p.dilationHeight)), ("dilation_width", try i32(p.dilationWidth)),
                ("pad_top", try i32(p.padTop)), ("pad_left", try i32(p.padLeft)),
                ("groups", try i32(p.groups)),
            ] + w.fields + [
                ("weight_max_row_nonzeros", try i32(w.encoded.storage.encoding == .sparse ? w.encoded.storage.maxRowNonZeros : 0)),
                ("scratch", scratch.pointer),
                ("bias", symbol("bias")),
                ("multiplier", symbol("multiplier")), ("shift", symbol("shift")),
                ("input_offset", CText.int32(p.inputOffset)), ("output_zero_point", CText.int32(p.outputZeroPoint)),
                ("clamp_min", CText.int32(p.clampMin)), ("clamp_max", CText.int32(p.clampMax)),
            ])
            let entry = Self.convEntry(p, function: function, pairs: pairs, hasScratch: scratch.pointer != "NULL")
            line("\(entry)(&\(symbol("params")), \(entry == function ? "" : "NULL, ")\(at(p.input)), \(at(p.output)));")

        case .dense(let p):
            let function = Self.function("mote_dense", p.weightStorage)
            kernel = function + ".c"
            macs = p.macs
            let w = try weightArrays(p.weights, p.weightStorage)
            constants = w.bytes + 12 * p.outFeatures
            details.append("MACs \(p.macs); \(w.summary); bias \(4 * p.bias.count) bytes, requant \(8 * p.requant.count) bytes")
            body += w.definitions
            body += array("int32_t", symbol("bias"), p.kernelBias(storage: p.weightStorage).map(CText.int32))
            body += array("int32_t", symbol("multiplier"), p.requant.map { CText.int32($0.multiplier) })
            body += array("int32_t", symbol("shift"), p.requant.map { CText.int32($0.shift) })
            body += params("mote_dense_params", [
                ("rows", try i32(p.rows)), ("in_features", try i32(p.inFeatures)), ("out_features", try i32(p.outFeatures)),
            ] + w.fields + [
                ("bias", symbol("bias")),
                ("multiplier", symbol("multiplier")), ("shift", symbol("shift")),
                ("input_offset", CText.int32(p.inputOffset)), ("output_zero_point", CText.int32(p.outputZeroPoint)),
                ("clamp_min", CText.int32(p.clampMin)), ("clamp_max", CText.int32(p.clampMax)),
            ])
            line("\(function)(&\(symbol("params")), \(at(p.input)), \(at(p.output)));")

        case .add(let p):
            kernel = "mote_add.c"
            let scratch = scratchPointer()
            if let note = scratch.note { details.append(note) }
            body += params("mote_add_params", [
                ("broadcast", try broadcast(p.broadcast)),
                ("subtract", p.subtract ? "1" : "0"),
                ("left_shift", CText.int32(p.leftShift)),
                ("input1_offset", CText.int32(p.input1Offset)),
                ("input1_multiplier", CText.int32(p.input1Multiplier.multiplier)), ("input1_shift", CText.int32(p.input1Multiplier.shift)),
                ("input2_offset", CText.int32(p.input2Offset)),
                ("input2_multiplier", CText.int32(p.input2Multiplier.multiplier)), ("input2_shift", CText.int32(p.input2Multiplier.shift)),
                ("output_multiplier", CText.int32(p.outputMultiplier.multiplier)), ("output_shift", CText.int32(p.outputMultiplier.shift)),
                ("output_zero_point", CText.int32(p.outputZeroPoint)),
                ("clamp_min", CText.int32(p.clampMin)), ("clamp_max", CText.int32(p.clampMax)),
                ("scratch", scratch.pointer),
            ])
            line("mote_add(&\(symbol("params")), \(at(p.input1)), \(at(p.input2)), \(at(p.output)));")

        case .mul(let p):
            kernel = "mote_mul.c"
            body += params("mote_mul_params", [
                ("broadcast", try broadcast(p.broadcast)),
                ("input1_offset", CText.int32(p.input1Offset)), ("input2_offset", CText.int32(p.input2Offset)),
                ("multiplier", CText.int32(p.multiplier.multiplier)), ("shift", CText.int32(p.multiplier.shift)),
                ("output_zero_point", CText.int32(p.outputZeroPoint)),
                ("clamp_min", CText.int32(p.clampMin)), ("clamp_max", CText.int32(p.clampMax)),
            ])
            line("mote_mul(&\(symbol("params")), \(at(p.input1)), \(at(p.input2)), \(at(p.output)));")

        case .pool(let p):
            kernel = "mote_pool.c"
            details.append("kernel \(p.kernelHeight)x\(p.kernelWidth), stride \(p.strideHeight)x\(p.strideWidth), dilation \(p.dilationHeight)x\(p.dilationWidth), pad top \(p.padTop) left \(p.padLeft) bottom \(p.padBottom) right \(p.padRight)")
            body += params("mote_pool_params", [
                ("kind", p.kind == .max ? "0" : "1"),
                ("planes", try i32(p.planes)),
                ("in_height", try i32(p.inHeight)), ("in_width", try i32(p.inWidth)),
                ("out_height", try i32(p.outHeight)), ("out_width", try i32(p.outWidth)),
                ("kernel_height", try i32(p.kernelHeight)), ("kernel_width", try i32(p.kernelWidth)),
                ("stride_height", try i32(p.strideHeight)), ("stride_width", try i32(p.strideWidth)),
                ("dilation_height", try i32(p.dilationHeight)), ("dilation_width", try i32(p.dilationWidth)),
                ("pad_top", try i32(p.padTop)), ("pad_left", try i32(p.padLeft)),
                ("pad_bottom", try i32(p.padBottom)), ("pad_right", try i32(p.padRight)),
                ("count_include_pad", p.countIncludePad ? "1" : "0"),
                ("zero_point", CText.int32(p.zeroPoint)),
                ("clamp_min", CText.int32(p.clampMin)), ("clamp_max", CText.int32(p.clampMax)),
            ])
            line("mote_pool(&\(symbol("params")), \(at(p.input)), \(at(p.output)));")

        case .mean(let p):
            kernel = "mote_mean.c"
            body += params("mote_mean_params", [
                ("outer", try i32(p.outer)), ("reduce", try i32(p.reduce)), ("inner", try i32(p.inner)),
                ("input_zero_point", CText.int32(p.inputZeroPoint)),
                ("multiplier", CText.int32(p.multiplier.multiplier)), ("shift", CText.int32(p.multiplier.shift)),
                ("output_zero_point", CText.int32(p.outputZeroPoint)),
            ])
            line("mote_mean(&\(symbol("params")), \(at(p.input)), \(at(p.output)));")

        case .table(let p):
            kernel = "mote_table.c"
            constants = 256
            details.append("table 256 bytes, indexed by q + 128")
            body += array("int8_t", symbol("table"), p.table.map { String($0) })
            line("mote_table(\(symbol("table")), \(try i32(model.tensors[p.input].count)), \(at(p.input)), \(at(p.output)));")

        case .softmax(let p):
            kernel = "mote_softmax.c"
            let stored = p.storedExpCount
            constants = 4 * stored
            details.append("exp table \(Self.grouped(4 * stored)) bytes (\(stored) of 256 entries: the rest are 0); output scale 1/256, zero point -128")
            body += array("uint32_t", symbol("exp"), p.expTable.prefix(stored).map { "\($0)u" })
            body += params("mote_softmax_params", [
                ("outer", try i32(p.outer)), ("axis", try i32(p.axis)), ("inner", try i32(p.inner)),
                ("exp_table", symbol("exp")), ("exp_count", try i32(stored)),
            ])
            line("mote_softmax(&\(symbol("params")), \(at(p.input)), \(at(p.output)));")

        case .concat(let p):
            if plan.inPlace[index] {
                // The planner placed every input at its slice of the output: their producers already wrote the
                // concatenation, so there is nothing to copy (and no constants to emit).
                let slices = p.parts.map { "t\($0.input) at \(plan.offsets[$0.input])" }.joined(separator: ", ")
                details.append("in place: each input was written straight into its slice of the output (\(slices))")
                return EmittedLayer(definitions: comment(details: details),
                                    call: "    /* \(tag): in place, its inputs were written into the output */\n",
                                    kernels: [], constantBytes: 0, macs: 0)
            }
            kernel = "mote_concat.c"
            var parts: [String] = []
            for part in p.parts {
                let r = part.requant
                parts.append(initializer([
                    ("row_size", try i32(part.rowSize)),
                    ("requantize", r == nil ? "0" : "1"),
                    ("multiplier", CText.int32(r?.multiplier ?? 0)), ("shift", CText.int32(r?.shift ?? 0)),
                    ("input_zero_point", CText.int32(part.inputZeroPoint)),
                ], indent: "    "))
            }
            body += "static const mote_concat_part \(symbol("parts"))[\(p.parts.count)] = {\n"
            body += parts.map { "    \($0),\n" }.joined()
            body += "};\n"
            body += params("mote_concat_params", [
                ("outer", try i32(p.outer)), ("part_count", try i32(p.parts.count)),
                ("parts", symbol("parts")), ("output_zero_point", CText.int32(p.outputZeroPoint)),
            ])
            let pointers = p.parts.map { at($0.input) }.joined(separator: ", ")
            call += "    {\n"
            call += "        const int8_t *const inputs[\(p.parts.count)] = {\(pointers)};\n"
            call += "        mote_concat(&\(symbol("params")), inputs, \(at(p.output)));\n"
            call += "    }\n"

        case .pad(let p):
            kernel = "mote_pad.c"
            body += params("mote_pad_params", [
                ("rank", try i32(p.inShape.count)),
                ("in_shape", try list(p.inShape)), ("out_shape", try list(p.outShape)),
                ("pads_begin", try list(p.padsBegin)),
                ("value", String(p.value)),
            ])
            line("mote_pad(&\(symbol("params")), \(at(p.input)), \(at(p.output)));")

        case .transpose(let p):
            kernel = "mote_transpose.c"
            details.append("perm \(CText.shape(p.perm))")
            body += params("mote_transpose_params", [
                ("rank", try i32(p.inShape.count)),
                ("in_shape", try list(p.inShape)), ("perm", try list(p.perm)),
            ])
            line("mote_transpose(&\(symbol("params")), \(at(p.input)), \(at(p.output)));")

        case .reshape(let input, let output):
            if plan.offsets[input] == plan.offsets[output] {
                details.append("in place: the output shares the input's bytes")
                return EmittedLayer(definitions: comment(details: details), call: "    /* \(tag): in place, nothing to do */\n",
                                    kernels: [], constantBytes: 0, macs: 0)
            } else {
                line("memcpy(\(at(output)), \(at(input)), \(try i32(model.tensors[output].count)));")
            }
        }

        if plan.inPlace[index], let shared = op.inputs.first(where: { plan.offsets[$0] == plan.offsets[op.output] }) {
            details.append("in place: the output overwrites t\(shared)'s bytes (the kernel reads each element before writing it)")
        }
        var text = comment(details: details)
        text += body
        return EmittedLayer(definitions: text, call: "    /* \(tag) */\n" + call, kernels: (kernel.map { [$0] } ?? []) + helpers,
                            constantBytes: constants, macs: macs)
    }

    // MARK: Pieces

    /// A conv/dense layer's weight arrays in their chosen storage (`QWeightStorage`), the parameter-block fields
    /// that point at them (`weight_format` … `weight_row_start32`, in the header's order), their bytes and the
    /// comment line naming width, storage and size.
    struct WeightArrays {
        var encoded: EncodedWeights
        var definitions: String
        var fields: [(String, String)]
        var bytes: Int
        var summary: String
    }

    func weightArrays(_ weights: [Int8], _ storage: QWeightStorage, rowPairs: Bool = false) throws -> WeightArrays {
        let e = try EncodedWeights(weights, storage: storage, rowPairs: rowPairs)
        var text = ""
        // int8 values in decimal (as before); packed nibbles and mask bits in hex, where the bits are readable.
        let weightsField: String
        if !e.values.isEmpty {
            text += array("int8_t", symbol("weights"), e.values.map { String($0) })
            weightsField = symbol("weights")
        } else {
            weightsField = "NULL"
        }
        let nibblesField: String
        if !e.nibbles.isEmpty {
            text += array("uint8_t", symbol("weights"), e.nibbles.map(Self.hex))
            nibblesField = symbol("weights")
        } else {
            nibblesField = "NULL"
        }
        var maskField = "NULL", start16 = "NULL", start32 = "NULL"
        if storage.encoding == .sparse {
            text += array("uint8_t", symbol("mask"), e.mask.map(Self.hex))
            maskField = symbol("mask")
            if storage.rowStartBytes == 2 {
                text += array("uint16_t", symbol("starts"), e.rowStarts.map { String($0) })
                start16 = symbol("starts")
            } else {
                text += array("uint32_t", symbol("starts"), e.rowStarts.map { "\($0)u" })
                start32 = symbol("starts")
            }
        }
        let zeros = storage.count > 0 ? (200 * storage.zeros + storage.count) / (2 * storage.count) : 0
        let order = rowPairs ? ", rows in pairs" : ""
        let summary = "weights \(storage.summary)\(order): \(Self.grouped(e.byteCount)) bytes (\(zeros)% zeros)"
        return WeightArrays(encoded: e, definitions: text, fields: [
            ("weight_format", e.formatMacro), ("weights", weightsField), ("weight_nibbles", nibblesField),
            ("weight_mask", maskField), ("weight_row_start16", start16), ("weight_row_start32", start32),
        ], bytes: e.byteCount, summary: summary)
    }

    /// bias[m] + inputOffset · Σₖ w[m][k], wrapping like the kernel's int32 sum: the same accumulator, modulo
    /// 2³², as bias[m] + Σₖ w[m][k] · (x[k] + inputOffset).
    static func biasWithInputOffset(_ bias: [Int32], _ weights: [Int8], rowLength: Int, inputOffset: Int32) -> [Int32] {
        bias.indices.map { m in
            let row = weights[(m * rowLength)..<((m + 1) * rowLength)]
            let sum = row.reduce(Int32(0)) { $0 &+ Int32($1) }
            return bias[m] &+ inputOffset &* sum
        }
    }

    /// The entry point for weights stored as `storage`: `base` (int8), `base_int4` or `base_sparse`.
    static func function(_ base: String, _ storage: QWeightStorage) -> String {
        storage.encoding == .sparse ? base + "_sparse" : (storage.bits == .int4 ? base + "_int4" : base)
    }

    /// The C function an int8 conv layer calls: the path `mote_conv` would dispatch it to, where that is one of
    /// the two paths mote_kernels.h declares (paired rows: im2col; a depthwise 3×3 given its scratch: the padded
    /// path; both with a NULL int4 table), else `function` itself. The rules and their order are mote_conv's. A
    /// model whose convolutions all take those two paths then links none of mote_conv's other loops (digits: 2.3 KB
    /// less Cortex-M4 flash).
    static func convEntry(_ p: QConv, function: String, pairs: Bool, hasScratch: Bool) -> String {
        guard function == "mote_conv" else { return function }
        if pairs { return "mote_conv_im2col" }
        if hasScratch, MemoryPlanner.isDepthwise3x3(p), MemoryPlanner.hasInt8Points(p) {
            return "mote_conv_depthwise3x3_padded"
        }
        return function
    }

    /// The layer's kernel scratch: its address in the arena for the parameter block (NULL without one) and a
    /// comment line.
    func scratchPointer() -> (pointer: String, note: String?) {
        let bytes = index < plan.scratchBytes.count ? plan.scratchBytes[index] : 0
        let offset = index < plan.scratchOffsets.count ? plan.scratchOffsets[index] : -1
        guard bytes > 0, offset >= 0 else { return ("NULL", nil) }
        return ("\(prefix)_arena.bytes + \(offset)", "scratch \(Self.grouped(bytes)) bytes at arena offset \(offset) (RAM, this layer only)")
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }

    /// 1234567 → "1,234,567" (comments only; no locale).
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// The comment block above the layer's constants: name, ops, tensors with quantization and arena offsets.
    func comment(details: [String]) -> String {
        var lines = ["Layer \(index): \(CText.quoted(layer.name))"]
        let sources = layer.sourceOps.map { CText.comment($0, limit: 40) }.joined(separator: ", ")
        lines.append("  op: \(layer.op.name)" + (sources.isEmpty ? "" : " (from \(sources))"))
        for (k, t) in layer.op.inputs.enumerated() {
            let role = layer.op.inputs.count == 1 ? "input" : "input\(k + 1)"
            lines.append("  \(role): \(tensor(t))")
        }
        lines.append("  output: \(tensor(layer.op.output))")
        lines += details.map { "  " + $0 }
        return "/*\n" + lines.map { " * " + $0 + "\n" }.joined() + " */\n"
    }

    func tensor(_ t: Int) -> String {
        let x = model.tensors[t]
        return "t\(t) \(CText.quoted(x.name)) \(CText.shape(x.shape)), scale \(CText.floatText(x.quant.scale)), zero point \(x.quant.zeroPoint), arena offset \(plan.offsets[t])"
    }

    func array(_ type: String, _ name: String, _ values: [String]) -> String {
        "static const \(type) \(name)[\(values.count)] = {\n" + CText.initializerBody(values) + "\n};\n"
    }

    /// `static const <type> <prefix>_<id>_params = { .field = value, ... };`, fields in the header's order.
    func params(_ type: String, _ fields: [(String, String)]) -> String {
        "static const \(type) \(symbol("params")) = " + initializer(fields, indent: "") + ";\n"
    }

    /// A designated initializer, one field per line: robust against reordering of the header's fields, and a
    /// test checks that every field of the header is set.
    func initializer(_ fields: [(String, String)], indent: String) -> String {
        var out = "{\n"
        for (name, value) in fields { out += "\(indent)    .\(name) = \(value),\n" }
        return out + indent + "}"
    }

    /// `{1, 2, 3}` for a rank-limited array field (C99 has no empty initializer: rank 0 gives `{0}`).
    func list(_ values: [Int]) throws -> String {
        values.isEmpty ? "{0}" : "{" + (try values.map { try i32($0) }).joined(separator: ", ") + "}"
    }

    func broadcast(_ b: QBroadcast) throws -> String {
        initializer([
            ("rank", try i32(b.shape.count)),
            ("shape", try list(b.shape)),
            ("strides1", try list(b.strides1)),
            ("strides2", try list(b.strides2)),
        ], indent: "    ")
    }
}

extension QConv {
    /// The bias array as the conv kernel takes it: with the input offset folded in for paired rows
    /// (`MemoryPlanner.pairsWeightRows`, mote_conv's im2col path, which multiplies the raw inputs), as is otherwise.
    public func kernelBias(pairs: Bool) -> [Int32] {
        pairs ? LayerEmitter.biasWithInputOffset(bias, weights, rowLength: weightRowLength, inputOffset: inputOffset) : bias
    }
}

extension QDense {
    /// The bias array as the dense kernel for `storage` takes it: mote_dense (int8, dense) multiplies the raw
    /// inputs, so its bias carries the input offset (mote_dense_params); the other kernels take the layer's bias.
    public func kernelBias(storage: QWeightStorage) -> [Int32] {
        storage.bits == .int8 && storage.encoding == .dense
            ? LayerEmitter.biasWithInputOffset(bias, weights, rowLength: inFeatures, inputOffset: inputOffset) : bias
    }
}
