/* Integer edge cases; results printed in hex. Inline asm so the compiler cannot fold them. */
#include <stdint.h>
#include <stdio.h>
#define R2(op, a, b) ({ int64_t _r; __asm__ volatile(op " %0,%1,%2" : "=r"(_r) : "r"(a), "r"(b)); _r; })
#define R1I(op, a, i) ({ int64_t _r; __asm__ volatile(op " %0,%1," #i : "=r"(_r) : "r"(a)); _r; })
static void p(const char *name, int64_t v) { printf("%-10s %016llx\n", name, (unsigned long long)v); }
static volatile int64_t vals[] = {0, 1, -1, 2, -2, 7, -7, INT64_MIN, INT64_MAX,
                                  INT32_MIN, INT32_MAX, 0x80000000LL, 0xffffffffLL,
                                  0x123456789abcdef0LL, (int64_t)0xfedcba9876543210ULL};
#define NV (int)(sizeof vals / sizeof vals[0])
int main(void) {
    uint64_t acc = 0;
    static const char *ops[] = {"div", "divu", "rem", "remu", "divw", "divuw", "remw", "remuw",
                                "mul", "mulh", "mulhu", "mulhsu", "mulw", "addw", "subw",
                                "sll", "srl", "sra", "sllw", "srlw", "sraw", "slt", "sltu"};
    for (int i = 0; i < NV; i++) {
        for (int j = 0; j < NV; j++) {
            int64_t a = vals[i], b = vals[j], r[23];
            r[0] = R2("div", a, b);    r[1] = R2("divu", a, b);  r[2] = R2("rem", a, b);
            r[3] = R2("remu", a, b);   r[4] = R2("divw", a, b);  r[5] = R2("divuw", a, b);
            r[6] = R2("remw", a, b);   r[7] = R2("remuw", a, b); r[8] = R2("mul", a, b);
            r[9] = R2("mulh", a, b);   r[10] = R2("mulhu", a, b); r[11] = R2("mulhsu", a, b);
            r[12] = R2("mulw", a, b);  r[13] = R2("addw", a, b); r[14] = R2("subw", a, b);
            r[15] = R2("sll", a, b);   r[16] = R2("srl", a, b);  r[17] = R2("sra", a, b);
            r[18] = R2("sllw", a, b);  r[19] = R2("srlw", a, b); r[20] = R2("sraw", a, b);
            r[21] = R2("slt", a, b);   r[22] = R2("sltu", a, b);
            /* print the full table only for a few interesting pairs, checksum the rest */
            int show = (i < 3 || i == 7) && (j < 3 || j == 7 || j == 9);
            if (show) printf("a=%016llx b=%016llx\n", (unsigned long long)a, (unsigned long long)b);
            for (int k = 0; k < 23; k++) {
                if (show) p(ops[k], r[k]);
                acc = (acc ^ (uint64_t)r[k]) * 0x100000001b3ULL;
            }
        }
    }
    for (int i = 0; i < NV; i++) {
        int64_t a = vals[i];
        int64_t s[10] = {R1I("slli", a, 63), R1I("srli", a, 63), R1I("srai", a, 63),
                         R1I("slliw", a, 31), R1I("srliw", a, 31), R1I("sraiw", a, 31),
                         R1I("addiw", a, -1), R1I("addiw", a, 0), R1I("sltiu", a, -1),
                         R1I("xori", a, -1)};
        printf("imm a=%016llx:", (unsigned long long)a);
        for (int k = 0; k < 10; k++) printf(" %llx", (unsigned long long)s[k]);
        printf("\n");
    }
    /* C-level division edge cases (compiler must not trap) */
    volatile int64_t m = INT64_MIN, neg1 = -1, zero = 0;
    p("C m/-1", R2("div", m, neg1));
    p("C m%-1", R2("rem", m, neg1));
    p("C 5/0", R2("div", (int64_t)5, zero));
    p("C 5%0", R2("rem", (int64_t)5, zero));
    printf("checksum %016llx\n", (unsigned long long)acc);
    return 0;
}
