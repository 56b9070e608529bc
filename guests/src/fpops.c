/* Float/double edge cases. Results printed as bit patterns; fflags via fetestexcept. */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t bd(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t bf(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static double db(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static float fb(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static void flags(const char *grp) {
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf("  flags[%s]=%s%s%s%s%s\n", grp, f & FE_INVALID ? "NV" : "", f & FE_DIVBYZERO ? "DZ" : "",
           f & FE_OVERFLOW ? "OF" : "", f & FE_UNDERFLOW ? "UF" : "", f & FE_INEXACT ? "NX" : "");
    feclearexcept(FE_ALL_EXCEPT);
}
#define D2(op, a, b) ({ double _r; __asm__ volatile(op " %0,%1,%2" : "=f"(_r) : "f"(a), "f"(b)); _r; })
#define F2(op, a, b) ({ float _r; __asm__ volatile(op " %0,%1,%2" : "=f"(_r) : "f"(a), "f"(b)); _r; })
#define D1(op, a) ({ double _r; __asm__ volatile(op " %0,%1" : "=f"(_r) : "f"(a)); _r; })
#define F1(op, a) ({ float _r; __asm__ volatile(op " %0,%1" : "=f"(_r) : "f"(a)); _r; })
#define XD(op, a) ({ int64_t _r; __asm__ volatile(op " %0,%1" : "=r"(_r) : "f"(a)); _r; })
#define XDR(op, a, rm) ({ int64_t _r; __asm__ volatile(op " %0,%1," rm : "=r"(_r) : "f"(a)); _r; })
#define DX(op, a) ({ double _r; __asm__ volatile(op " %0,%1" : "=f"(_r) : "r"(a)); _r; })
#define FX(op, a) ({ float _r; __asm__ volatile(op " %0,%1" : "=f"(_r) : "r"(a)); _r; })

static volatile double dv[] = {0.0, -0.0, 1.0, -1.5, 2.5, 3.5, -2.5, 1e308, -1e308, 4.9e-324,
                               2.2250738585072014e-308, INFINITY, -INFINITY, NAN, 0.1, 1e19,
                               -9.3e18, 4294967296.5, -0.4999};
#define NDV (int)(sizeof dv / sizeof dv[0])

int main(void) {
    volatile double snan_d = db(0x7ff4000000000000ULL), qnan_neg = db(0xfff8000000000001ULL);
    volatile float snan_f = fb(0x7fa00000u);
    feclearexcept(FE_ALL_EXCEPT);
    printf("== NaN canonicalization\n");
    printf("fadd.d snan+1 = %016llx\n", (unsigned long long)bd(D2("fadd.d", snan_d, 1.0)));
    printf("fadd.d -qnan+1 = %016llx\n", (unsigned long long)bd(D2("fadd.d", qnan_neg, 1.0)));
    printf("fmul.s snan*1 = %08x\n", bf(F2("fmul.s", snan_f, 1.0f)));
    printf("fsub.d inf-inf = %016llx\n", (unsigned long long)bd(D2("fsub.d", (double)INFINITY, (double)INFINITY)));
    printf("fdiv.d 0/0 = %016llx\n", (unsigned long long)bd(D2("fdiv.d", 0.0, dv[0])));
    printf("fcvt.s.d snan = %08x\n", bf(({ float _r; __asm__ volatile("fcvt.s.d %0,%1" : "=f"(_r) : "f"(snan_d)); _r; })));
    printf("fcvt.d.s snan = %016llx\n", (unsigned long long)bd(({ double _r; __asm__ volatile("fcvt.d.s %0,%1" : "=f"(_r) : "f"(snan_f)); _r; })));
    printf("fsgnjn.d qnan (no canon) = %016llx\n", (unsigned long long)bd(D2("fsgnjn.d", qnan_neg, qnan_neg)));
    /* a float stored in a double reg without NaN-boxing reads as canonical NaN */
    printf("unboxed f as s = %08x\n", bf(({ float _r; double _d = 1.0;
        __asm__ volatile("fadd.s %0,%1,%1" : "=f"(_r) : "f"(_d)); _r; })));
    flags("nan");
    printf("fdiv.d 1/0 = %016llx\n", (unsigned long long)bd(D2("fdiv.d", 1.0, dv[0])));
    flags("dz");
    printf("fmul.d 1e308*10 = %016llx\n", (unsigned long long)bd(D2("fmul.d", dv[7], 10.0)));
    flags("of");
    printf("fmul.d tiny*0.5 = %016llx\n", (unsigned long long)bd(D2("fmul.d", dv[10], 0.5)));
    flags("uf");

    printf("== fmin/fmax\n");
    double pairs[][2] = {{0.0, -0.0}, {-0.0, 0.0}, {1.0, NAN}, {NAN, -1.0}, {NAN, NAN}};
    for (int i = 0; i < 5; i++) {
        double a = pairs[i][0], b = pairs[i][1];
        printf("fmin.d %016llx fmax.d %016llx\n", (unsigned long long)bd(D2("fmin.d", a, b)),
               (unsigned long long)bd(D2("fmax.d", a, b)));
        printf("fmin.s %08x fmax.s %08x\n", bf(F2("fmin.s", (float)a, (float)b)),
               bf(F2("fmax.s", (float)a, (float)b)));
    }
    printf("fmin.d snan,1 = %016llx\n", (unsigned long long)bd(D2("fmin.d", snan_d, 1.0)));
    flags("minmax");

    printf("== compare\n");
    printf("feq nan %lld flt nan %lld fle -0,0 %lld flt snan %lld\n",
           (long long)({ int64_t r; __asm__ volatile("feq.d %0,%1,%2" : "=r"(r) : "f"((double)NAN), "f"(1.0)); r; }),
           (long long)({ int64_t r; __asm__ volatile("flt.d %0,%1,%2" : "=r"(r) : "f"((double)NAN), "f"(1.0)); r; }),
           (long long)({ int64_t r; __asm__ volatile("fle.d %0,%1,%2" : "=r"(r) : "f"(-0.0), "f"(0.0)); r; }),
           (long long)({ int64_t r; __asm__ volatile("flt.d %0,%1,%2" : "=r"(r) : "f"(snan_d), "f"(1.0)); r; }));
    flags("cmp");

    printf("== fclass\n");
    for (int i = 0; i < NDV; i++) printf("%llx ", (unsigned long long)XD("fclass.d", dv[i]));
    printf("| snan %llx\n", (unsigned long long)XD("fclass.d", snan_d));
    for (int i = 0; i < NDV; i++) printf("%llx ", (unsigned long long)XD("fclass.s", (float)dv[i]));
    printf("| snan %llx\n", (unsigned long long)XD("fclass.s", snan_f));
    flags("class");

    printf("== conversions (rtz)\n");
    for (int i = 0; i < NDV; i++) {
        double d = dv[i];
        printf("%016llx: w=%llx wu=%llx l=%llx lu=%llx s.w=%llx s.lu=%llx\n",
               (unsigned long long)bd(d), (unsigned long long)XDR("fcvt.w.d", d, "rtz"),
               (unsigned long long)XDR("fcvt.wu.d", d, "rtz"), (unsigned long long)XDR("fcvt.l.d", d, "rtz"),
               (unsigned long long)XDR("fcvt.lu.d", d, "rtz"), (unsigned long long)XDR("fcvt.w.s", (float)d, "rtz"),
               (unsigned long long)XDR("fcvt.lu.s", (float)d, "rtz"));
        flags("cvt");
    }
    printf("== int->fp\n");
    int64_t iv[] = {0, -1, INT64_MAX, INT64_MIN, 0x7fffffff, (int64_t)0x8000000000000001ULL, 16777217, 9007199254740993LL};
    for (int i = 0; i < 8; i++) {
        printf("%llx: d.l=%016llx d.lu=%016llx s.l=%08x s.w=%08x s.wu=%08x\n", (unsigned long long)iv[i],
               (unsigned long long)bd(DX("fcvt.d.l", iv[i])), (unsigned long long)bd(DX("fcvt.d.lu", iv[i])),
               bf(FX("fcvt.s.l", iv[i])), bf(FX("fcvt.s.w", iv[i])), bf(FX("fcvt.s.wu", iv[i])));
        flags("i2f");
    }

    printf("== rounding modes\n");
    static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD, -1};
    static const char *mnames[] = {"rne", "rtz", "rdn", "rup", "rmm"};
    for (int m = 0; m < 5; m++) {
        if (modes[m] >= 0) fesetround(modes[m]);
        else __asm__ volatile("fsrmi 4");  /* RMM has no fenv constant */
        uint64_t frm; __asm__ volatile("frrm %0" : "=r"(frm));
        printf("mode %s frm=%llu:", mnames[m], (unsigned long long)frm);
        for (int i = 0; i < NDV; i++) printf(" %llx", (unsigned long long)XD("fcvt.l.d", dv[i]));
        printf("\n  div:");
        double num[] = {1.0, -1.0, 2.0, -2.0};
        for (int i = 0; i < 4; i++) printf(" %016llx", (unsigned long long)bd(D2("fdiv.d", num[i], 3.0)));
        printf("\n  s.add: %08x %08x\n", bf(F2("fadd.s", 1.0f, 1e-8f)), bf(F2("fadd.s", -1.0f, -1e-8f)));
        printf("  s.d: %08x d.l: %016llx\n", bf(({ float _r; __asm__ volatile("fcvt.s.d %0,%1" : "=f"(_r) : "f"(dv[14])); _r; })),
               (unsigned long long)bd(DX("fcvt.d.l", iv[7])));
        flags(mnames[m]);
    }
    fesetround(FE_TONEAREST);
    printf("== static rounding in insn\n");
    double hv[] = {2.5, -2.5, 3.5, 0.5, -0.5};
    for (int i = 0; i < 5; i++)
        printf("%g: rne %lld rtz %lld rdn %lld rup %lld rmm %lld\n", hv[i],
               (long long)XDR("fcvt.l.d", hv[i], "rne"), (long long)XDR("fcvt.l.d", hv[i], "rtz"),
               (long long)XDR("fcvt.l.d", hv[i], "rdn"), (long long)XDR("fcvt.l.d", hv[i], "rup"),
               (long long)XDR("fcvt.l.d", hv[i], "rmm"));
    flags("static");

    printf("== sqrt\n");
    printf("sqrt.d 2 %016llx -1 %016llx -0 %016llx inf %016llx\n", (unsigned long long)bd(D1("fsqrt.d", 2.0)),
           (unsigned long long)bd(D1("fsqrt.d", -1.0)), (unsigned long long)bd(D1("fsqrt.d", -0.0)),
           (unsigned long long)bd(D1("fsqrt.d", (double)INFINITY)));
    flags("sqrt");
    printf("sqrt.s 2 %08x -1 %08x\n", bf(F1("fsqrt.s", 2.0f)), bf(F1("fsqrt.s", -1.0f)));
    flags("sqrts");

    printf("== fma\n");
    volatile double x = 1.0 + 0x1p-30, y = 1.0 - 0x1p-53;
    printf("fma(x,x,-1) %016llx  x*x-1 %016llx\n", (unsigned long long)bd(fma(x, x, -1.0)),
           (unsigned long long)bd(x * x - 1.0));
    printf("fma(y,y,-1) %016llx\n", (unsigned long long)bd(fma(y, y, -1.0)));
    printf("fma(inf,0,nan) %016llx\n", (unsigned long long)bd(fma((double)INFINITY, 0.0, (double)NAN)));
    flags("fma_inv");
    volatile float xf = 1.0f + 0x1p-23f;
    printf("fmaf(xf,xf,-1) %08x\n", bf(fmaf(xf, xf, -1.0f)));
    printf("fnmsub.d %016llx fnmadd.s %08x\n",
           (unsigned long long)bd(({ double _r; __asm__ volatile("fnmsub.d %0,%1,%2,%3" : "=f"(_r) : "f"(2.0), "f"(3.0), "f"(1.0)); _r; })),
           bf(({ float _r; __asm__ volatile("fnmadd.s %0,%1,%2,%3" : "=f"(_r) : "f"(2.0f), "f"(3.0f), "f"(1.0f)); _r; })));
    printf("fma(+0 result sign) %016llx\n", (unsigned long long)bd(fma(1.0, -0.0, 0.0)));
    flags("fma");

    printf("== subnormals\n");
    volatile double sd = 4.9e-324;
    printf("min*2 %016llx min/2 %016llx\n", (unsigned long long)bd(sd * 2), (unsigned long long)bd(sd / 2));
    flags("subd");
    volatile float sf = 1e-45f;
    printf("fmin*3 %08x fsub-norm %08x\n", bf(sf * 3), bf(fb(0x00800000u) - fb(0x00000001u)));
    flags("subf");
    printf("fsgnj: %016llx %016llx %016llx\n", (unsigned long long)bd(D2("fsgnj.d", 1.0, -0.0)),
           (unsigned long long)bd(D2("fsgnjn.d", 1.0, -0.0)), (unsigned long long)bd(D2("fsgnjx.d", -1.0, -2.0)));
    printf("fmv.x.w %llx\n", (unsigned long long)({ int64_t r; __asm__ volatile("fmv.x.w %0,%1" : "=r"(r) : "f"(-1.5f)); r; }));
    uint64_t fcsr; __asm__ volatile("frcsr %0" : "=r"(fcsr));
    printf("fcsr %llx\n", (unsigned long long)fcsr);
    return 0;
}
