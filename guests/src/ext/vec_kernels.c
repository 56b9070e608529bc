/* Kernels that clang-16 autovectorizes for -march=rv64gcv (bench/vector.py builds this file
 * twice, for rv64gcv and rv64gc, and runs both under tbwasm and qemu).
 *
 *   vec_kernels KERNEL ITERS      runs KERNEL ITERS times over fixed data, prints a checksum
 *
 * The checksum depends only on the data, not on the build: the gcv and gc builds must print
 * the same line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 4096
static float fx[N], fy[N];
static int32_t ia[N], ib[N];
static int16_t ha[N], hb[N];
static int32_t wide[N];
static uint8_t bytes[N], bytes2[N];
static uint32_t idx[N];
static int32_t strided[4 * N];
static uint32_t hist[256];

__attribute__((noinline)) static void saxpy(float a, const float *x, float *y, int n) {
    for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}
__attribute__((noinline)) static int64_t dot(const int32_t *a, const int32_t *b, int n) {
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += (int64_t)a[i] * b[i];
    return s;
}
__attribute__((noinline)) static void widen_mul(int32_t *r, const int16_t *a, const int16_t *b, int n) {
    for (int i = 0; i < n; i++) r[i] = (int32_t)a[i] * b[i];
}
__attribute__((noinline)) static uint32_t reduce_sum_max(const int32_t *a, int n, int32_t *max) {
    uint32_t s = 0;
    int32_t m = INT32_MIN;
    for (int i = 0; i < n; i++) {
        s += (uint32_t)a[i];
        m = a[i] > m ? a[i] : m;
    }
    *max = m;
    return s;
}
__attribute__((noinline)) static void masked(int32_t *r, const int32_t *a, const int32_t *b, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] > b[i]) r[i] = a[i] - b[i];
}
__attribute__((noinline)) static int64_t strided_sum(const int32_t *a, int n) {
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += a[4 * i] ^ a[4 * i + 1];
    return s;
}
__attribute__((noinline)) static int64_t gather(const int32_t *a, const uint32_t *ix, int n) {
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += a[ix[i]];
    return s;
}
__attribute__((noinline)) static void histogram(uint32_t *h, const uint8_t *p, int n) {
    for (int i = 0; i < n; i++) h[p[i]]++;
}
__attribute__((noinline)) static void copy_bytes(uint8_t *restrict d, const uint8_t *restrict s, int n) {
    for (int i = 0; i < n; i++) d[i] = s[i];
}

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3ull; }

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: vec_kernels KERNEL ITERS\n");
        return 2;
    }
    const char *k = argv[1];
    long iters = atol(argv[2]);
    uint32_t seed = 12345;
#pragma clang loop vectorize(disable)
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        fx[i] = (float)(seed >> 20) / 4096.0f;
        fy[i] = (float)(i % 97) / 8.0f;
        ia[i] = (int32_t)(seed >> 8) - (1 << 23);
        ib[i] = (int32_t)(seed * 2654435761u >> 9) - (1 << 22);
        ha[i] = (int16_t)(seed >> 13);
        hb[i] = (int16_t)(seed >> 3);
        bytes[i] = (uint8_t)(seed >> 17);
        idx[i] = (seed >> 7) % N;
    }
#pragma clang loop vectorize(disable)
    for (int i = 0; i < 4 * N; i++) strided[i] = i * 7 - 3000;
    uint64_t h = 1469598103934665603ull;
    for (long it = 0; it < iters; it++) {
        /* the inputs change a little every iteration, and the compiler may not keep anything
           of one iteration's memory for the next: no call is hoisted out of this loop */
        ia[it % N] ^= 1;
        __asm__ volatile("" ::: "memory");
        if (!strcmp(k, "saxpy")) {
            saxpy(0.5f, fx, fy, N);
        } else if (!strcmp(k, "dot")) {
            h = mix(h, (uint64_t)dot(ia, ib, N));
        } else if (!strcmp(k, "widen")) {
            widen_mul(wide, ha, hb, N);
            h = mix(h, (uint32_t)wide[it % N]);
        } else if (!strcmp(k, "reduce")) {
            int32_t m;
            h = mix(h, reduce_sum_max(ia, N, &m));
            h = mix(h, (uint32_t)m);
        } else if (!strcmp(k, "masked")) {
            masked(wide, ia, ib, N);
            h = mix(h, (uint32_t)wide[(it * 31) % N]);
        } else if (!strcmp(k, "strided")) {
            h = mix(h, (uint64_t)strided_sum(strided, N));
        } else if (!strcmp(k, "gather")) {
            h = mix(h, (uint64_t)gather(ia, idx, N));
        } else if (!strcmp(k, "histogram")) {
            histogram(hist, bytes, N);
        } else if (!strcmp(k, "memcpy")) {
            copy_bytes(bytes2, bytes, N - (int)(it % 7));
            h = mix(h, bytes2[it % N]);
        } else {
            fprintf(stderr, "vec_kernels: unknown kernel %s\n", k);
            return 2;
        }
    }
#pragma clang loop vectorize(disable)
    for (int i = 0; i < N; i++) {
        uint32_t bits;
        memcpy(&bits, &fy[i], 4);
        h = mix(h, bits ^ (uint32_t)wide[i] ^ bytes2[i]);
    }
#pragma clang loop vectorize(disable)
    for (int i = 0; i < 256; i++) h = mix(h, hist[i]);
    printf("%s %016llx\n", k, (unsigned long long)h);
    return 0;
}
