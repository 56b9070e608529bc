/* C11 / __atomic builtins on 32- and 64-bit values (AMOs and LR/SC loops). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static uint64_t acc;
static void mix(uint64_t v) { acc = (acc ^ v) * 0x100000001b3ULL; }
#define SHOW(name, x) do { uint64_t _v = (uint64_t)(x); printf("%-14s %llx\n", name, (unsigned long long)_v); mix(_v); } while (0)

int main(void) {
    static int32_t w = 5; static uint32_t uw = 0xf0000000u;
    static int64_t d = -5; static uint64_t ud = 0x8000000000000000ULL;
    SHOW("w add", __atomic_fetch_add(&w, 10, __ATOMIC_SEQ_CST)); SHOW("w", w);
    SHOW("w and", __atomic_fetch_and(&w, 0xc, __ATOMIC_ACQUIRE)); SHOW("w", w);
    SHOW("w or", __atomic_fetch_or(&w, 0x80000000, __ATOMIC_RELEASE)); SHOW("w", w);
    SHOW("w xor", __atomic_fetch_xor(&w, -1, __ATOMIC_RELAXED)); SHOW("w", w);
    SHOW("w sub", __atomic_fetch_sub(&w, 0x7ffffff4, __ATOMIC_ACQ_REL)); SHOW("w", w);
    SHOW("w xchg", __atomic_exchange_n(&w, -7, __ATOMIC_SEQ_CST)); SHOW("w", w);
    SHOW("d add", __atomic_fetch_add(&d, 3, __ATOMIC_SEQ_CST)); SHOW("d", d);
    SHOW("d or", __atomic_fetch_or(&d, 0x100000000LL, __ATOMIC_SEQ_CST)); SHOW("d", d);
    SHOW("d and", __atomic_fetch_and(&d, 0x7fffffffffffffffLL, __ATOMIC_SEQ_CST)); SHOW("d", d);
    SHOW("d xor", __atomic_fetch_xor(&d, 0x5555555555555555LL, __ATOMIC_SEQ_CST)); SHOW("d", d);

    /* min/max: amomin/amomax(u) via inline asm, signed and unsigned, both widths */
    int32_t r32; int64_t r64;
    int32_t m32 = -3; uint32_t mu32 = 3; int64_t m64 = 100; uint64_t mu64 = 100;
    __asm__ volatile("amomin.w %0,%2,(%1)" : "=r"(r32) : "r"(&m32), "r"(5) : "memory"); SHOW("amomin.w", (uint32_t)r32); SHOW("m32", (uint32_t)m32);
    __asm__ volatile("amomax.w %0,%2,(%1)" : "=r"(r32) : "r"(&m32), "r"(-1) : "memory"); SHOW("amomax.w", (uint32_t)r32); SHOW("m32", (uint32_t)m32);
    __asm__ volatile("amominu.w %0,%2,(%1)" : "=r"(r32) : "r"(&mu32), "r"(-1) : "memory"); SHOW("amominu.w", (uint32_t)r32); SHOW("mu32", mu32);
    __asm__ volatile("amomaxu.w %0,%2,(%1)" : "=r"(r32) : "r"(&mu32), "r"(-1) : "memory"); SHOW("amomaxu.w", (uint64_t)(int64_t)r32); SHOW("mu32", mu32);
    __asm__ volatile("amomin.d %0,%2,(%1)" : "=r"(r64) : "r"(&m64), "r"(-200LL) : "memory"); SHOW("amomin.d", r64); SHOW("m64", m64);
    __asm__ volatile("amomax.d %0,%2,(%1)" : "=r"(r64) : "r"(&m64), "r"(50LL) : "memory"); SHOW("amomax.d", r64); SHOW("m64", m64);
    __asm__ volatile("amominu.d %0,%2,(%1)" : "=r"(r64) : "r"(&mu64), "r"(-1LL) : "memory"); SHOW("amominu.d", r64); SHOW("mu64", mu64);
    __asm__ volatile("amomaxu.d %0,%2,(%1)" : "=r"(r64) : "r"(&mu64), "r"(-1LL) : "memory"); SHOW("amomaxu.d", r64); SHOW("mu64", mu64);
    /* amoadd.w result sign-extension of 32-bit value in a 64-bit register */
    __asm__ volatile("amoadd.w %0,%2,(%1)" : "=r"(r64) : "r"(&uw), "r"(1) : "memory"); SHOW("amoadd.w sx", r64); SHOW("uw", uw);
    __asm__ volatile("amoswap.d %0,%2,(%1)" : "=r"(r64) : "r"(&ud), "r"(1LL) : "memory"); SHOW("amoswap.d", r64); SHOW("ud", ud);

    /* compare_exchange: LR/SC loops */
    _Atomic int32_t cw = 10; _Atomic int64_t cd = 1LL << 40;
    int32_t e32 = 11; int ok = atomic_compare_exchange_strong(&cw, &e32, 20);
    SHOW("cas32 fail ok", ok); SHOW("cas32 expected", e32);
    ok = atomic_compare_exchange_strong(&cw, &e32, 20); SHOW("cas32 ok", ok); SHOW("cw", cw);
    int64_t e64 = 1LL << 40; ok = atomic_compare_exchange_strong(&cd, &e64, -1); SHOW("cas64 ok", ok); SHOW("cd", cd);
    ok = atomic_compare_exchange_weak(&cd, &e64, 0); SHOW("cas64 weak", ok); SHOW("e64", e64);
    /* a CAS loop implementing fetch-multiply */
    _Atomic uint64_t prod = 1;
    for (int i = 1; i <= 20; i++) {
        uint64_t old = atomic_load(&prod);
        while (!atomic_compare_exchange_weak(&prod, &old, old * (uint64_t)i)) {}
    }
    SHOW("20!", prod);
    /* raw lr/sc: sc succeeds after lr, fails without reservation */
    int64_t mem = 7, old, fail;
    __asm__ volatile("1: lr.d %0,(%2)\n addi %0,%0,1\n sc.d %1,%0,(%2)\n bnez %1,1b"
                     : "=&r"(old), "=&r"(fail) : "r"(&mem) : "memory");
    SHOW("lr/sc mem", mem); SHOW("sc result", fail);
    int32_t mem32 = -1; int32_t o32; int64_t f32;
    __asm__ volatile("lr.w %0,(%2)\n sc.w %1,%3,(%2)" : "=&r"(o32), "=&r"(f32) : "r"(&mem32), "r"(0x1234) : "memory");
    SHOW("lr.w", (uint32_t)o32); SHOW("sc.w rc", f32); SHOW("mem32", (uint32_t)mem32);
    _Atomic uint8_t b8 = 0xfe; SHOW("u8 add", atomic_fetch_add(&b8, 3)); SHOW("b8", b8);
    _Atomic uint16_t h16 = 0xffff; SHOW("u16 or", atomic_fetch_or(&h16, 0x10000 - 1)); SHOW("u16 add", atomic_fetch_add(&h16, 2)); SHOW("h16", h16);
    printf("checksum %016llx\n", (unsigned long long)acc);
    return 0;
}
