/* startup.c - vector table and reset handler for the emulated Cortex-M boards.
 *
 * Reset: copy .data from flash to RAM, zero .bss, enable the FPU when the code is built to use it, call main,
 * and leave QEMU with main's return value through semihosting. A fault prints its name and exits with status 3,
 * so a crash inside the model is a clear failure rather than a hang until the timeout.
 * The symbols come from link.ld.
 */
#include <stdint.h>
#include "semihost.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[], __stack_top[];
extern int main(void);

void mote_reset(void) __attribute__((noreturn));
void mote_fault(void) __attribute__((noreturn));

void mote_reset(void)
{
    uint32_t *src = __data_load;
    uint32_t *dst = __data_start;
    while (dst < __data_end) *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end; dst++) *dst = 0;
#if defined(__ARM_FP)
    /* CPACR: full access to coprocessors 10 and 11 (the FPU), then synchronise before any FP instruction. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    mote_sh_exit(main());
}

void mote_fault(void)
{
    mote_sh_write0("mote harness: processor fault (HardFault/MemManage/BusFault/UsageFault)\n");
    mote_sh_exit(3);
}

/* Initial stack pointer, reset, NMI, HardFault, MemManage, BusFault, UsageFault, SecureFault; the rest unused. */
__attribute__((section(".vectors"), used))
static void (*const mote_vectors[16])(void) = {
    (void (*)(void))__stack_top, mote_reset, mote_fault, mote_fault, mote_fault, mote_fault, mote_fault, mote_fault,
    0, 0, 0, 0, 0, 0, 0, 0,
};
