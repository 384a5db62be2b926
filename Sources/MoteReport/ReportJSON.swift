import Foundation

// JSON: snake_case keys (DESIGN.md §5: flash_bytes, ram_bytes, weights_bytes, arena_bytes, macs, layers), sorted,
// pretty-printed, and absent values written as `null` rather than left out, so scripts can rely on every key.
// The synthesized decoders read `null` and a missing key alike.

extension SizeReport {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        return e
    }

    /// The report as JSON text (UTF-8, ending in a newline): the same report always gives the same bytes.
    public func json() throws -> String {
        String(decoding: try Self.encoder().encode(self), as: UTF8.self) + "\n"
    }

    /// Largest magnitude a number in a saved report may have (2^40 bytes): far beyond any microcontroller, and
    /// small enough that no sum or scaling the renderers do can overflow.
    public static let largestFigure = 1 << 40

    /// Reads a report written by `json()`. Throws `ReportFileError` for a file that is not one, or whose numbers
    /// are not plausible byte counts (so rendering it cannot overflow).
    public static func decode(json data: Data) throws -> SizeReport {
        guard let tree = try? JSONSerialization.jsonObject(with: data) else {
            throw ReportFileError(message: "not JSON")
        }
        if let problem = implausible(tree, path: "") { throw ReportFileError(message: problem) }
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try d.decode(SizeReport.self, from: data)
        } catch {
            throw ReportFileError(message: "not a size report (\(error))")
        }
    }

    /// The first number in `value` that is not an integer of magnitude at most `largestFigure` (under
    /// `sensitivity`, shares and decibels: any finite number of that magnitude).
    static func implausible(_ value: Any, path: String) -> String? {
        if let dict = value as? [String: Any] {
            for key in dict.keys.sorted() {
                if let p = implausible(dict[key] as Any, path: path + "." + key) { return p }
            }
        } else if let array = value as? [Any] {
            for (i, v) in array.enumerated() {
                if let p = implausible(v, path: path + "[\(i)]") { return p }
            }
        } else if let n = value as? NSNumber {   // booleans read as 0 or 1: plausible
            let d = n.doubleValue
            let fractional = path.hasPrefix(".sensitivity.")
            guard d.isFinite, fractional || d == d.rounded(), abs(d) <= Double(largestFigure) else {
                return "\(path.isEmpty ? "value" : String(path.dropFirst())) is \(n): not a plausible byte count"
            }
        }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case version, name, modelName, measuredOn, measured, flashBytes, ramBytes, weightsBytes, biasBytes, requantBytes, tableBytes
        case constantBytes, codeBytes, stackBytes, staticBytes, arenaBytes, plannedArenaBytes, lowerBoundBytes
        case arenaStrategy, strategies, macs, layers, arena, stackChain, measurement, budget, verdict, sensitivity, denseFallback
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(name, forKey: .name)
        try c.encode(modelName, forKey: .modelName)
        try c.encode(measuredOn, forKey: .measuredOn)
        try c.encode(measured, forKey: .measured)
        try c.encode(flashBytes, forKey: .flashBytes)
        try c.encode(ramBytes, forKey: .ramBytes)
        try c.encode(weightsBytes, forKey: .weightsBytes)
        try c.encode(biasBytes, forKey: .biasBytes)
        try c.encode(requantBytes, forKey: .requantBytes)
        try c.encode(tableBytes, forKey: .tableBytes)
        try c.encode(constantBytes, forKey: .constantBytes)
        try c.encode(codeBytes, forKey: .codeBytes)
        try c.encode(stackBytes, forKey: .stackBytes)
        try c.encode(staticBytes, forKey: .staticBytes)
        try c.encode(arenaBytes, forKey: .arenaBytes)
        try c.encode(plannedArenaBytes, forKey: .plannedArenaBytes)
        try c.encode(lowerBoundBytes, forKey: .lowerBoundBytes)
        try c.encode(arenaStrategy, forKey: .arenaStrategy)
        try c.encode(strategies, forKey: .strategies)
        try c.encode(macs, forKey: .macs)
        try c.encode(layers, forKey: .layers)
        try c.encode(arena, forKey: .arena)
        try c.encode(stackChain, forKey: .stackChain)
        try c.encode(measurement, forKey: .measurement)
        try c.encode(budget, forKey: .budget)
        try c.encode(verdict, forKey: .verdict)
        try c.encodeIfPresent(sensitivity, forKey: .sensitivity)
        try c.encode(denseFallback, forKey: .denseFallback)
    }
}

/// A saved report that cannot be used; the message names the problem.
public struct ReportFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension Budget {
    enum CodingKeys: String, CodingKey { case flash, ram }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(flash, forKey: .flash)
        try c.encode(ram, forKey: .ram)
    }
}

extension Culprit {
    enum CodingKeys: String, CodingKey { case layer, name, bytes, what }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(layer, forKey: .layer)
        try c.encode(name, forKey: .name)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(what, forKey: .what)
    }
}

extension BudgetVerdict {
    enum CodingKeys: String, CodingKey { case flash, ram, exceeded, messages }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(flash, forKey: .flash)
        try c.encode(ram, forKey: .ram)
        try c.encode(exceeded, forKey: .exceeded)
        try c.encode(messages, forKey: .messages)
    }
}

extension LayerSize {
    enum CodingKeys: String, CodingKey {
        case index, name, op, sourceOps, outputShape, macs, weightsBytes, weightBits, weightStorage, weightNonZeros
        case biasBytes, requantBytes, tableBytes, flashBytes, arenaOffset, arenaBytes, ramBytes, inPlace, scratchBytes
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(name, forKey: .name)
        try c.encode(op, forKey: .op)
        try c.encode(sourceOps, forKey: .sourceOps)
        try c.encode(outputShape, forKey: .outputShape)
        try c.encode(macs, forKey: .macs)
        try c.encode(weightsBytes, forKey: .weightsBytes)
        try c.encode(weightBits, forKey: .weightBits)
        try c.encode(weightStorage, forKey: .weightStorage)
        try c.encode(weightNonZeros, forKey: .weightNonZeros)
        try c.encode(biasBytes, forKey: .biasBytes)
        try c.encode(requantBytes, forKey: .requantBytes)
        try c.encode(tableBytes, forKey: .tableBytes)
        try c.encode(flashBytes, forKey: .flashBytes)
        try c.encode(arenaOffset, forKey: .arenaOffset)
        try c.encode(arenaBytes, forKey: .arenaBytes)
        try c.encode(ramBytes, forKey: .ramBytes)
        try c.encode(inPlace, forKey: .inPlace)
        try c.encode(scratchBytes, forKey: .scratchBytes)
    }
}

extension ArenaTensor {
    enum CodingKeys: String, CodingKey { case index, name, bytes, offset, first, last, producer }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(name, forKey: .name)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(offset, forKey: .offset)
        try c.encode(first, forKey: .first)
        try c.encode(last, forKey: .last)
        try c.encode(producer, forKey: .producer)
    }
}

extension ArenaTimeline {
    enum CodingKeys: String, CodingKey { case occupancy, peakStep, peakBytes, peakTensors, peakScratchBytes, tensors }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(occupancy, forKey: .occupancy)
        try c.encode(peakStep, forKey: .peakStep)
        try c.encode(peakBytes, forKey: .peakBytes)
        try c.encode(peakTensors, forKey: .peakTensors)
        try c.encode(peakScratchBytes, forKey: .peakScratchBytes)
        try c.encode(tensors, forKey: .tensors)
    }
}

extension TargetMeasurement {
    enum CodingKeys: String, CodingKey {
        case target, compiler, flags, objects, codeBytes, functions, modelConstantBytes, runtimeConstantBytes, dataBytes
        case arenaBytes, otherBssBytes, otherBytes, layerSymbols, otherModelSymbols, stack, link, unlinked
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(target, forKey: .target)
        try c.encode(compiler, forKey: .compiler)
        try c.encode(flags, forKey: .flags)
        try c.encode(objects, forKey: .objects)
        try c.encode(codeBytes, forKey: .codeBytes)
        try c.encode(functions, forKey: .functions)
        try c.encode(modelConstantBytes, forKey: .modelConstantBytes)
        try c.encode(runtimeConstantBytes, forKey: .runtimeConstantBytes)
        try c.encode(dataBytes, forKey: .dataBytes)
        try c.encode(arenaBytes, forKey: .arenaBytes)
        try c.encode(otherBssBytes, forKey: .otherBssBytes)
        try c.encode(otherBytes, forKey: .otherBytes)
        try c.encode(layerSymbols, forKey: .layerSymbols)
        try c.encode(otherModelSymbols, forKey: .otherModelSymbols)
        try c.encode(stack, forKey: .stack)
        try c.encode(link, forKey: .link)
        try c.encode(unlinked, forKey: .unlinked)
    }

    /// Reports written before `unlinked` was measured read as leaving nothing out.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(target: try c.decode(String.self, forKey: .target), compiler: try c.decode(String.self, forKey: .compiler),
                  flags: try c.decode([String].self, forKey: .flags), objects: try c.decode([ObjectSize].self, forKey: .objects),
                  codeBytes: try c.decode(Int.self, forKey: .codeBytes), functions: try c.decode([SymbolSize].self, forKey: .functions),
                  modelConstantBytes: try c.decode(Int.self, forKey: .modelConstantBytes),
                  runtimeConstantBytes: try c.decode(Int.self, forKey: .runtimeConstantBytes),
                  dataBytes: try c.decode(Int.self, forKey: .dataBytes), arenaBytes: try c.decode(Int.self, forKey: .arenaBytes),
                  otherBssBytes: try c.decode(Int.self, forKey: .otherBssBytes), otherBytes: try c.decode(Int.self, forKey: .otherBytes),
                  layerSymbols: try c.decode([[SymbolSize]].self, forKey: .layerSymbols),
                  otherModelSymbols: try c.decode([SymbolSize].self, forKey: .otherModelSymbols),
                  stack: try c.decode(StackMeasurement.self, forKey: .stack),
                  link: try c.decodeIfPresent(LinkMeasurement.self, forKey: .link),
                  unlinked: try c.decodeIfPresent([SymbolSize].self, forKey: .unlinked) ?? [])
    }
}
