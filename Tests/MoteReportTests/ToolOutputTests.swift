import MoteReport
import MoteVerify
import XCTest

/// The parsers on hand-written tool output, and the call-graph search on small graphs with known answers.
final class ToolOutputTests: XCTestCase {
    func testBerkeleyAndSysVSize() {
        let berkeley = """
           text	   data	    bss	    dec	    hex	filename
          31540	      0	  16492	  48032	   bba0	/tmp/x/model.o
            916	      4	      0	    920	    398	/tmp/my dir/mote_conv.o
        """
        let rows = ToolOutput.berkeley(berkeley)
        XCTAssertEqual(rows.map(\.file), ["/tmp/x/model.o", "/tmp/my dir/mote_conv.o"])
        XCTAssertEqual(rows.map(\.sizes), [SectionSizes(text: 31540, data: 0, bss: 16492), SectionSizes(text: 916, data: 4, bss: 0)])
        let sysv = """
        model.o  :
        section                                         size   addr
        .text                                              0      0
        .text.model_run                                  224      0
        .rodata.model_a_weights                         2560      0
        .bss.model_arena                               16492      0
        Total                                          19276
        """
        let sections = ToolOutput.sections(sysv)
        XCTAssertEqual(sections.map(\.name), [".text", ".text.model_run", ".rodata.model_a_weights", ".bss.model_arena"])
        XCTAssertEqual(sections.map(\.bytes), [0, 224, 2560, 16492])
    }

    func testRemovedSections() {
        let ld = """
        /usr/lib/gcc/arm-none-eabi/12.2.1/../../../arm-none-eabi/bin/ld: removing unused section '.text.mote_conv_direct' in file '/tmp/my dir/mote_conv.o'
        /usr/bin/ld: removing unused section '.rodata.model_table' in file 'model.o'
        /usr/bin/ld: removing unused section '.text' in file '/usr/lib/crt0.o'
        /usr/bin/ld: removing unused section '.text.mote_pool' in file '/tmp/my dir/mote_conv.o'
        /usr/bin/ld: warning: something else entirely
        """
        let removed = ToolOutput.removedSections(ld)
        XCTAssertEqual(removed, ["/tmp/my dir/mote_conv.o": [".text.mote_conv_direct", ".text.mote_pool"],
                                 "model.o": [".rodata.model_table"], "/usr/lib/crt0.o": [".text"]])
        XCTAssertEqual(ToolOutput.removedSections("ld: removing unused section '.text.f' in file"), [:], "cut short")
    }

    func testNmWithAndWithoutSizes() {
        let nm = """
        00000000 00000010 r model_softmax_params
        0000000000000000 0000000000000a00 r model_conv_weights
                 U memcpy
        00000000 T _start
        """
        let s = ToolOutput.symbols(nm)
        XCTAssertEqual(s.map(\.name), ["model_softmax_params", "model_conv_weights"])
        XCTAssertEqual(s.map(\.bytes), [16, 2560])
        // In a linked image, a routine without a size spans to the next symbol.
        let image = """
        00008b2c T __aeabi_ldivmod
        00008bcc 000002bc T __udivmoddi4
        00008e88 00000002 W __aeabi_idiv0
        """
        let linked = ToolOutput.symbolsByAddress(image)
        XCTAssertEqual(linked.map(\.name), ["__aeabi_ldivmod", "__udivmoddi4", "__aeabi_idiv0"])
        XCTAssertEqual(linked.map(\.bytes), [0xa0, 0x2bc, 2])
    }

    func testStackUsageLines() {
        let su = """
        /tmp/a:b/model.c:2008:5:model_run\t24\tstatic
        /tmp/a:b/mote_pool.c:47:16:mote_pool_counted.isra\t40\tdynamic,bounded
        garbage line
        """
        let entries = ToolOutput.stackUsage(su)
        XCTAssertEqual(entries.map(\.function), ["model_run", "mote_pool_counted.isra"])
        XCTAssertEqual(entries.map(\.location), ["/tmp/a:b/model.c:2008:5", "/tmp/a:b/mote_pool.c:47:16"])
        XCTAssertEqual(entries.map(\.bytes), [24, 40])
        XCTAssertEqual(entries.map(\.qualifier), ["static", "dynamic,bounded"])
    }

    /// run (24) calls a (100) and b (40); b calls a static helper h (80) and the library's memcpy.
    func graph(extraEdge: String = "") -> [(stackUsage: String, callGraph: String)] {
        let su1 = "/d/m.c:1:1:run\t24\tstatic\n"
        let ci1 = """
        graph: { title: "/d/m.c"
        node: { title: "run" label: "run\\n/d/m.c:1:1\\n24 bytes (static)" }
        node: { title: "a" label: "a\\n/d/k.h:3:6" shape : ellipse }
        edge: { sourcename: "run" targetname: "a" label: "/d/m.c:5:5" }
        node: { title: "b" label: "b\\n/d/k.h:4:6" shape : ellipse }
        edge: { sourcename: "run" targetname: "b" label: "/d/m.c:6:5" }
        \(extraEdge)
        }
        """
        let su2 = "/d/k.c:10:6:a\t100\tstatic\n/d/k.c:20:6:b\t40\tstatic\n/d/k.c:30:13:h.isra\t80\tstatic\n"
        let ci2 = """
        graph: { title: "/d/k.c"
        node: { title: "a" label: "a\\n/d/k.c:10:6\\n100 bytes (static)" }
        node: { title: "b" label: "b\\n/d/k.c:20:6\\n40 bytes (static)" }
        node: { title: "/d/k.c:h.isra.0" label: "h.isra\\n/d/k.c:30:13\\n80 bytes (static)" }
        edge: { sourcename: "b" targetname: "/d/k.c:h.isra.0" label: "/d/k.c:22:9" }
        node: { title: "memcpy" label: "__builtin_memcpy\\n<built-in>" shape : ellipse }
        edge: { sourcename: "b" targetname: "memcpy" }
        }
        """
        return [(su1, ci1), (su2, ci2)]
    }

    func testDeepestChainFollowsTheCallGraph() {
        let stack = StackAnalysis(objects: graph()).deepest(from: "run")
        XCTAssertEqual(stack.bytes, 24 + 40 + 80)
        XCTAssertEqual(stack.chain.map(\.function), ["run", "b", "h.isra"])
        XCTAssertEqual(stack.unresolved, ["memcpy"], "no image: the library routine is named, not guessed")
        XCTAssertFalse(stack.isBound)

        // With a linked image, memcpy's frame comes from its disassembly and may deepen the chain.
        let memcpy = ToolOutput.DisassembledFunction(name: "memcpy", frameBytes: 200, callees: [], unknownDepth: false)
        let linked = StackAnalysis(objects: graph(), library: ["memcpy": memcpy]).deepest(from: "run")
        XCTAssertEqual(linked.bytes, 24 + 40 + 200)
        XCTAssertEqual(linked.chain.map(\.source), ["su", "su", "disassembly"])
        XCTAssertTrue(linked.isBound)

        // A call the compiler dropped after writing the graph (absent from the image) is ignored.
        let dropped = StackAnalysis(objects: graph(), library: [:]).deepest(from: "run")
        XCTAssertEqual(dropped.unresolved, [])
        XCTAssertEqual(dropped.bytes, 24 + 40 + 80)
    }

    func testRecursionIsReported() {
        let stack = StackAnalysis(objects: graph(extraEdge: "edge: { sourcename: \"run\" targetname: \"run\" }")).deepest(from: "run")
        XCTAssertTrue(stack.recursive)
        XCTAssertFalse(stack.isBound)
    }

    func testThumbPrologues() {
        let listing = """
        00008128 <f>:
            8128:\tpush\t{r3, r4, r5, r6, r7, lr}
            812a:\tsub\tsp, #76\t@ 0x4c
            812c:\tbl\t8f30 <memcpy>
            8130:\tbeq.n\t8140 <f+0x18>
            8132:\tb.w\t8e88 <g>

        00008e88 <g>:
            8e88:\tstmdb\tsp!, {r4, r5, r6, r7, r8, r9, sl, lr}
            8e8c:\tvpush\t{d8-d9}
            8e90:\tsub.w\tsp, sp, #1024\t@ 0x400
            8e94:\tstrd\tip, lr, [sp, #-16]!
            8e98:\tblx\tr3

        00008f30 <memcpy>:
            8f30:\tmov\tip, r0
            8f32:\tbx\tlr
        """
        let f = ToolOutput.armFunctions(listing)
        XCTAssertEqual(f["f"]?.frameBytes, 24 + 76)
        XCTAssertEqual(f["f"]?.callees, ["g", "memcpy"])
        XCTAssertEqual(f["f"]?.unknownDepth, false)
        XCTAssertEqual(f["g"]?.frameBytes, 32 + 16 + 1024 + 16)
        XCTAssertEqual(f["g"]?.unknownDepth, true, "blx r3 is an indirect call")
        XCTAssertEqual(f["memcpy"]?.frameBytes, 0)
        XCTAssertEqual(f["memcpy"]?.callees, [])
    }

    func testLayerSymbolsComeFromTheLayerComments() {
        let c = """
        static union {
            int32_t align;
            int8_t bytes[NET_ARENA_BYTES];
        } net_arena;

        /*
         * Layer 0: "conv1"
         *   op: conv
         */
        static const int8_t net_conv1_weights[36] = {
        static const mote_conv_params net_conv1_params = {
        /*
         * Layer 1: "flatten"
         */
        /*
         * Layer 2: "fc"
         */
        static const int32_t net_fc_bias[10] = {
        int net_run(const int8_t *input, int8_t *output)
        static const int8_t not_a_layer[4] = {
        """
        let owner = ToolOutput.layerSymbols(modelSource: c, runFunction: "net_run")
        XCTAssertEqual(owner, ["net_conv1_weights": 0, "net_conv1_params": 0, "net_fc_bias": 2])
    }
}
