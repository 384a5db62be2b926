/* semihost.c - Arm semihosting over `bkpt 0xab` (Thumb state, all Cortex-M profiles). See semihost.h. */
#include <stdint.h>
#include "semihost.h"

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE0 0x04
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

/* One call: operation in r0, argument in r1, result in r0. "memory": the host reads and writes our buffers. */
static uintptr_t semihost_call(uintptr_t op, const void *arg)
{
    register uintptr_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') n++;
    return n;
}

int mote_sh_open(const char *path, int mode)
{
    uintptr_t args[3];
    args[0] = (uintptr_t)path;
    args[1] = (uintptr_t)mode;
    args[2] = (uintptr_t)length(path);
    return (int)semihost_call(SYS_OPEN, args);
}

int mote_sh_read(int handle, void *buf, size_t len)
{
    uintptr_t args[3];
    uintptr_t left;
    args[0] = (uintptr_t)handle;
    args[1] = (uintptr_t)buf;
    args[2] = (uintptr_t)len;
    left = semihost_call(SYS_READ, args); /* the number of bytes NOT read */
    return left > len ? -1 : (int)(len - left);
}

int mote_sh_write(int handle, const void *buf, size_t len)
{
    uintptr_t args[3];
    args[0] = (uintptr_t)handle;
    args[1] = (uintptr_t)buf;
    args[2] = (uintptr_t)len;
    return semihost_call(SYS_WRITE, args) == 0 ? 0 : -1; /* the number of bytes NOT written */
}

int mote_sh_close(int handle)
{
    uintptr_t args[1];
    args[0] = (uintptr_t)handle;
    return semihost_call(SYS_CLOSE, args) == 0 ? 0 : -1;
}

void mote_sh_write0(const char *text)
{
    (void)semihost_call(SYS_WRITE0, text);
}

void mote_sh_exit(int status)
{
    uintptr_t args[2];
    args[0] = ADP_STOPPED_APPLICATION_EXIT;
    args[1] = (uintptr_t)status;
    (void)semihost_call(SYS_EXIT_EXTENDED, args);
    for (;;) {
    }
}
