/// The picture: flash per layer as bars, arena occupancy per layer with its peak marked and explained, and the
/// arena layout (each tensor a rectangle: its bytes over the steps it is alive). Plain SVG 1.1 written by hand:
/// integer or one-decimal coordinates, escaped text, no external resources, the same bytes for the same report.
extension SizeReport {
    public func svg() -> String {
        var doc = SVGDocument(width: 960)
        let left = 90.0, right = 930.0
        let plotWidth = right - left
        let n = layers.count
        let basis = measuredOn.map { "measured on \($0)" } ?? "computed from the model (no compiler run)"

        let title = "Mote size report: \(Format.printable(name, limit: 60))" + (modelName.isEmpty || modelName == name ? "" : " (graph \(Format.printable(modelName, limit: 60)))")
        doc.text(20, 26, title, size: 16, weight: "bold")
        var summary = "flash \(Format.short(flashBytes)), RAM \(Format.short(ramBytes)) (arena \(Format.short(arenaBytes))"
        if let s = stackBytes { summary += ", stack \(Format.short(s))" }
        summary += "), \(Format.grouped(macs)) MACs; \(basis)"
        doc.text(20, 46, summary, size: 12)
        var y = 66.0
        if let v = verdict {
            for (label, check) in [("flash", v.flash), ("RAM", v.ram)] {
                guard let c = check else { continue }
                let head = c.exceeded
                    ? "\(label) budget exceeded by \(Format.grouped(c.overBytes)) B: \(Format.grouped(c.usedBytes)) B used of \(Format.grouped(c.budgetBytes)) B"
                    : "\(label) fits: \(Format.grouped(c.usedBytes)) B used of \(Format.grouped(c.budgetBytes)) B, \(Format.grouped(c.headroomBytes)) B to spare"
                doc.text(20, y, head, size: 11, fill: c.exceeded ? Palette.peak : Palette.ok, weight: c.exceeded ? "bold" : nil)
                y += 14
                if c.exceeded && !c.largest.isEmpty {
                    let list = c.largest.map { "\($0.layer.map { "layer \($0) " } ?? "")\(Format.printable($0.name, limit: 32)) \(Format.short($0.bytes))" }
                    doc.text(34, y, "largest: " + list.joined(separator: ";  "), size: 10, fill: Palette.peak)
                    y += 14
                }
            }
        }

        // Panel 1: flash per layer (and the shared code).
        y += 20
        doc.text(20, y, "Flash per layer: constants (weights, bias, requantization, tables\(measuredOn == nil ? "" : ", parameter blocks")), bytes", size: 13, weight: "bold")
        let flashTop = y + 14, flashHeight = 150.0
        var bars = layers.map { (label: "\($0.index)", value: $0.flashBytes, title: "layer \($0.index) \(Format.printable($0.name)) (\($0.op)): \(Format.grouped($0.flashBytes)) B flash", code: false) }
        if let code = codeBytes {
            bars.append((label: "code", value: code, title: "code (kernels, \(Format.printable(name))_run, helpers): \(Format.grouped(code)) B", code: true))
        }
        let flashMax = max(bars.map(\.value).max() ?? 0, 1)
        doc.axis(left: left, right: right, top: flashTop, height: flashHeight, maximum: flashMax)
        if bars.isEmpty {
            doc.text(left + 10, flashTop + flashHeight / 2, "no layers", size: 11)
        } else {
            let slot = plotWidth / Double(bars.count)
            let labelEvery = max(1, Int((Double(bars.count) * 22 / plotWidth).rounded(.up)))
            let top3 = Set(layers.sorted { ($1.flashBytes, $0.index) < ($0.flashBytes, $1.index) }.prefix(3).filter { $0.flashBytes > 0 }.map(\.index))
            for (k, bar) in bars.enumerated() {
                let h = flashHeight * Double(bar.value) / Double(flashMax)
                let x = left + slot * Double(k) + slot * 0.1
                let fill = bar.code ? Palette.code : (top3.contains(k) ? Palette.heavy : Palette.flash)
                doc.rect(x, flashTop + flashHeight - h, slot * 0.8, h, fill: fill, title: bar.title)
                if k % labelEvery == 0 || bar.code {
                    doc.text(x + slot * 0.4, flashTop + flashHeight + 12, bar.label, size: 9, anchor: "middle")
                }
            }
        }
        doc.text(left + plotWidth / 2, flashTop + flashHeight + 26, "layer", size: 10, anchor: "middle")
        // Name the three heaviest layers under the chart.
        let heavy = layers.filter { $0.flashBytes > 0 }.sorted { ($1.flashBytes, $0.index) < ($0.flashBytes, $1.index) }.prefix(3)
        if !heavy.isEmpty {
            let list = heavy.enumerated().map { r, l in "#\(r + 1) layer \(l.index) \(Format.printable(l.name, limit: 32)) \(Format.short(l.flashBytes))" }
            doc.text(20, flashTop + flashHeight + 42, "Largest: " + list.joined(separator: ";  "), size: 10, fill: Palette.heavyText)
        }

        // Panel 2: arena occupancy per layer, the peak and what is alive there.
        y = flashTop + flashHeight + 70
        doc.text(20, y, "Arena occupancy per layer (bytes in use while the layer runs)", size: 13, weight: "bold")
        let occTop = y + 14, occHeight = 150.0
        let occ = arena.occupancy
        // Headroom above the tallest bar or line keeps the peak's label clear of the bars.
        let occLargest = max(occ.max() ?? 0, arenaBytes, lowerBoundBytes, 1)
        let occMax = Format.add(Format.add(occLargest, occLargest / 5), 1)
        doc.axis(left: left, right: right, top: occTop, height: occHeight, maximum: occMax, label: occLargest)
        if occ.isEmpty {
            doc.text(left + 10, occTop + occHeight / 2, "no layers", size: 11)
        } else {
            let slot = plotWidth / Double(occ.count)
            let labelEvery = max(1, Int((Double(occ.count) * 22 / plotWidth).rounded(.up)))
            for (step, bytes) in occ.enumerated() {
                let h = occHeight * Double(bytes) / Double(occMax)
                let x = left + slot * Double(step) + slot * 0.1
                let isPeak = step == arena.peakStep
                let layerName = layer(step).map { "\(Format.printable($0.name)) (\($0.op))" } ?? ""
                doc.rect(x, occTop + occHeight - h, slot * 0.8, h, fill: isPeak ? Palette.peak : Palette.occupancy,
                         title: "layer \(step) \(layerName): \(Format.grouped(bytes)) B in use")
                if step % labelEvery == 0 || isPeak {
                    doc.text(x + slot * 0.4, occTop + occHeight + 12, "\(step)", size: 9, anchor: "middle",
                             weight: isPeak ? "bold" : nil)
                }
            }
            let ay = occTop + occHeight - occHeight * Double(arenaBytes) / Double(occMax)
            doc.hline(left, right, ay, stroke: Palette.limit, dash: "6,3")
            // The arena's label goes to the side away from the peak's label.
            let peakOnRight = arena.peakStep.map { left + slot * (Double($0) + 0.5) > left + plotWidth * 0.6 } ?? false
            doc.text(peakOnRight ? left + 4 : right, ay - 3, "arena reserved \(Format.short(arenaBytes))", size: 9,
                     anchor: peakOnRight ? "start" : "end", fill: Palette.limit)
            if lowerBoundBytes != arenaBytes {
                let ly = occTop + occHeight - occHeight * Double(lowerBoundBytes) / Double(occMax)
                doc.hline(left, right, ly, stroke: Palette.bound, dash: "2,2")
                doc.text(right, ly + 10, "lower bound \(Format.short(lowerBoundBytes))", size: 9, anchor: "end", fill: Palette.bound)
            }
            if let p = arena.peakStep {
                let x = left + slot * (Double(p) + 0.5)
                let top = occTop + occHeight - occHeight * Double(arena.peakBytes) / Double(occMax)
                let label = "peak \(Format.short(arena.peakBytes)) at layer \(p)" + (layer(p).map { " \(Format.printable($0.name, limit: 32))" } ?? "")
                let anchor = x > left + plotWidth * 0.6 ? "end" : "start"
                let clear = min(top, ay) - 5
                doc.text(x + (anchor == "end" ? 6 : -6), max(occTop + 10, clear), label, size: 11, anchor: anchor,
                         fill: Palette.peak, weight: "bold", id: "peak-label")
            }
        }
        doc.text(left + plotWidth / 2, occTop + occHeight + 26, "layer (schedule step)", size: 10, anchor: "middle")

        // Why the peak is what it is: the tensors alive there, largest contribution first.
        y = occTop + occHeight + 46
        let contributions = arena.peakContributions().sorted { ($1.bytes, $0.tensor.index) < ($0.bytes, $1.tensor.index) }
        if let p = arena.peakStep {
            doc.text(20, y, "Alive at the peak (layer \(p)): \(contributions.count) tensor\(contributions.count == 1 ? "" : "s")\(arena.peakScratchBytes > 0 ? " + \(Format.short(arena.peakScratchBytes)) scratch" : "")",
                     size: 11, weight: "bold")
            y += 15
            for (t, bytes) in contributions.prefix(6) {
                let from = t.producer.map { p in layer(p).map { "output of layer \(p) \(Format.printable($0.name, limit: 32))" } ?? "layer \(p)" } ?? "model input"
                let shared = bytes < t.bytes ? ", \(Format.short(t.bytes - bytes)) shared in place" : ""
                doc.text(34, y, "t\(t.index) \(Format.printable(t.name, limit: 40)): \(Format.short(bytes))\(shared), \(from), alive layers \(t.first)..\(t.last)", size: 10)
                y += 14
            }
            if contributions.count > 6 { doc.text(34, y, "... and \(contributions.count - 6) more", size: 10); y += 14 }
        }

        // Panel 3: the arena layout.
        y += 16
        doc.text(20, y, "Arena layout: offset (down) over the schedule (across); peak tensors highlighted", size: 13, weight: "bold")
        let mapTop = y + 14, mapHeight = 200.0
        let steps = n + 2  // the input copy (−1), the layers, the output copy
        let mapBytes = max(arenaBytes, arena.tensors.map { Format.add($0.offset, $0.bytes) }.max() ?? 0, 1)
        doc.rect(left, mapTop, plotWidth, mapHeight, fill: Palette.background, stroke: Palette.axis)
        let col = plotWidth / Double(steps)
        let peakSet = Set(arena.peakTensors.map(\.index))
        for t in arena.tensors where t.bytes > 0 {
            let x0 = left + col * Double(max(t.first, -1) + 1)
            let x1 = left + col * Double(min(t.last, n) + 2)
            let y0 = mapTop + mapHeight * Double(t.offset) / Double(mapBytes)
            let h = max(mapHeight * Double(t.bytes) / Double(mapBytes), 0.5)
            let hot = peakSet.contains(t.index)
            doc.rect(x0, y0, max(x1 - x0, 0.5), h, fill: hot ? Palette.heavy : Palette.tensor, stroke: Palette.tensorEdge,
                     title: "t\(t.index) \(Format.printable(t.name)): \(Format.grouped(t.bytes)) B at offset \(Format.grouped(t.offset)), alive \(t.first)..\(t.last)", opacity: 0.85)
            if h >= 11 && x1 - x0 >= 26 {
                doc.text((x0 + x1) / 2, y0 + min(h, 24) / 2 + 4, "t\(t.index)", size: 9, anchor: "middle")
            }
        }
        if let p = arena.peakStep {
            doc.rect(left + col * Double(p + 1), mapTop, col, mapHeight, fill: "none", stroke: Palette.peak,
                     title: "peak: layer \(p)", strokeWidth: 2)
        }
        doc.text(left - 4, mapTop + 8, "0", size: 9, anchor: "end")
        doc.text(left - 4, mapTop + mapHeight, Format.short(mapBytes), size: 9, anchor: "end")
        doc.text(left + col * 0.5, mapTop + mapHeight + 12, "in", size: 9, anchor: "middle")
        doc.text(left + col * (Double(n) + 1.5), mapTop + mapHeight + 12, "out", size: 9, anchor: "middle")
        doc.text(left + plotWidth / 2, mapTop + mapHeight + 26, "schedule: input copy, layers 0..\(max(n - 1, 0)), output copy", size: 10, anchor: "middle")

        return doc.finish(height: mapTop + mapHeight + 44)
    }
}

enum Palette {
    static let flash = "#4c78a8"
    static let heavy = "#f58518"
    static let heavyText = "#b35806"
    static let code = "#72b7b2"
    static let occupancy = "#54a24b"
    static let peak = "#d62728"
    static let ok = "#2ca02c"
    static let limit = "#333333"
    static let bound = "#9467bd"
    static let axis = "#888888"
    static let background = "#f7f7f7"
    static let tensor = "#9ecae9"
    static let tensorEdge = "#ffffff"
}

/// A tiny SVG writer: elements appended in order, every number through `Format.coordinate`.
struct SVGDocument {
    let width: Int
    var body = ""

    init(width: Int) { self.width = width }

    static func c(_ x: Double) -> String { Format.coordinate(x) }

    mutating func text(_ x: Double, _ y: Double, _ text: String, size: Int, anchor: String? = nil, fill: String = "#222222",
                       weight: String? = nil, id: String? = nil) {
        var attributes = "x=\"\(Self.c(x))\" y=\"\(Self.c(y))\" font-size=\"\(size)\""
        if let anchor { attributes += " text-anchor=\"\(anchor)\"" }
        if fill != "#222222" { attributes += " fill=\"\(fill)\"" }
        if let weight { attributes += " font-weight=\"\(weight)\"" }
        if let id { attributes = "id=\"\(id)\" " + attributes }
        body += "<text \(attributes)>\(Format.xml(text))</text>\n"
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil,
                       title: String? = nil, opacity: Double? = nil, strokeWidth: Double = 0.5) {
        var attributes = "x=\"\(Self.c(x))\" y=\"\(Self.c(y))\" width=\"\(Self.c(max(w, 0)))\" height=\"\(Self.c(max(h, 0)))\" fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\" stroke-width=\"\(Self.c(strokeWidth))\"" }
        if let opacity { attributes += " fill-opacity=\"\(Self.c(opacity))\"" }
        if let title {
            body += "<rect \(attributes)><title>\(Format.xml(title))</title></rect>\n"
        } else {
            body += "<rect \(attributes)/>\n"
        }
    }

    mutating func hline(_ x0: Double, _ x1: Double, _ y: Double, stroke: String, dash: String? = nil) {
        body += "<line x1=\"\(Self.c(x0))\" y1=\"\(Self.c(y))\" x2=\"\(Self.c(x1))\" y2=\"\(Self.c(y))\" stroke=\"\(stroke)\" stroke-width=\"1\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>\n"
    }

    /// A y axis scaled to `maximum`, with 0 and `label` (default: the maximum) marked, and the baseline.
    mutating func axis(left: Double, right: Double, top: Double, height: Double, maximum: Int, label: Int? = nil) {
        body += "<line x1=\"\(Self.c(left))\" y1=\"\(Self.c(top))\" x2=\"\(Self.c(left))\" y2=\"\(Self.c(top + height))\" stroke=\"\(Palette.axis)\" stroke-width=\"1\"/>\n"
        hline(left, right, top + height, stroke: Palette.axis)
        text(left - 4, top + height, "0", size: 9, anchor: "end")
        let value = label ?? maximum
        let y = top + height - height * Double(value) / Double(max(maximum, 1))
        text(left - 4, y + 8, Format.short(value), size: 9, anchor: "end")
    }

    func finish(height: Double) -> String {
        let h = Int(height.rounded(.up))
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(width)\" height=\"\(h)\" viewBox=\"0 0 \(width) \(h)\" font-family=\"Helvetica, Arial, sans-serif\">\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(h)\" fill=\"#ffffff\"/>\n"
            + body + "</svg>\n"
    }
}
