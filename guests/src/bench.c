/* CPU benchmark: a deterministic mix of integer loops, sorting, CRC32, a double matrix
 * multiply and indirect calls. Usage: bench [ITER]. Prints a checksum. Portable C, so the
 * same source also builds natively (bench/bench.py). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc_table[256];
static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}
static uint32_t crc32(const uint8_t *p, size_t n, uint32_t crc) {
    crc = ~crc;
    while (n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint64_t rng_state;
static uint64_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state >> 17;
}

static void isort(int32_t *a, int n) {
    for (int i = 1; i < n; i++) {
        int32_t v = a[i]; int j = i - 1;
        while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}
static void qsort_i(int32_t *a, int lo, int hi) {
    while (hi - lo > 16) {
        int32_t p = a[lo + (hi - lo) / 2];
        int i = lo, j = hi - 1;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { qsort_i(a, lo, j + 1); lo = i; }
        else { qsort_i(a, i, hi); hi = j + 1; }
    }
    isort(a + lo, hi - lo);
}

#define MN 48
static double ma[MN][MN], mb[MN][MN], mc[MN][MN];
static double matmul(int seed) {
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            ma[i][j] = (double)((i * 31 + j * 17 + seed) % 97) / 13.0 - 3.0;
            mb[i][j] = (double)((i * 7 + j * 29 + seed) % 89) / 11.0 - 4.0;
        }
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            double s = 0.0;
            for (int k = 0; k < MN; k++) s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
    double tr = 0.0;
    for (int i = 0; i < MN; i++) tr += mc[i][i] * (double)(i + 1);
    return tr;
}

typedef uint64_t (*op_fn)(uint64_t, uint64_t);
static uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
static uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ (b << 3); }
static uint64_t op_mul(uint64_t a, uint64_t b) { return a * (b | 1); }
static uint64_t op_rot(uint64_t a, uint64_t b) { unsigned r = b & 63; return (a << r) | (a >> ((64 - r) & 63)); }
static uint64_t op_div(uint64_t a, uint64_t b) { return a / ((b & 0xffff) + 1) + a % 7; }
static const op_fn ops[] = {op_add, op_xor, op_mul, op_rot, op_div};

static uint64_t collatz(uint64_t n) {
    uint64_t steps = 0;
    while (n != 1) { n = n & 1 ? 3 * n + 1 : n / 2; steps++; }
    return steps;
}

int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 500;
    crc_init();
    enum { NS = 4096, NB = 16384 };
    static int32_t arr[NS];
    static uint8_t buf[NB];
    uint64_t check = 0;
    double fsum = 0.0;
    for (int it = 0; it < iters; it++) {
        rng_state = (uint64_t)it * 0x9e3779b97f4a7c15ULL + 1;
        /* integer loop */
        uint64_t cs = 0;
        for (uint64_t n = 1; n < 3000; n++) cs += collatz(n + (uint64_t)it);
        check = check * 31 + cs;
        /* sort */
        for (int i = 0; i < NS; i++) arr[i] = (int32_t)(rnd() & 0xfffffff) - 0x8000000;
        qsort_i(arr, 0, NS);
        for (int i = 1; i < NS; i++) if (arr[i - 1] > arr[i]) { puts("sort error"); return 1; }
        check = check * 31 + (uint32_t)arr[NS / 2] + (uint32_t)arr[7];
        /* crc */
        for (int i = 0; i < NB; i++) buf[i] = (uint8_t)rnd();
        uint32_t crc = 0;
        for (int r = 0; r < 4; r++) crc = crc32(buf, NB, crc);
        check = check * 31 + crc;
        /* strings */
        char s[64];
        size_t tl = 0;
        for (int i = 0; i < 300; i++) { snprintf(s, sizeof s, "it%d-%d", it, i * i); tl += strlen(s); }
        check = check * 31 + tl;
        /* indirect calls */
        uint64_t v = (uint64_t)it + 12345;
        for (int i = 0; i < 20000; i++) v = ops[(v >> 7) % 5](v, (uint64_t)i);
        check = check * 31 + v;
        /* matmul */
        fsum += matmul(it);
    }
    printf("iters %d checksum %016llx fsum %.6f\n", iters, (unsigned long long)check, fsum);
    return 0;
}
