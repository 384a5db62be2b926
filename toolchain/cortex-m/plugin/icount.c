/* icount.c - Mote's executed-instruction counter, a QEMU TCG plugin (built by `mote bench` with the host gcc:
 * gcc -shared -fPIC -O2 icount.c -o icount.so).
 *
 *   qemu-system-arm ... -icount shift=0 -plugin icount.so,marks=MARKS,out=OUT
 *
 * Counts every guest instruction executed. MARKS is a file of hexadecimal guest addresses, one a line; each time
 * the instruction at a marked address executes, the plugin records "INDEX COUNT", where COUNT is the number of
 * instructions executed so far *including* that one, and INDEX the line of the address in MARKS (0-based).
 * At exit it writes the records, one a line, then "total COUNT", to OUT.
 *
 * Translation blocks without a marked instruction get one inline add of their length (cheap); a block with a
 * marked instruction gets an inline add per instruction, so that the snapshot taken at the mark is exact.
 * With -icount shift=0 and no interrupts the counts repeat exactly from run to run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t count;
static uint64_t *marks;
static size_t n_marks;
static char *out_path;

struct record { uint32_t index; uint64_t count; };
static struct record *records;
static size_t n_records, cap_records;

static long mark_index(uint64_t vaddr)
{
    for (size_t i = 0; i < n_marks; i++) if (marks[i] == vaddr) return (long)i;
    return -1;
}

static void on_mark(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    if (n_records == cap_records) {
        cap_records = cap_records ? cap_records * 2 : 1024;
        records = realloc(records, cap_records * sizeof *records);
        if (!records) abort();
    }
    records[n_records].index = (uint32_t)(uintptr_t)udata;
    records[n_records].count = count;
    n_records++;
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    int marked = 0;
    for (size_t i = 0; i < n && !marked; i++) marked = mark_index(qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i))) >= 0;
    if (!marked) {
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &count, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &count, 1);
        long m = mark_index(qemu_plugin_insn_vaddr(insn));
        if (m >= 0) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)m);
    }
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
    (void)id; (void)udata;
    FILE *f = out_path ? fopen(out_path, "w") : NULL;
    if (!f) { qemu_plugin_outs("icount: cannot write the output file\n"); return; }
    for (size_t i = 0; i < n_records; i++)
        fprintf(f, "%u %llu\n", (unsigned)records[i].index, (unsigned long long)records[i].count);
    fprintf(f, "total %llu\n", (unsigned long long)count);
    fclose(f);
}

static int read_marks(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[64];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n' || line[0] == 0) continue;
        marks = realloc(marks, (n_marks + 1) * sizeof *marks);
        if (!marks) { fclose(f); return -1; }
        marks[n_marks++] = strtoull(line, NULL, 16);
    }
    fclose(f);
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "marks=", 6) == 0) {
            if (read_marks(argv[i] + 6) != 0) { qemu_plugin_outs("icount: cannot read the marks file\n"); return -1; }
        } else if (strncmp(argv[i], "out=", 4) == 0) {
            out_path = strdup(argv[i] + 4);
        } else {
            qemu_plugin_outs("icount: unknown argument (expected marks=FILE, out=FILE)\n");
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
    return 0;
}
