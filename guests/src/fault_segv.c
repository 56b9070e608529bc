#include <stdint.h>
#include <stdio.h>
int main(void) {
    puts("about to write through a wild pointer");
    fflush(stdout);
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)0x0000003ffff00000ULL;
    *p = 42;
    puts("unreachable");
    return 0;
}
