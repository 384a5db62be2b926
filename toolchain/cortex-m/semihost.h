/* semihost.h - the Arm semihosting calls the Mote Cortex-M harness needs (file I/O on the host, exit status).
 *
 * A semihosting call is `bkpt 0xab` with the operation number in r0 and a pointer to its argument block in r1;
 * the debugger (here QEMU with -semihosting-config enable=on,target=native) performs it and returns in r0.
 */
#ifndef MOTE_SEMIHOST_H
#define MOTE_SEMIHOST_H

#include <stddef.h>

/* SYS_OPEN modes (ISO C fopen modes, in the order the semihosting specification numbers them). */
#define MOTE_SH_MODE_RB 1
#define MOTE_SH_MODE_WB 5

/* Opens the host file `path`; returns a handle, or -1. */
int mote_sh_open(const char *path, int mode);
/* Reads up to `len` bytes; returns the number of bytes read (0 at end of file), or -1. */
int mote_sh_read(int handle, void *buf, size_t len);
/* Writes `len` bytes; returns 0 when all were written, -1 otherwise. */
int mote_sh_write(int handle, const void *buf, size_t len);
/* Closes a handle; returns 0 or -1. */
int mote_sh_close(int handle);
/* Writes a NUL-terminated string to the host's console (QEMU's stdout/stderr). */
void mote_sh_write0(const char *text);
/* Ends the emulation with `status` as QEMU's exit status (SYS_EXIT_EXTENDED). Does not return. */
void mote_sh_exit(int status) __attribute__((noreturn));

#endif
