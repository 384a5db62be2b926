/// `report.md`: the summary, the budget verdict, the layers, the arena and the stack, and the picture.
extension SizeReport {
    /// `svgFile` is the picture's path relative to the Markdown file.
    public func markdown(svgFile: String = "report.svg") -> String {
        var md = "# Size report: \(Format.markdown(name, limit: 64))"
        if !modelName.isEmpty && modelName != name { md += " (graph \(Format.markdown(modelName, limit: 64)))" }
        md += "\n\n"
        if let target = measurement?.preferred {
            md += "Flash, code, stack and per-layer flash are measured on **\(target.target)**: the emitted C compiled with "
            md += "`\(Format.printable(target.compiler, limit: 80))` (`\(target.flags.joined(separator: " "))`), read with `size` and `nm`; "
            md += "the stack is the deepest call chain from `\(Format.printable(name, limit: 64))_run` (`-fstack-usage`). "
            md += "Weights, MACs and the arena plan are computed from the model.\n\n"
        } else {
            md += "Nothing was measured (no compiler run): flash counts the model's constant arrays only, RAM the arena only; "
            md += "code and stack are unknown.\n\n"
        }

        // Summary.
        md += "| | bytes | |\n|---|---:|---:|\n"
        func row(_ label: String, _ value: Int?, _ share: String = "") {
            md += "| \(label) | \(value.map(Format.grouped) ?? "not measured") | \(share) |\n"
        }
        row("**Flash**", flashBytes, measuredOn == nil ? "constants only" : Format.short(flashBytes))
        row("&nbsp;&nbsp;weights (\(weightsLabel))", weightsBytes, Format.percent(weightsBytes, flashBytes))
        row("&nbsp;&nbsp;biases (int32)", biasBytes, Format.percent(biasBytes, flashBytes))
        row("&nbsp;&nbsp;requantization (multipliers, shifts)", requantBytes, Format.percent(requantBytes, flashBytes))
        row("&nbsp;&nbsp;tables", tableBytes, Format.percent(tableBytes, flashBytes))
        if measuredOn != nil {
            let arrays = weightsBytes + biasBytes + requantBytes + tableBytes
            row("&nbsp;&nbsp;parameter blocks and other constants", max(0, constantBytes - arrays), Format.percent(max(0, constantBytes - arrays), flashBytes))
            row("&nbsp;&nbsp;code (kernels, `\(Format.printable(name, limit: 64))_run`, helpers)", codeBytes, codeBytes.map { Format.percent($0, flashBytes) } ?? "")
            let rest = flashBytes - constantBytes - (codeBytes ?? 0)
            if rest != 0 { row("&nbsp;&nbsp;other (runtime constants, initial data, unwind tables)", rest, Format.percent(rest, flashBytes)) }
        }
        row("**RAM**", ramBytes, measuredOn == nil ? "arena only" : Format.short(ramBytes))
        row("&nbsp;&nbsp;arena", arenaBytes, Format.percent(arenaBytes, ramBytes))
        if let largest = layers.map(\.scratchBytes).max(), largest > 0 {
            row("&nbsp;&nbsp;&nbsp;&nbsp;of which kernel scratch (largest, one layer at a time)", largest, Format.percent(largest, ramBytes))
        }
        if measuredOn != nil {
            row("&nbsp;&nbsp;static data", staticBytes, staticBytes.map { Format.percent($0, ramBytes) } ?? "")
            row("&nbsp;&nbsp;stack (deepest chain)", stackBytes, stackBytes.map { Format.percent($0, ramBytes) } ?? "")
        }
        row("**MACs**", macs)
        md += "\n"

        // Budget.
        md += "## Budget\n\n"
        if let v = verdict {
            md += v.exceeded ? "**Exceeded.**\n\n" : "**Fits.**\n\n"
            for (label, check) in [("flash", v.flash), ("RAM", v.ram)] {
                guard let c = check else { continue }
                md += "- \(label): \(Format.grouped(c.usedBytes)) B used of \(Format.grouped(c.budgetBytes)) B: "
                md += c.exceeded ? "**over by \(Format.grouped(c.overBytes)) B**" : "\(Format.grouped(c.headroomBytes)) B to spare"
                md += "\n"
                for culprit in c.largest {
                    md += "  - \(culprit.layer.map { "layer \($0) " } ?? "")\(Format.markdown(culprit.name)): \(Format.grouped(culprit.bytes)) B (\(Format.markdown(culprit.what, limit: 120)))\n"
                }
            }
        } else {
            md += "No budget given (`--flash-budget`, `--ram-budget`).\n"
        }
        md += "\n"

        // Layers.
        md += "## Layers\n\n"
        md += "Flash per layer is \(measuredOn == nil ? "the layer's constant arrays" : "the layer's constants as compiled (arrays and parameter block)"); "
        md += "arena offset and bytes are the layer's output tensor; RAM is the arena in use while the layer runs.\n\n"
        if let f = denseFallback {
            md += "Stored dense although pruned: \(f.layers.map { Format.markdown($0) }.joined(separator: ", ")). With "
            md += "\(f.layers.count == 1 ? "it" : "them") sparse the flash measured \(Format.grouped(f.sparseFlashBytes)) B, "
            md += "\(Format.grouped(f.sparseFlashBytes - flashBytes)) B more: the sparse kernel's code outweighs the weight bytes saved.\n\n"
        }
        md += "| # | layer | op | output | MACs | weights | weight storage | bias | requant | table | flash | arena offset | arena bytes | RAM | in place |\n"
        md += "|---:|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
        for l in layers {
            let op = l.op + (l.sourceOps.isEmpty ? "" : " (" + l.sourceOps.map { Format.markdown($0, limit: 24) }.joined(separator: ", ") + ")")
            md += "| \(l.index) | \(Format.markdown(l.name)) | \(op) | \(Format.shape(l.outputShape)) | \(Format.grouped(l.macs)) | "
            md += "\(Format.grouped(l.weightsBytes)) | \(Self.storageText(l)) | \(Format.grouped(l.biasBytes)) | \(Format.grouped(l.requantBytes)) | \(Format.grouped(l.tableBytes)) | "
            md += "\(Format.grouped(l.flashBytes)) | \(l.arenaOffset >= 0 ? Format.grouped(l.arenaOffset) : "-") | \(Format.grouped(l.arenaBytes)) | \(Format.grouped(l.ramBytes)) | \(l.inPlace ? "yes" : "") |\n"
        }
        md += "| | **total** | | | **\(Format.grouped(macs))** | **\(Format.grouped(weightsBytes))** | | **\(Format.grouped(biasBytes))** | "
        md += "**\(Format.grouped(requantBytes))** | **\(Format.grouped(tableBytes))** | **\(Format.grouped(layers.reduce(0) { $0 + $1.flashBytes }))** | | | | |\n\n"

        // Arena.
        md += "## Arena\n\n"
        md += "- reserved: \(Format.bytes(arenaBytes))"
        if arenaBytes != plannedArenaBytes { md += " (**the plan says \(Format.grouped(plannedArenaBytes)) B**: the emitted C does not follow this plan)" }
        md += "\n- lower bound (largest set of tensors alive at once, none sharing bytes): \(Format.bytes(lowerBoundBytes))"
        if lowerBoundBytes > 0 {
            md += "; the arena is \(Format.percent(plannedArenaBytes, lowerBoundBytes)) of it"
        }
        md += "\n- strategy: \(Format.markdown(arenaStrategy, limit: 64))\n"
        if let p = arena.peakStep {
            let layerName = layer(p).map { " \(Format.markdown($0.name)) (\($0.op))" } ?? ""
            md += "- peak: \(Format.bytes(arena.peakBytes)) in use during layer \(p)\(layerName)"
            if arena.peakScratchBytes > 0 { md += ", including \(Format.grouped(arena.peakScratchBytes)) B of scratch" }
            md += "; alive then:\n"
            for (t, bytes) in arena.peakContributions().sorted(by: { ($1.bytes, $0.tensor.index) < ($0.bytes, $1.tensor.index) }) {
                let from = t.producer.map { p in layer(p).map { "output of layer \(p) \(Format.markdown($0.name))" } ?? "layer \(p)" } ?? "model input"
                md += "  - t\(t.index) \(Format.markdown(t.name)): \(Format.grouped(bytes)) B"
                if bytes < t.bytes { md += " (+\(Format.grouped(t.bytes - bytes)) B shared in place)" }
                md += ", \(from), offset \(Format.grouped(t.offset)), alive during steps \(t.first)..\(t.last)\n"
            }
        }
        if !strategies.isEmpty {
            md += "\n| strategy | arena bytes |\n|---|---:|\n"
            for s in strategies { md += "| \(Format.markdown(s.name, limit: 64))\(s.name == arenaStrategy ? " (chosen)" : "") | \(Format.grouped(s.arenaBytes)) |\n" }
        }
        md += "\n"

        // Stack and targets.
        if let m = measurement, !m.targets.isEmpty {
            md += "## Stack\n\n"
            for t in m.targets {
                md += "- \(t.target): \(Format.grouped(t.stack.bytes)) B: "
                md += t.stack.chain.map { "`\(Format.printable($0.function, limit: 64))` \($0.bytes)\($0.source == "su" ? "" : " (\($0.source))")" }.joined(separator: " → ")
                if !t.stack.unresolved.isEmpty {
                    md += " (not counted: \(t.stack.unresolved.map { "`\(Format.printable($0, limit: 64))`" }.joined(separator: ", ")))"
                }
                if t.stack.dynamic { md += " (a frame is dynamic: no bound)" }
                if t.stack.recursive { md += " (recursion: no bound)" }
                md += "\n"
            }
            md += "\n## Targets\n\n"
            md += "| target | flash | code | model constants | arena | static RAM | stack | linked image: model's share (text / data / bss) |\n"
            md += "|---|---:|---:|---:|---:|---:|---:|---|\n"
            for t in m.targets {
                let link = t.link.map { "\(Format.grouped($0.model.text)) / \(Format.grouped($0.model.data)) / \(Format.grouped($0.model.bss))" } ?? "not linked"
                md += "| \(t.target) | \(Format.grouped(t.flashBytes)) | \(Format.grouped(t.codeBytes)) | \(Format.grouped(t.modelConstantBytes)) | "
                md += "\(Format.grouped(t.arenaBytes)) | \(Format.grouped(t.staticBytes)) | \(Format.grouped(t.stack.bytes)) | \(link) |\n"
            }
            md += "\n"
            for t in m.targets where !t.unlinked.isEmpty {
                let names = t.unlinked.map { "`\(Format.printable($0.name, limit: 80))` \(Format.grouped($0.bytes))" }
                md += "Left out of \(t.target)'s figures: \(Format.grouped(t.unlinkedBytes)) B of sections that nothing reaches from "
                md += "`\(Format.printable(name, limit: 64))_run`, which a `--gc-sections` link drops (a firmware that calls "
                md += "the float helpers keeps theirs): \(names.joined(separator: ", ")).\n\n"
            }
        }

        md += "## Picture\n\n![Flash per layer, arena occupancy and layout](\(svgFile))\n"
        if let sensitivity { md += sensitivity.markdown() }
        return md
    }

    /// The widths the weights use ("int8", "int8, int4") and, when some layers store them sparse, how many.
    var weightsLabel: String {
        let weighted = layers.filter { $0.weightBits != nil }
        var widths = Set(weighted.compactMap(\.weightBits)).sorted(by: >).map { "int\($0)" }
        if widths.isEmpty { widths = ["int8"] }
        let sparse = weighted.filter { $0.weightStorage == "sparse" }.count
        return widths.joined(separator: ", ") + (sparse > 0 ? "; sparse in \(sparse) of \(weighted.count) layers" : "")
    }

    /// "int4 sparse, 1,234 non-zeros" for a conv/dense layer, empty for others.
    static func storageText(_ l: LayerSize) -> String {
        guard let bits = l.weightBits else { return "" }
        var text = "int\(bits) \(Format.markdown(l.weightStorage ?? "dense", limit: 16))"
        if let nz = l.weightNonZeros { text += ", \(Format.grouped(nz)) non-zeros" }
        if l.scratchBytes > 0 { text += ", scratch \(Format.grouped(l.scratchBytes)) B" }
        return text
    }
}
