#include <stdint.h>
#include <stdio.h>
int main(void) {
    static uint64_t words[2];
    puts("about to run an AMO on a misaligned address");
    fflush(stdout);
    volatile uint32_t *p = (volatile uint32_t *)((uintptr_t)words + 2);
    uint32_t old;
    __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(1) : "memory");
    printf("unreachable %u\n", old);
    return 0;
}
