/// The rendering of the generated Swift files that embed C and linker files into `mote` (the same text as
/// `render` in toolchain/embed_templates.py), so tests can check that a checked-in generated file is current.
public enum EmbeddedFiles {
    /// `header` (comment lines, each ending in a newline), then `enum <name> { static let files: [String: String] }`
    /// with one raw multi-line string literal per file, sorted by key, using the fewest `#` that keep the
    /// delimiter and escapes out of the text.
    public static func render(header: String, enumName: String, files: [String: String]) -> String {
        var out = header + "enum \(enumName) {\n    static let files: [String: String] = [\n"
        for key in files.keys.sorted() {
            let text = files[key] ?? ""
            var hashes = "#"
            while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
            out += "        \"\(key)\": \(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes),\n"
        }
        return out + "    ]\n}\n"
    }
}
