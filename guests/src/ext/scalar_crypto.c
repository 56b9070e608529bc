/* The scalar cryptography instructions doing real work: AES-128 (FIPS-197 appendix C.1) with
 * the key schedule by aes64ks1i/aes64ks2, encryption by aes64es/aes64esm, decryption by
 * aes64ds/aes64dsm with round keys through aes64im, and SHA-256 of "abc" (FIPS 180-4) with
 * sha256sig0/1 and sha256sum0/1. Prints the results in hex.
 * Not built by build.sh (it needs -march=rv64gc_zkne_zknd_zknh, and plain qemu-riscv64 7.2 runs
 * every guests/bin program): tests/guests/test_scalar_crypto.py builds it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define OP2(name, a, b) ({ uint64_t r_; __asm__(#name " %0, %1, %2" : "=r"(r_) : "r"(a), "r"(b)); r_; })
#define OP1(name, a) ({ uint64_t r_; __asm__(#name " %0, %1" : "=r"(r_) : "r"(a)); r_; })
#define KS1I(a, rnum) ({ uint64_t r_; __asm__("aes64ks1i %0, %1, %2" : "=r"(r_) : "r"(a), "i"(rnum)); r_; })

static uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void store64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void hex(const char *what, const uint8_t *p, int n) {
    printf("%s ", what);
    for (int i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

/* The specification's AES-128 key schedule: rk[2i], rk[2i+1] are round key i. */
static void aes128_key_schedule(uint64_t rk[22], const uint8_t key[16]) {
    uint64_t a = load64(key), b = load64(key + 8);
    rk[0] = a;
    rk[1] = b;
#define ROUND(i, rnum)                 \
    a = OP2(aes64ks2, KS1I(b, rnum), a); \
    b = OP2(aes64ks2, a, b);           \
    rk[2 * (i)] = a;                   \
    rk[2 * (i) + 1] = b;
    ROUND(1, 0) ROUND(2, 1) ROUND(3, 2) ROUND(4, 3) ROUND(5, 4)
    ROUND(6, 5) ROUND(7, 6) ROUND(8, 7) ROUND(9, 8) ROUND(10, 9)
#undef ROUND
}

static void aes128_encrypt(uint8_t out[16], const uint8_t in[16], const uint64_t rk[22]) {
    uint64_t s0 = load64(in) ^ rk[0], s1 = load64(in + 8) ^ rk[1];
    for (int r = 1; r < 10; r++) {
        uint64_t n0 = OP2(aes64esm, s0, s1), n1 = OP2(aes64esm, s1, s0);
        s0 = n0 ^ rk[2 * r];
        s1 = n1 ^ rk[2 * r + 1];
    }
    uint64_t n0 = OP2(aes64es, s0, s1), n1 = OP2(aes64es, s1, s0);
    store64(out, n0 ^ rk[20]);
    store64(out + 8, n1 ^ rk[21]);
}

static void aes128_decrypt(uint8_t out[16], const uint8_t in[16], const uint64_t rk[22]) {
    uint64_t dk[22]; /* the equivalent inverse cipher's round keys */
    for (int i = 0; i < 22; i++)
        dk[i] = (i < 2 || i >= 20) ? rk[i] : OP1(aes64im, rk[i]);
    uint64_t s0 = load64(in) ^ dk[20], s1 = load64(in + 8) ^ dk[21];
    for (int r = 9; r > 0; r--) {
        uint64_t n0 = OP2(aes64dsm, s0, s1), n1 = OP2(aes64dsm, s1, s0);
        s0 = n0 ^ dk[2 * r];
        s1 = n1 ^ dk[2 * r + 1];
    }
    uint64_t n0 = OP2(aes64ds, s0, s1), n1 = OP2(aes64ds, s1, s0);
    store64(out, n0 ^ dk[0]);
    store64(out + 8, n1 ^ dk[1]);
}

static uint32_t ror32(uint32_t x, int n) { return x >> n | x << (32 - n); }

static void sha256_block(uint32_t h[8], const uint8_t blk[64]) {
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)blk[4 * i] << 24 | blk[4 * i + 1] << 16 | blk[4 * i + 2] << 8 | blk[4 * i + 3];
    for (int i = 16; i < 64; i++)
        w[i] = (uint32_t)OP1(sha256sig1, w[i - 2]) + w[i - 7] + (uint32_t)OP1(sha256sig0, w[i - 15]) +
               w[i - 16];
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (uint32_t)OP1(sha256sum1, e) + ((e & f) ^ (~e & g)) + k[i] + w[i];
        uint32_t t2 = (uint32_t)OP1(sha256sum0, a) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
    /* the instructions agree with the C definitions on this block's last words */
    if ((uint32_t)OP1(sha256sum0, a) != (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)))
        printf("sha256sum0 differs from its definition\n");
}

int main(void) {
    static const uint8_t key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    static const uint8_t plain[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    uint64_t rk[22];
    uint8_t ct[16], pt[16];
    aes128_key_schedule(rk, key);
    store64(ct, rk[20]);
    store64(ct + 8, rk[21]);
    hex("aes128 last round key", ct, 16);
    aes128_encrypt(ct, plain, rk);
    hex("aes128 encrypt", ct, 16);
    aes128_decrypt(pt, ct, rk);
    hex("aes128 decrypt", pt, 16);

    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint8_t blk[64] = {'a', 'b', 'c', 0x80};
    blk[63] = 24; /* the message length in bits */
    sha256_block(h, blk);
    uint8_t digest[32];
    for (int i = 0; i < 32; i++) digest[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
    hex("sha256 abc", digest, 32);
    return memcmp(pt, plain, 16) != 0;
}
