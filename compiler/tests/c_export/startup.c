/* Minimal Cortex-M startup for the QEMU test build: vector table at 0x0 (mps3-an547
 * ITCM), .data copied from its load address, .bss zeroed, FPU/MVE enabled, main. */
#include <stdint.h>

extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, __stack_top;
int main(void);
void Reset_Handler(void);
static void Fault_Handler(void) {
    for (;;) {
    }
}

__attribute__((section(".vectors"), used)) void (*const vector_table[16])(void) = {
    (void (*)(void))&__stack_top, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler,
};

void Reset_Handler(void) {
    uint32_t *src = &__data_load;
    uint32_t *dst;
    for (dst = &__data_start; dst < &__data_end;) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start; dst < &__bss_end;) {
        *dst++ = 0;
    }
    /* CPACR: full access to CP10/CP11 (FPU and Helium), in case the compiler uses them. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    main();
    for (;;) {
    }
}
