/* Rewrites its own code 10,000 times (default): each round regenerates a small function with
 * a new constant and a new operation (add/xor/sub, 4-byte and compressed forms), sometimes in
 * place and sometimes at a shifted offset in the same RWX page, calls it and checks it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint32_t addi(int rd, int rs1, int imm) { return ((uint32_t)(imm & 0xfff) << 20) | (uint32_t)rs1 << 15 | (uint32_t)rd << 7 | 0x13; }
static uint32_t xori(int rd, int rs1, int imm) { return ((uint32_t)(imm & 0xfff) << 20) | (uint32_t)rs1 << 15 | 4u << 12 | (uint32_t)rd << 7 | 0x13; }
#define RET 0x00008067u
#define C_JR_RA 0x8082u

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 10000;
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) { puts("mmap failed"); return 1; }
    long bad = 0, acc = 0;
    for (long r = 0; r < rounds; r++) {
        int k = (int)(r % 4000) - 2000;
        size_t off = (r % 3 == 0) ? 0 : (size_t)(r % 64) * 16;
        long want;
        if (r % 2 == 0) {
            uint32_t *p = (uint32_t *)(page + off);
            p[0] = addi(10, 10, k); p[1] = RET; want = 5 + k;
        } else if (r % 5 == 1) {
            uint16_t *p = (uint16_t *)(page + off);   /* c.addi a0, imm6 ; c.jr ra */
            int c = (int)(r % 63) - 31; if (c == 0) c = 1;
            p[0] = (uint16_t)(0x0001 | 10 << 7 | (c & 0x1f) << 2 | ((c >> 5) & 1) << 12);
            p[1] = C_JR_RA; want = 5 + c;
        } else {
            uint32_t *p = (uint32_t *)(page + off);
            p[0] = xori(10, 10, k); p[1] = RET; want = 5 ^ (long)k;
        }
        __builtin___clear_cache((char *)page + off, (char *)page + off + 8);
        long got = ((long (*)(long))(void *)(page + off))(5);
        if (got != want) bad++;
        acc += got;
    }
    printf("rounds %ld acc %ld bad %ld\n", rounds, acc, bad);
    return bad != 0;
}
