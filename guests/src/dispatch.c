// An interpreter loop for the tiers: a bytecode switch that gcc compiles to a jump table, so
// every bytecode goes through one indirect jump (`jr`) with a few targets (tests/unit/test_tiers.py).
#include <stdio.h>
#include <stdlib.h>
/* a tiny register-machine interpreter: the switch becomes a jump table (an indirect jump) */
enum { ADDI, MULI, XORR, SHLI, ANDI, DEC, JNZ, MOV, ADDR, HALT };
static long run(const int *code, long n) {
    long r[4] = {n, 0, 0, 0};
    int pc = 0;
    for (;;) {
        const int *i = &code[pc];
        switch (i[0]) {
        case ADDI: r[i[1]] += i[2]; pc += 3; break;
        case MULI: r[i[1]] *= i[2]; pc += 3; break;
        case XORR: r[i[1]] ^= r[i[2]]; pc += 3; break;
        case SHLI: r[i[1]] <<= i[2]; pc += 3; break;
        case ANDI: r[i[1]] &= i[2]; pc += 3; break;
        case DEC: r[i[1]]--; pc += 2; break;
        case JNZ: pc = r[i[1]] ? i[2] : pc + 3; break;
        case MOV: r[i[1]] = r[i[2]]; pc += 3; break;
        case ADDR: r[i[1]] += r[i[2]]; pc += 3; break;
        case HALT: return r[1];
        }
    }
}
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    static const int prog[] = {
        /*0*/ MULI, 1, 3, /*3*/ ADDR, 1, 0, /*6*/ MOV, 2, 0, /*9*/ SHLI, 2, 2,
        /*12*/ XORR, 1, 2, /*15*/ ANDI, 1, 0xffffff, /*18*/ DEC, 0, /*20*/ JNZ, 0, 0,
        /*23*/ HALT};
    printf("%ld\n", run(prog, n));
    return 0;
}
