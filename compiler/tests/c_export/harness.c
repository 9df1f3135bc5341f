/* Test harness for exported models: runs every vector of vectors.h through
 * tinyml_invoke and prints each output as one line of decimal values. The same file
 * builds on the host (stdio) and bare-metal Arm under QEMU (semihosting), so both
 * print exactly the same text for the test to compare. */
#include "model.h"
#include "vectors.h"

#if defined(__arm__)
/* Arm semihosting (bkpt 0xAB): SYS_WRITE0 prints a string, SYS_EXIT ends QEMU. */
static void semihost(int32_t op, const void *arg) {
    register int32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
}
static void emit(const char *s) { semihost(0x04, s); }
static void finish(int code) {
    /* ADP_Stopped_ApplicationExit (0x20026) exits 0; anything else exits 1. */
    semihost(0x18, (const void *)(code == 0 ? 0x20026 : 0x20023));
    for (;;) {
    }
}
#else
#include <stdio.h>
static void emit(const char *s) { fputs(s, stdout); }
static void finish(int code) { (void)code; }
#endif

static char line[16 * TINYML_OUTPUT_ELEMENTS + 2];

/* Appends the decimal form of v at p; returns the new end. */
static char *put_int(char *p, int32_t v) {
    char digits[12];
    int n = 0;
    uint32_t u = v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
    if (v < 0) {
        *p++ = '-';
    }
    do {
        digits[n++] = (char)('0' + (u % 10u));
        u /= 10u;
    } while (u != 0u);
    while (n > 0) {
        *p++ = digits[--n];
    }
    return p;
}

int main(void) {
    static tinyml_input_t input[TINYML_INPUT_ELEMENTS];
    static tinyml_output_t output[TINYML_OUTPUT_ELEMENTS];
    int32_t v, i;
    for (v = 0; v < TEST_VECTORS; ++v) {
        char *p = line;
        for (i = 0; i < TINYML_INPUT_ELEMENTS; ++i) {
            input[i] = (tinyml_input_t)test_vectors[v][i];
        }
        if (tinyml_invoke(input, output) != 0) {
            emit("tinyml_invoke failed\n");
            finish(1);
            return 1;
        }
        for (i = 0; i < TINYML_OUTPUT_ELEMENTS; ++i) {
            if (i > 0) {
                *p++ = ' ';
            }
            p = put_int(p, (int32_t)output[i]);
        }
        *p++ = '\n';
        *p = '\0';
        emit(line);
    }
    emit("done\n");
    finish(0);
    return 0;
}
