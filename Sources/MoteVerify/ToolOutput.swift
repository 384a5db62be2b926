import Foundation
import MoteReport

/// Parsers for the text that binutils and gcc write: Berkeley `size`, `size -A`, `nm -S`, `-fstack-usage` (.su),
/// `-fcallgraph-info` (.ci, VCG) and `objdump -d`. Pure functions of the text, so tests can feed them directly.
public enum ToolOutput {
    // MARK: size

    /// Berkeley `size` lines ("text data bss dec hex filename"), keyed by the file column, in output order.
    public static func berkeley(_ text: String) -> [(file: String, sizes: SectionSizes)] {
        var rows: [(String, SectionSizes)] = []
        for line in lines(text) {
            let f = fields(line)
            guard f.count >= 6, let t = Int(f[0]), let d = Int(f[1]), let b = Int(f[2]) else { continue }
            rows.append((f[5...].joined(separator: " "), SectionSizes(text: t, data: d, bss: b)))
        }
        return rows
    }

    /// `size -A` (SysV) rows: section name and size; the header and the "Total" line are left out.
    public static func sections(_ text: String) -> [(name: String, bytes: Int)] {
        var rows: [(String, Int)] = []
        for line in lines(text) {
            let f = fields(line)
            guard f.count >= 2, f[0].hasPrefix("."), let size = Int(f[1]) else { continue }
            rows.append((f[0], size))
        }
        return rows
    }

    /// GNU ld's `--print-gc-sections` lines ("ld: removing unused section '.text.f' in file 'x.o'"): the sections
    /// left out, by file as the link was given it.
    public static func removedSections(_ text: String) -> [String: Set<String>] {
        var removed: [String: Set<String>] = [:]
        for line in lines(text) {
            guard let start = line.range(of: "removing unused section '"),
                  let middle = line.range(of: "' in file '", range: start.upperBound..<line.endIndex),
                  line.hasSuffix("'") else { continue }
            let section = String(line[start.upperBound..<middle.lowerBound])
            let file = String(line[middle.upperBound..<line.index(before: line.endIndex)])
            removed[file, default: []].insert(section)
        }
        return removed
    }

    // MARK: nm

    public struct Symbol: Sendable, Equatable {
        public var name: String
        public var bytes: Int
        /// nm's type letter: T/t code, R/r read-only data, D/d data, B/b bss, ...
        public var type: Character
    }

    /// `nm -S` lines with a size ("address size type name"); lines without a size are skipped.
    public static func symbols(_ text: String) -> [Symbol] {
        var result: [Symbol] = []
        for line in lines(text) {
            let f = fields(line)
            guard f.count == 4, let size = Int(f[1], radix: 16), let type = f[2].first, f[2].count == 1 else { continue }
            result.append(Symbol(name: f[3], bytes: size, type: type))
        }
        return result
    }

    /// `nm -n -S` of a linked image: every defined symbol with a size; one without a size (assembly routines
    /// that lack a `.size` directive, e.g. libgcc's `__aeabi_ldivmod`) gets the distance to the next symbol.
    public static func symbolsByAddress(_ text: String) -> [Symbol] {
        var rows: [(address: Int, size: Int?, type: Character, name: String)] = []
        for line in lines(text) {
            let f = fields(line)
            if f.count == 4, let a = Int(f[0], radix: 16), let size = Int(f[1], radix: 16), f[2].count == 1, let t = f[2].first {
                rows.append((a, size, t, f[3]))
            } else if f.count == 3, let a = Int(f[0], radix: 16), f[1].count == 1, let t = f[1].first {
                rows.append((a, nil, t, f[2]))
            }
        }
        var result: [Symbol] = []
        for (k, row) in rows.enumerated() {
            if let size = row.size {
                result.append(Symbol(name: row.name, bytes: size, type: row.type))
            } else if let next = rows[(k + 1)...].first(where: { $0.address > row.address }) {
                result.append(Symbol(name: row.name, bytes: next.address - row.address, type: row.type))
            }
        }
        return result
    }

    // MARK: -fstack-usage

    public struct StackEntry: Sendable, Equatable {
        /// "file:line:column", the key shared with the call-graph file.
        public var location: String
        public var function: String
        public var bytes: Int
        /// "static", "dynamic" or "dynamic,bounded".
        public var qualifier: String
    }

    /// `.su` lines: "file:line:column:function<TAB>bytes<TAB>qualifier".
    public static func stackUsage(_ text: String) -> [StackEntry] {
        var result: [StackEntry] = []
        for line in lines(text) {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let bytes = Int(parts[1].trimmingSpaces) else { continue }
            // The function name follows the third ':' from the end of the location (file names may hold ':').
            let head = parts[0]
            guard let split = lastColons(head, count: 3) else { continue }
            result.append(StackEntry(location: String(head[..<split.last]), function: String(head[head.index(after: split.last)...]),
                                     bytes: bytes, qualifier: parts[2].trimmingSpaces))
        }
        return result
    }

    // MARK: -fcallgraph-info (VCG)

    public struct CallGraphNode: Sendable, Equatable {
        /// Unique id: the function name for an external function, "file:name" for a file-local one.
        public var title: String
        /// The name as written in the source (first line of the label).
        public var name: String
        /// "file:line:column" of the definition or declaration; "<built-in>" for compiler built-ins.
        public var location: String
        /// True when the node is defined in this file (it carries a stack size).
        public var defined: Bool
    }

    public struct CallGraph: Sendable, Equatable {
        public var nodes: [CallGraphNode]
        public var edges: [(from: String, to: String)]

        public static func == (a: CallGraph, b: CallGraph) -> Bool {
            a.nodes == b.nodes && a.edges.map { [$0.from, $0.to] } == b.edges.map { [$0.from, $0.to] }
        }
    }

    /// `.ci` files: `node: { title: "..." label: "name\nlocation\nN bytes (static)" }` and
    /// `edge: { sourcename: "..." targetname: "..." }`.
    public static func callGraph(_ text: String) -> CallGraph {
        var graph = CallGraph(nodes: [], edges: [])
        for line in lines(text) {
            let trimmed = line.trimmingSpaces
            let attributes = quotedAttributes(trimmed)
            if trimmed.hasPrefix("node:"), let title = attributes["title"] {
                let label = (attributes["label"] ?? title).components(separatedBy: "\\n")
                graph.nodes.append(CallGraphNode(title: title, name: label[0],
                                                 location: label.count > 1 ? label[1] : "",
                                                 defined: label.count > 2 && label[2].contains("bytes")))
            } else if trimmed.hasPrefix("edge:"), let from = attributes["sourcename"], let to = attributes["targetname"] {
                graph.edges.append((from, to))
            }
        }
        return graph
    }

    /// `key: "value"` pairs of one VCG line (values keep `\n` as the two characters; `\"` is unescaped).
    static func quotedAttributes(_ line: String) -> [String: String] {
        var result: [String: String] = [:]
        let chars = Array(line)
        var i = 0
        while i < chars.count {
            guard chars[i] == "\"" else { i += 1; continue }
            // The key is the word before `: "`.
            var k = i - 1
            while k >= 0 && (chars[k] == " " || chars[k] == ":") { k -= 1 }
            var start = k
            while start >= 0 && (chars[start].isLetter || chars[start] == "_") { start -= 1 }
            let key = k >= start + 1 ? String(chars[(start + 1)...k]) : ""
            var value = ""
            var j = i + 1
            while j < chars.count && chars[j] != "\"" {
                if chars[j] == "\\" && j + 1 < chars.count && chars[j + 1] == "\"" {
                    value.append("\"")
                    j += 2
                } else {
                    value.append(chars[j])
                    j += 1
                }
            }
            if !key.isEmpty && result[key] == nil { result[key] = value }
            i = j + 1
        }
        return result
    }

    // MARK: objdump -d (Thumb-2)

    public struct DisassembledFunction: Sendable, Equatable {
        public var name: String
        /// Bytes the function's own instructions take off the stack pointer (pushes, `sub sp`, pre-decrementing
        /// stores), summed over the whole body: an upper bound on its frame.
        public var frameBytes: Int
        /// Functions it calls (`bl`, `blx <sym>`) or tail-calls (a branch to another function), sorted.
        public var callees: [String]
        /// Indirect calls or a stack pointer moved by a register amount: its depth is not known statically.
        public var unknownDepth: Bool

        public init(name: String, frameBytes: Int, callees: [String], unknownDepth: Bool) {
            self.name = name
            self.frameBytes = frameBytes
            self.callees = callees
            self.unknownDepth = unknownDepth
        }
    }

    /// Functions of an ARM `objdump -d --no-show-raw-insn` listing, by name.
    public static func armFunctions(_ text: String) -> [String: DisassembledFunction] {
        var result: [String: DisassembledFunction] = [:]
        var current: DisassembledFunction?
        var callees = Set<String>()
        func finish() {
            if var f = current {
                f.callees = callees.filter { $0 != f.name }.sorted()
                result[f.name] = f
            }
            current = nil
            callees = []
        }
        for line in lines(text) {
            // "00008128 <model_run>:"
            if let open = line.firstIndex(of: "<"), line.hasSuffix(">:"), !line.hasPrefix(" "), !line.hasPrefix("\t") {
                finish()
                let name = String(line[line.index(after: open)..<line.index(line.endIndex, offsetBy: -2)])
                current = DisassembledFunction(name: name, frameBytes: 0, callees: [], unknownDepth: false)
                continue
            }
            guard current != nil else { continue }
            // "    812a:\tldr\tr4, [pc, #168]\t@ ..."
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, parts[0].trimmingSpaces.hasSuffix(":") else { continue }
            let mnemonic = parts[1].trimmingSpaces
            let operands = parts.count > 2 ? parts[2].trimmingSpaces : ""
            let (bytes, unknown) = stackEffect(mnemonic: mnemonic, operands: operands)
            current?.frameBytes += bytes
            if unknown { current?.unknownDepth = true }
            if let callee = branchTarget(mnemonic: mnemonic, operands: operands) {
                callees.insert(callee)
            } else if isIndirectCall(mnemonic: mnemonic, operands: operands) {
                current?.unknownDepth = true
            }
        }
        finish()
        return result
    }

    /// Bytes an instruction pushes (0 for most), and whether it moves sp by an unknown amount.
    static func stackEffect(mnemonic: String, operands: String) -> (Int, Bool) {
        let m = mnemonic.lowercased()
        let base = m.split(separator: ".").first.map(String.init) ?? m
        if base == "push" || ((base == "stmdb" || base == "stmfd") && operands.hasPrefix("sp!")) {
            return (4 * registerCount(operands), false)
        }
        if base == "vpush" || ((base == "vstmdb" || base == "fstmdbd") && operands.hasPrefix("sp!")) {
            let width = operands.contains("{d") ? 8 : 4
            return (width * registerCount(operands), false)
        }
        if base == "sub" || base == "subw" {
            let ops = operands.split(separator: ",").map { String($0).trimmingSpaces }
            // sub sp, #N | sub sp, sp, #N | sub sp, sp, rX
            guard ops.first == "sp", ops.count == 2 || (ops.count == 3 && ops[1] == "sp") else { return (0, false) }
            if let imm = immediate(ops.last ?? "") { return (imm, false) }
            return (0, true)
        }
        if base.hasPrefix("str") || base.hasPrefix("vstr"), operands.hasSuffix("]!"), operands.contains("[sp, #-") {
            if let range = operands.range(of: "[sp, #-") {
                let digits = operands[range.upperBound...].prefix { $0.isNumber }
                return (Int(digits) ?? 0, false)
            }
        }
        if (base == "mov" || base == "add") && operands.hasPrefix("sp,") && !operands.contains("#") && !operands.hasPrefix("sp, r7") {
            // sp set from a register other than the frame pointer: not statically known.
            return (0, true)
        }
        return (0, false)
    }

    /// Number of registers in "{r4, r5, lr}" or "{d8-d11}".
    static func registerCount(_ operands: String) -> Int {
        guard let open = operands.firstIndex(of: "{"), let close = operands.firstIndex(of: "}"), open < close else { return 0 }
        var count = 0
        for item in operands[operands.index(after: open)..<close].split(separator: ",") {
            let r = String(item).trimmingSpaces
            let ends = r.split(separator: "-")
            if ends.count == 2, let a = Int(ends[0].dropFirst()), let b = Int(ends[1].dropFirst()), b >= a {
                count += b - a + 1
            } else if !r.isEmpty {
                count += 1
            }
        }
        return count
    }

    /// "#76" → 76 (decimal as objdump writes it).
    static func immediate(_ operand: String) -> Int? {
        guard operand.hasPrefix("#") else { return nil }
        let text = operand.dropFirst().split(separator: " ").first.map(String.init) ?? ""
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        return Int(text)
    }

    /// The function a direct call or tail call goes to: "bl\t8f30 <memcpy>" → "memcpy"; a branch inside the
    /// function ("<f+0x22>") is none.
    static func branchTarget(mnemonic: String, operands: String) -> String? {
        let m = mnemonic.lowercased()
        guard m.hasPrefix("b"), !m.hasPrefix("bic"), !m.hasPrefix("bfi"), !m.hasPrefix("bfc"), !m.hasPrefix("bkpt"),
              let open = operands.firstIndex(of: "<"), let close = operands.lastIndex(of: ">"), open < close else { return nil }
        let target = String(operands[operands.index(after: open)..<close])
        if target.contains("+0x") { return nil }
        return target
    }

    /// `blx rN`, `bx rN` other than `bx lr`: a call or jump through a register.
    static func isIndirectCall(mnemonic: String, operands: String) -> Bool {
        let m = mnemonic.lowercased()
        guard m.hasPrefix("blx") || m.hasPrefix("bx") else { return false }
        return !operands.contains("<") && operands.trimmingSpaces != "lr"
    }

    // MARK: The model file

    /// Which `static const` symbols of `<name>.c` belong to which layer: the emitted file opens each layer with a
    /// comment line " * Layer <i>: ..." followed by its constants. Reads the C text only (no knowledge of how
    /// codegen names symbols); symbols before the first layer or after `<name>_run` belong to none.
    public static func layerSymbols(modelSource text: String, runFunction: String) -> [String: Int] {
        var result: [String: Int] = [:]
        var current: Int?
        for line in lines(text) {
            if line.hasPrefix(" * Layer ") {
                let rest = line.dropFirst(" * Layer ".count)
                let digits = rest.prefix { $0.isNumber }
                if !digits.isEmpty, rest.dropFirst(digits.count).hasPrefix(":"), let i = Int(digits) { current = i }
            } else if line.hasPrefix("int \(runFunction)(") {
                current = nil
            } else if line.hasPrefix("static const "), let layer = current {
                let declarator = line.split(separator: "=", maxSplits: 1).first.map(String.init) ?? line
                guard let last = fields(declarator).last else { continue }
                let name = String(last.prefix { $0 != "[" })
                if !name.isEmpty { result[name] = layer }
            }
        }
        return result
    }

    // MARK: Text helpers

    static func lines(_ text: String) -> [String] {
        text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map(String.init)
    }

    static func fields(_ line: String) -> [String] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// Index of the last `count` colons of `s` (the first of them in `.first`, the last in `.last`).
    static func lastColons(_ s: String, count: Int) -> (first: String.Index, last: String.Index)? {
        var found: [String.Index] = []
        var i = s.endIndex
        while i > s.startIndex && found.count < count {
            i = s.index(before: i)
            if s[i] == ":" { found.append(i) }
        }
        guard found.count == count, let last = found.first, let first = found.last else { return nil }
        return (first, last)
    }
}

extension String {
    var trimmingSpaces: String { trimmingCharacters(in: .whitespaces) }
}
