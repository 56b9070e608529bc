/* Executes N distinct translation blocks (default 1,000,000): JIT-style, it writes N tiny
 * blocks `addi a0, a0, k; bne a0, zero, .+4` followed by `ret` into an RWX mapping and calls
 * the result once; each block ends in a branch, so each is its own TB. Prints the sum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    size_t size = (size_t)n * 8 + 4;
    uint32_t *code = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { puts("mmap failed"); return 1; }
    long want = 1;
    for (long i = 0; i < n; i++) {
        int k = (int)(i % 2000) + 1;
        code[2 * i] = ((uint32_t)k << 20) | 10u << 15 | 10u << 7 | 0x13; /* addi a0, a0, k */
        code[2 * i + 1] = 0x00051263u;                 /* bne a0, zero, .+4 */
        want += k;
    }
    code[2 * n] = 0x00008067u;                          /* ret */
    __builtin___clear_cache((char *)code, (char *)code + size);
    long got = ((long (*)(long))(void *)code)(1);
    printf("blocks %ld sum %ld %s\n", n, got, got == want ? "ok" : "WRONG");
    return got == want ? 0 : 1;
}
