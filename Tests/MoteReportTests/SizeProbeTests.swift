import Foundation
import MoteCodegen
import MoteIR
import MotePlan
import MoteReport
import MoteVerify
import XCTest

/// The probe's figures against the tools' own output, read here independently, and against the model.
final class SizeProbeTests: XCTestCase {
    let cName = "net"

    /// Compiles the emitted files with `toolchain`'s compiler and flags in a fresh directory, as a user would.
    func compileIndependently(_ files: [EmittedFile], _ tc: SizeProbe.Toolchain) throws -> URL {
        let dir = try Independent.tempDirectory()
        try Independent.write(files, to: dir)
        for f in files where f.path.hasSuffix(".c") {
            let stem = String(f.path.dropLast(2))
            _ = try Independent.run(tc.compiler, tc.flags + ["-fstack-usage", "-I", dir.path, "-c", dir.appendingPathComponent(f.path).path,
                                                            "-o", dir.appendingPathComponent(stem + ".o").path])
        }
        return dir
    }

    func checkAgainstTools(_ tc: SizeProbe.Toolchain, hidden: Int = 32) throws {
        let model = ReportModels.net(hidden: hidden)
        let files = try ReportModels.emit(model, name: cName)
        let m = try SizeProbe.measure(files: files.map { ($0.path, $0.contents) }, name: cName, layerCount: model.layers.count,
                                      toolchains: [tc])
        let t = try XCTUnwrap(m.target(tc.target))
        let dir = try compileIndependently(files, tc)
        defer { try? FileManager.default.removeItem(at: dir) }
        let objects = files.filter { $0.path.hasSuffix(".c") }.map { dir.appendingPathComponent(String($0.path.dropLast(2)) + ".o").path }.sorted()

        // size: every object's text/data/bss, and their sum is the flash of the objects.
        var flash = 0
        for (object, measured) in zip(objects, t.objects) {
            let b = try XCTUnwrap(Independent.berkeley(try Independent.run(tc.size, [object])))
            XCTAssertEqual(measured.file, URL(fileURLWithPath: object).lastPathComponent)
            XCTAssertEqual([measured.sizes.text, measured.sizes.data, measured.sizes.bss], [b.text, b.data, b.bss], object)
            flash += b.text + b.data
        }
        XCTAssertEqual(t.objects.count, objects.count)
        XCTAssertEqual(t.flashBytes, flash - t.unlinkedBytes + (t.link?.libraryBytes ?? 0))
        XCTAssertEqual(t.unlinked.isEmpty, t.link == nil, "only a linked target leaves sections out")

        // nm: the model's read-only symbols (and, under PIC, its relocated constant structs) are exactly the
        // symbols attributed to layers plus the unattributed ones.
        let symbols = Independent.nm(try Independent.run(tc.nm, ["-S", dir.appendingPathComponent("\(cName).o").path]))
        let constants = symbols.filter { ["r", "R", "d", "D"].contains($0.type) }
        let attributed = t.layerSymbols.flatMap { $0 } + t.otherModelSymbols
        XCTAssertEqual(attributed.reduce(0) { $0 + $1.bytes }, constants.reduce(0) { $0 + $1.size })
        XCTAssertEqual(Set(attributed.map(\.name)), Set(constants.map(\.name)))
        XCTAssertEqual(t.otherModelSymbols, [], "every constant belongs to a layer")
        // The arena is the one the C reserves.
        let header = try XCTUnwrap(files.first { $0.path == "\(cName).h" }?.contents)
        let reserved = try XCTUnwrap(Independent.define(header, "NET_ARENA_BYTES"))
        XCTAssertEqual(t.arenaBytes, reserved)
        XCTAssertEqual(symbols.first { $0.name == "\(cName)_arena" }?.size, reserved)

        // Per layer: the arrays have the sizes the model gives them (computed here), plus one parameter block.
        for (i, layer) in model.layers.enumerated() {
            let sizes = t.layerSymbols[i].map(\.bytes)
            switch layer.op {
            case .conv(let p):
                XCTAssertEqual(sizes.count, 5)
                for expected in [p.weights.count, 4 * p.bias.count, 4 * p.requant.count] { XCTAssertTrue(sizes.contains(expected), "\(i)") }
            case .dense(let p):
                XCTAssertEqual(sizes.count, 5)
                XCTAssertTrue(sizes.contains(p.weights.count), "\(i): \(sizes)")
                XCTAssertEqual(sizes.filter { $0 == 4 * p.outFeatures }.count, p.outFeatures * 4 == p.weights.count ? 4 : 3)
            case .softmax(let p):
                XCTAssertTrue(sizes.contains(4 * p.storedExpCount), "\(sizes)")
            case .reshape:
                XCTAssertEqual(sizes, [])
            default:
                XCTAssertEqual(sizes.count, 1, "a parameter block")
            }
        }

        // Stack: the chain starts at net_run, its frames are what -fstack-usage wrote, and it is at least as
        // deep as net_run plus any kernel it calls.
        var su: [String: Int] = [:]
        for object in objects {
            let text = (try? String(contentsOfFile: String(object.dropLast(2)) + ".su", encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let cols = line.split(separator: "\t")
                guard cols.count == 3, let bytes = Int(cols[1]), let fn = cols[0].split(separator: ":").last else { continue }
                su[String(fn)] = bytes
            }
        }
        let chain = t.stack.chain
        XCTAssertEqual(chain.first?.function, "\(cName)_run")
        XCTAssertEqual(chain.reduce(0) { $0 + $1.bytes }, t.stack.bytes)
        for frame in chain where frame.source == "su" { XCTAssertEqual(frame.bytes, su[frame.function], frame.function) }
        let run = try XCTUnwrap(su["\(cName)_run"])
        for kernel in ["mote_conv_im2col", "mote_pool", "mote_dense", "mote_softmax"] {
            let frame = try XCTUnwrap(su[kernel], kernel)
            XCTAssertGreaterThanOrEqual(t.stack.bytes, run + frame, kernel)
        }
        XCTAssertFalse(t.stack.dynamic)
        XCTAssertFalse(t.stack.recursive)

        // Code: the functions nm lists in the kernel objects and the model object.
        var code = 0
        for object in objects {
            code += Independent.nm(try Independent.run(tc.nm, ["-S", object])).filter { ["T", "t"].contains($0.type) }.reduce(0) { $0 + $1.size }
        }
        // Less the functions the link left out (each its own section under -ffunction-sections).
        let unlinkedCode = t.unlinked.filter { $0.name.contains(": .text.") }.reduce(0) { $0 + $1.bytes }
        XCTAssertEqual(t.functions.reduce(0) { $0 + $1.bytes }, code - unlinkedCode)
        XCTAssertGreaterThanOrEqual(t.codeBytes, code - unlinkedCode)
    }

    func testHostFiguresMatchSizeAndNm() throws {
        guard Toolchains.requireHost() else { return }
        try checkAgainstTools(.host)
    }

    func testCortexM4FiguresMatchSizeAndNm() throws {
        guard Toolchains.requireCortexM4() else { return }
        try checkAgainstTools(.cortexM4)
    }

    /// The report's flash is within 10% of what a firmware link adds (linked here independently), and the stack
    /// needs no frame the probe could not measure.
    func testCortexM4FlashMatchesALinkedImage() throws {
        guard Toolchains.requireCortexM4() else { return }
        let model = ReportModels.net(hidden: 128)
        let files = try ReportModels.emit(model, name: cName)
        let m = try SizeProbe.measure(files: files.map { ($0.path, $0.contents) }, name: cName, layerCount: model.layers.count,
                                      toolchains: [.cortexM4])
        let report = SizeReport(model: model, plan: MemoryPlanner.plan(model), measurement: m, name: cName)
        XCTAssertEqual(report.measuredOn, "cortex-m4")

        let dir = try compileIndependently(files, .cortexM4)
        defer { try? FileManager.default.removeItem(at: dir) }
        let main = "#include <stdint.h>\n#include \"net.h\"\nstatic int8_t x[NET_INPUT_SIZE];\nstatic int8_t y[NET_OUTPUT_SIZE];\nint main(void) { return net_run(x, y); }\n"
        let stub = "#include <stdint.h>\n#include \"net.h\"\nint net_run(const int8_t *x, int8_t *y) { (void)x; (void)y; return 0; }\n"
        try Data(main.utf8).write(to: dir.appendingPathComponent("main.c"))
        try Data(stub.utf8).write(to: dir.appendingPathComponent("stub.c"))
        let flags = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft", "-std=c99", "-Os", "-ffunction-sections", "-fdata-sections",
                     "--specs=nosys.specs", "-Wl,--gc-sections", "-I", dir.path]
        let objects = files.filter { $0.path.hasSuffix(".c") }.map { dir.appendingPathComponent(String($0.path.dropLast(2)) + ".o").path }
        let linkLog = try Independent.run("arm-none-eabi-gcc", flags + ["-Wl,--print-gc-sections", dir.appendingPathComponent("main.c").path]
                                          + objects + ["-o", dir.appendingPathComponent("a.elf").path])
        _ = try Independent.run("arm-none-eabi-gcc", flags + [dir.appendingPathComponent("main.c").path, dir.appendingPathComponent("stub.c").path, "-o", dir.appendingPathComponent("b.elf").path])
        let a = try XCTUnwrap(Independent.berkeley(try Independent.run("arm-none-eabi-size", [dir.appendingPathComponent("a.elf").path])))
        let b = try XCTUnwrap(Independent.berkeley(try Independent.run("arm-none-eabi-size", [dir.appendingPathComponent("b.elf").path])))
        let linkedFlash = (a.text + a.data) - (b.text + b.data)
        XCTAssertLessThanOrEqual(abs(report.flashBytes - linkedFlash) * 10, linkedFlash,
                                 "report \(report.flashBytes) B vs linked \(linkedFlash) B")
        // What the report leaves out is what this link dropped of the model's flash sections, read from ld here.
        var dropped: Set<String> = []
        for line in linkLog.split(separator: "\n") where line.contains("removing unused section") {
            let quoted = line.split(separator: "'", omittingEmptySubsequences: false)
            guard quoted.count >= 4, quoted[3].hasPrefix(dir.path + "/") else { continue }
            let section = String(quoted[1])
            if [".text", ".rodata", ".data"].contains(where: { section.hasPrefix($0) }) {
                dropped.insert("\(URL(fileURLWithPath: String(quoted[3])).lastPathComponent): \(section)")
            }
        }
        let unlinked = try XCTUnwrap(m.target("cortex-m4")).unlinked
        XCTAssertEqual(Set(unlinked.map(\.name)), dropped)
        // The im2col layer calls its path directly, so mote_conv's dispatcher and other loops are not linked.
        XCTAssertTrue(dropped.contains("mote_conv.o: .text.mote_conv_direct"), "\(dropped)")
        // A saved report keeps the list (`mote report DIR` reads it back), and report.md names it.
        XCTAssertEqual(try SizeReport.decode(json: Data(try report.json().utf8)), report)
        XCTAssertTrue(report.markdown().contains("`mote_conv.o: .text.mote_conv_direct` "), report.markdown())
        XCTAssertEqual(a.bss - b.bss, report.arenaBytes, "the image's RAM growth is the arena")
        let arm = try XCTUnwrap(m.target("cortex-m4"))
        XCTAssertEqual(arm.link?.model.text, a.text - b.text)
        XCTAssertEqual(arm.stack.unresolved, [], "library routines are measured from the linked image")
        XCTAssertTrue(arm.link?.library.contains { $0.name == "__aeabi_ldivmod" } ?? false, "\(arm.link?.library ?? [])")
    }

    /// Two independent readings of the same frames: gcc's `-fstack-usage` and the prologues in the linked image.
    func testCortexM4DisassemblyFramesAgreeWithStackUsage() throws {
        guard Toolchains.requireCortexM4() else { return }
        let model = ReportModels.net(hidden: 16)
        let files = try ReportModels.emit(model, name: cName)
        let dir = try compileIndependently(files, .cortexM4)
        defer { try? FileManager.default.removeItem(at: dir) }
        let main = "#include <stdint.h>\n#include \"net.h\"\nstatic int8_t x[NET_INPUT_SIZE];\nstatic int8_t y[NET_OUTPUT_SIZE];\nint main(void) { return net_run(x, y); }\n"
        try Data(main.utf8).write(to: dir.appendingPathComponent("main.c"))
        let objects = files.filter { $0.path.hasSuffix(".c") }.map { dir.appendingPathComponent(String($0.path.dropLast(2)) + ".o").path }
        _ = try Independent.run("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft", "-Os", "--specs=nosys.specs",
                                                      "-I", dir.path, dir.appendingPathComponent("main.c").path] + objects + ["-o", dir.appendingPathComponent("a.elf").path])
        let listing = try Independent.run("arm-none-eabi-objdump", ["-d", "--no-show-raw-insn", dir.appendingPathComponent("a.elf").path])
        let functions = ToolOutput.armFunctions(listing)
        var compared = 0
        for object in objects {
            let text = (try? String(contentsOfFile: String(object.dropLast(2)) + ".su", encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let cols = line.split(separator: "\t")
                guard cols.count == 3, let bytes = Int(cols[1]), let fn = cols[0].split(separator: ":").last else { continue }
                // gcc's clones are "f.isra" in .su and "f.isra.0" in the image.
                let match = functions[String(fn)] ?? functions.first { $0.key.hasPrefix(String(fn) + ".") }?.value
                guard let f = match else { continue }   // dropped by the link or inlined
                XCTAssertEqual(f.frameBytes, bytes, String(fn))
                compared += 1
            }
        }
        XCTAssertGreaterThanOrEqual(compared, 6)
    }
}
