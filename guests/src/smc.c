/* Self-modifying code: write small functions into an RWX page, flush the icache, call them,
 * rewrite them with different constants, call again. Also patches a function in place while
 * a neighbouring function on the same page stays unchanged. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef long (*fn_t)(void);
typedef long (*fn1_t)(long);

static uint32_t addi(int rd, int rs1, int imm) { return ((uint32_t)(imm & 0xfff) << 20) | (uint32_t)rs1 << 15 | (uint32_t)rd << 7 | 0x13; }
static uint32_t lui(int rd, uint32_t imm20) { return (imm20 << 12) | (uint32_t)rd << 7 | 0x37; }
static uint32_t addiw(int rd, int rs1, int imm) { return ((uint32_t)(imm & 0xfff) << 20) | (uint32_t)rs1 << 15 | (uint32_t)rd << 7 | 0x1b; }
static uint32_t add(int rd, int rs1, int rs2) { return (uint32_t)rs2 << 20 | (uint32_t)rs1 << 15 | (uint32_t)rd << 7 | 0x33; }
#define RET 0x00008067u

/* li a0, n (32-bit n) ; ret */
static void gen_li(uint32_t *p, int32_t n) {
    int32_t lo = (int32_t)((uint32_t)n << 20) >> 20;
    uint32_t hi = (uint32_t)(n - lo) >> 12;
    p[0] = lui(10, hi & 0xfffff);
    p[1] = addiw(10, 10, lo);
    p[2] = RET;
}

int main(void) {
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) { puts("mmap failed"); return 1; }
    uint32_t *f1 = (uint32_t *)page, *f2 = (uint32_t *)(page + 64), *f3 = (uint32_t *)(page + 128);
    uint16_t *fc = (uint16_t *)(page + 256);

    /* f2: a0 = a0 + 1000 (unchanged for the whole run) */
    f2[0] = addi(10, 10, 1000); f2[1] = RET;
    __builtin___clear_cache((char *)page, (char *)page + 4096);

    long sum = 0, sum2 = 0;
    for (int i = 0; i < 2000; i++) {
        gen_li(f1, i * 7919 - 500000);
        __builtin___clear_cache((char *)f1, (char *)(f1 + 3));
        long v = ((fn_t)f1)();
        sum += v;
        sum2 += ((fn1_t)(void *)f2)(v & 0xff);
        if (i % 500 == 0) printf("iter %d -> %ld\n", i, v);
    }
    printf("sum %ld sum2 %ld\n", sum, sum2);

    /* patch a single immediate in place (one-instruction change), loop of calls */
    f3[0] = addi(10, 0, 0); f3[1] = add(10, 10, 11); f3[2] = RET;  /* a0 = imm + a1 */
    long acc = 0;
    for (int i = 0; i < 1000; i++) {
        f3[0] = addi(10, 0, (i % 2047) - 1023);
        __builtin___clear_cache((char *)f3, (char *)(f3 + 1));
        acc += ((long (*)(long, long))(void *)f3)(0, i);
    }
    printf("patch acc %ld\n", acc);

    /* compressed: c.li a0, imm6 ; c.jr ra */
    long csum = 0;
    for (int i = -32; i < 32; i++) {
        fc[0] = (uint16_t)(0x4001 | ((i >> 5) & 1) << 12 | 10 << 7 | (i & 0x1f) << 2);
        fc[1] = 0x8082;
        __builtin___clear_cache((char *)fc, (char *)(fc + 2));
        csum = csum * 3 + ((fn_t)(void *)fc)();
    }
    printf("compressed %ld\n", csum);

    /* a function written once and then its page is made read+exec only */
    gen_li(f1, 123456789);
    __builtin___clear_cache((char *)f1, (char *)(f1 + 3));
    printf("mprotect %d\n", mprotect(page, 4096, PROT_READ | PROT_EXEC));
    printf("final %ld %ld\n", ((fn_t)f1)(), ((fn1_t)(void *)f2)(1));
    munmap(page, 4096);
    return 0;
}
