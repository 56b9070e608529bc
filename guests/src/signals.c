/* Signal delivery: handlers for raise/kill, masks, SA_* flags, faults caught with siginfo,
 * handlers that edit the saved context, the alternate stack, and register state across a
 * handler.  Every line printed is deterministic (addresses only as relative checks).
 *
 * `signals sa-mask` prints only the sa_mask check (Linux semantics; see t_sa_mask).
 * With one of these arguments, ends by dying of a signal instead:
 *   blocked-segv   SIGSEGV from a fault while SIGSEGV is blocked (a handler is installed): 139
 *   ign-ill        SIGILL from a fault while SIGILL is SIG_IGN: 132
 *   resethand      a SA_RESETHAND handler runs once, the second raise kills: 138 (SIGUSR1)
 *   unblock-fatal  SIGUSR2 (default action) pending while blocked, then unblocked: 140
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define WILD ((volatile int *)0x3ffff00000UL)

static volatile sig_atomic_t hits;
static volatile int got_sig, got_code, got_errno_field;
static volatile uintptr_t got_addr;
static volatile int got_pid_ok, got_uid_ok;
static char order[64];
static volatile int order_len;
static sigjmp_buf jb;

static void note(char c) {
    if (order_len < (int)sizeof order - 1) order[order_len++] = c;
    order[order_len] = 0;
}

static void reset(void) {
    hits = 0;
    got_sig = got_code = 0;
    got_addr = 0;
    order_len = 0;
    order[0] = 0;
}

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const int *mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (; mask && *mask; mask++) sigaddset(&sa.sa_mask, *mask);
    if (sigaction(sig, &sa, NULL) != 0) perror("sigaction");
}

static void plain(int sig) {
    hits++;
    got_sig = sig;
}

static void info_handler(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    hits++;
    got_sig = si->si_signo == sig ? sig : -1;
    got_code = si->si_code;
    got_errno_field = si->si_errno;
    got_pid_ok = si->si_pid == getpid();
    got_uid_ok = si->si_uid == getuid();
}

static int blocked_now(int sig) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

/* ---- 1. raise / kill with handlers -------------------------------------------------------- */
static void t_raise(void) {
    reset();
    signal(SIGUSR1, plain);
    int r = raise(SIGUSR1);
    printf("raise plain: r=%d hits=%d sig=%d\n", r, hits, got_sig);

    reset();
    on(SIGUSR1, info_handler, 0, NULL);
    raise(SIGUSR1);
    printf("raise siginfo: hits=%d sig=%d code=%d (SI_TKILL=%d) errno=%d pid_ok=%d uid_ok=%d\n",
           hits, got_sig, got_code, SI_TKILL, got_errno_field, got_pid_ok, got_uid_ok);

    reset();
    kill(getpid(), SIGUSR1);
    printf("kill siginfo: hits=%d code=%d (SI_USER=%d) pid_ok=%d\n", hits, got_code, SI_USER,
           got_pid_ok);

    reset();
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    printf("tgkill: hits=%d code=%d\n", hits, got_code);

    reset();
    union sigval v = {.sival_int = 77};
    sigqueue(getpid(), SIGUSR1, v);
    printf("sigqueue: hits=%d code=%d (SI_QUEUE=%d)\n", hits, got_code, SI_QUEUE);
}

/* ---- 2. masks inside the handler, SA_RESETHAND, SA_NODEFER, nesting ------------------------ */
static int in_usr1_usr1, in_usr1_usr2, in_usr1_hup;
static void mask_handler(int sig, siginfo_t *si, void *ctx) {
    (void)si;
    (void)ctx;
    hits++;
    in_usr1_usr1 = blocked_now(sig);
    in_usr1_usr2 = blocked_now(SIGUSR2);
    in_usr1_hup = blocked_now(SIGHUP);
}

static volatile int depth, entries;
static void nest_handler(int sig, siginfo_t *si, void *ctx) {
    (void)si;
    (void)ctx;
    depth++;
    note('0' + depth);
    if (entries++ == 0) raise(sig);
    note('a' + depth - 1);
    depth--;
}

/* sa_mask: qemu-riscv64 7.2 reads riscv's struct sigaction with an sa_restorer field that the
 * kernel's does not have, so under qemu sa_mask is lost; Linux blocks it.  Run by `sa-mask`. */
static int t_sa_mask(void) {
    int m[] = {SIGUSR2, SIGHUP, 0};
    reset();
    on(SIGUSR1, mask_handler, 0, m);
    raise(SIGUSR1);
    printf("sa_mask in handler: usr1=%d usr2=%d hup=%d; after: usr1=%d usr2=%d hup=%d\n",
           in_usr1_usr1, in_usr1_usr2, in_usr1_hup, blocked_now(SIGUSR1), blocked_now(SIGUSR2),
           blocked_now(SIGHUP));
    return 0;
}

static void t_flags(void) {
    reset();
    on(SIGUSR1, mask_handler, 0, NULL);
    raise(SIGUSR1);
    printf("mask in handler: usr1=%d usr2=%d; after: usr1=%d\n", in_usr1_usr1, in_usr1_usr2,
           blocked_now(SIGUSR1));

    reset();
    on(SIGUSR1, mask_handler, SA_NODEFER, NULL);
    raise(SIGUSR1);
    printf("SA_NODEFER: usr1 blocked in handler=%d\n", in_usr1_usr1);

    reset();
    on(SIGUSR1, mask_handler, SA_RESETHAND, NULL);
    raise(SIGUSR1);
    struct sigaction cur;
    sigaction(SIGUSR1, NULL, &cur);
    printf("SA_RESETHAND: hits=%d now %s, flags keep SA_SIGINFO=%d\n", hits,
           cur.sa_handler == SIG_DFL ? "SIG_DFL" : "handler", !!(cur.sa_flags & SA_SIGINFO));

    reset();
    depth = entries = 0;
    on(SIGUSR1, nest_handler, SA_NODEFER, NULL);
    raise(SIGUSR1);
    printf("nested with SA_NODEFER: %s\n", order);

    reset();
    depth = entries = 0;
    on(SIGUSR1, nest_handler, 0, NULL);
    raise(SIGUSR1);
    printf("nested without SA_NODEFER: %s\n", order);
}

/* ---- 3. blocked, pending, unblocked --------------------------------------------------------- */
static void order_handler(int sig, siginfo_t *si, void *ctx) {
    (void)si;
    (void)ctx;
    note(sig == SIGUSR1 ? 'U' : sig == SIGUSR2 ? 'V' : sig == SIGHUP ? 'H' : '?');
}

static void t_pending(void) {
    sigset_t s, old, pend;
    reset();
    on(SIGUSR1, order_handler, 0, NULL);
    on(SIGUSR2, order_handler, 0, NULL);
    on(SIGHUP, order_handler, 0, NULL);
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR1);
    raise(SIGUSR1); /* one instance only */
    note('-');
    sigpending(&pend);
    printf("pending: usr1=%d usr2=%d\n", sigismember(&pend, SIGUSR1),
           sigismember(&pend, SIGUSR2));
    sigprocmask(SIG_SETMASK, &old, NULL);
    note('.');
    printf("unblock delivers before sigprocmask returns: %s\n", order);

    reset();
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    sigaddset(&s, SIGHUP);
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR2);
    raise(SIGHUP);
    raise(SIGUSR1);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("three pending, unblocked at once: %s\n", order);

    /* ignoring discards; default-ignored signals do nothing */
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR1);
    signal(SIGUSR1, SIG_IGN);
    sigpending(&pend);
    printf("SIG_IGN discards pending: usr1=%d\n", sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    raise(SIGUSR1);
    raise(SIGCHLD);
    raise(SIGWINCH);
    signal(SIGUSR1, SIG_DFL);
    printf("ignored signals: still alive\n");
}

/* ---- 4. faults ------------------------------------------------------------------------------ */
static void longjmp_handler(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
}

static int insn_len(uintptr_t pc) {
    return (*(volatile uint16_t *)pc & 3) == 3 ? 4 : 2;
}

static void skip_handler(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    hits++;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    uintptr_t pc = uc->uc_mcontext.__gregs[REG_PC];
    uc->uc_mcontext.__gregs[REG_PC] = pc + insn_len(pc);
}

extern char ill_insn[], brk_insn[], amo_insn[];

static void t_faults(void) {
    int m[] = {0};
    reset();
    on(SIGSEGV, longjmp_handler, 0, m);
    if (sigsetjmp(jb, 1) == 0) {
        *WILD = 1;
        printf("not reached\n");
    }
    printf("SIGSEGV wild store: sig=%d code=%d (MAPERR=%d) addr_ok=%d segv blocked after=%d\n",
           got_sig, got_code, SEGV_MAPERR, got_addr == (uintptr_t)WILD, blocked_now(SIGSEGV));

    reset();
    if (sigsetjmp(jb, 1) == 0) {
        volatile int *p16 = (volatile int *)16;
        volatile int x = *p16;
        (void)x;
    }
    printf("SIGSEGV load at 16: code=%d addr=%lu\n", got_code, (unsigned long)got_addr);

    /* instruction fetch faults: unmapped, then mapped but not executable */
    reset();
    if (sigsetjmp(jb, 1) == 0) ((void (*)(void))WILD)();
    printf("SIGSEGV fetch from unmapped: code=%d addr_ok=%d\n", got_code,
           got_addr == (uintptr_t)WILD);
    reset();
    static unsigned data_words[4] = {0x00000013, 0x00008067}; /* nop; ret */
    if (sigsetjmp(jb, 1) == 0) ((void (*)(void))data_words)();
    printf("SIGSEGV fetch from data: code=%d addr_ok=%d\n", got_code,
           got_addr == (uintptr_t)data_words);

    reset();
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    on(SIGSEGV, skip_handler, 0, NULL);
    long v = 5;
    __asm__ volatile("sd %1, 8(%0)" : : "r"(ro), "r"(v) : "memory");
    printf("SIGSEGV store to read-only page, pc skipped: hits=%d code=%d (ACCERR=%d) "
           "addr_ok=%d value=%d\n",
           hits, got_code, SEGV_ACCERR, got_addr == (uintptr_t)(ro + 8), ro[8]);

    reset();
    v = 123;
    __asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(WILD) : "memory");
    printf("SIGSEGV load skipped: hits=%d v=%ld\n", hits, v);

    reset();
    on(SIGILL, skip_handler, 0, NULL);
    __asm__ volatile(".globl ill_insn\nill_insn: .4byte 0x0000000b" ::: "memory");
    printf("SIGILL skipped: hits=%d sig=%d code=%d (ILL_ILLOPC=%d) addr_ok=%d\n", hits, got_sig,
           got_code, ILL_ILLOPC, got_addr == (uintptr_t)ill_insn);

    reset();
    on(SIGTRAP, skip_handler, 0, NULL);
    __asm__ volatile(".globl brk_insn\nbrk_insn: ebreak" ::: "memory");
    printf("SIGTRAP from ebreak: hits=%d sig=%d code=%d (TRAP_BRKPT=%d) addr_ok=%d\n", hits,
           got_sig, got_code, TRAP_BRKPT, got_addr == (uintptr_t)brk_insn);

    reset();
    static int words[4] = {1, 2, 3, 4};
    long old = -1;
    on(SIGBUS, skip_handler, 0, NULL);
    __asm__ volatile(".globl amo_insn\namo_insn: amoadd.w %0, %2, (%1)"
                     : "+r"(old)
                     : "r"((char *)words + 2), "r"(1L)
                     : "memory");
    printf("SIGBUS misaligned amoadd.w: hits=%d sig=%d code=%d (BUS_ADRALN=%d) addr_ok=%d "
           "old=%ld words=%d,%d\n",
           hits, got_sig, got_code, BUS_ADRALN, got_addr == (uintptr_t)((char *)words + 2), old,
           words[0], words[1]);
    signal(SIGSEGV, SIG_DFL);
    signal(SIGILL, SIG_DFL);
    signal(SIGTRAP, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    munmap(ro, 4096);
}

/* ---- 5. the alternate stack ---------------------------------------------------------------- */
#define ALT_SIZE 65536
static char *alt;
static volatile int local_on_alt, ss_flags_in, uc_flags_in, uc_size_ok, uc_sp_ok;

static void alt_handler(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    volatile char here;
    stack_t cur;
    sigaltstack(NULL, &cur);
    local_on_alt = (char *)&here >= alt && (char *)&here < alt + ALT_SIZE;
    ss_flags_in = cur.ss_flags;
    uc_flags_in = uc->uc_stack.ss_flags;
    uc_size_ok = uc->uc_stack.ss_size == ALT_SIZE;
    uc_sp_ok = uc->uc_stack.ss_sp == alt;
}

static volatile int overflow_depth;
static int recurse(int n) {
    volatile char pad[512];
    pad[0] = (char)n;
    overflow_depth++;
    return recurse(n + 1) + pad[0];
}

static void t_altstack(void) {
    stack_t ss, old;
    alt = malloc(ALT_SIZE);
    sigaltstack(NULL, &old);
    printf("altstack initially: flags=%d (SS_DISABLE=%d)\n", old.ss_flags, SS_DISABLE);
    ss.ss_sp = alt;
    ss.ss_size = ALT_SIZE;
    ss.ss_flags = 0;
    printf("sigaltstack: %d\n", sigaltstack(&ss, NULL));
    ss.ss_size = 100;
    printf("too small: %d\n", sigaltstack(&ss, NULL) == -1);

    on(SIGUSR1, alt_handler, SA_ONSTACK, NULL);
    raise(SIGUSR1);
    printf("SA_ONSTACK: local on alt=%d sigaltstack flags=%d uc_stack flags=%d size_ok=%d "
           "sp_ok=%d\n",
           local_on_alt, ss_flags_in, uc_flags_in, uc_size_ok, uc_sp_ok);
    on(SIGUSR1, alt_handler, 0, NULL);
    raise(SIGUSR1);
    printf("without SA_ONSTACK: local on alt=%d flags=%d\n", local_on_alt, ss_flags_in);
    sigaltstack(NULL, &old);
    printf("after: flags=%d\n", old.ss_flags);

    /* the classic use: survive a stack overflow */
    on(SIGSEGV, longjmp_handler, SA_ONSTACK, NULL);
    if (sigsetjmp(jb, 1) == 0) recurse(0);
    printf("stack overflow caught on the alternate stack: sig=%d deep=%d\n", got_sig,
           overflow_depth > 1000);
    signal(SIGSEGV, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    sigaltstack(NULL, &old);
    printf("disabled: flags=%d\n", old.ss_flags);
}

/* ---- 6. registers across a handler ---------------------------------------------------------- */
extern char after_ecall[];
static volatile unsigned long seen_fs0, seen_ft3, seen_s2, seen_t3, seen_a0, seen_pc_ok;
static volatile unsigned seen_fcsr;

static void regs_handler(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    mcontext_t *mc = &uc->uc_mcontext;
    seen_fs0 = mc->__fpregs.__d.__f[8];
    seen_ft3 = mc->__fpregs.__d.__f[3];
    seen_fcsr = mc->__fpregs.__d.__fcsr;
    seen_s2 = mc->__gregs[18];
    seen_t3 = mc->__gregs[28];
    seen_a0 = mc->__gregs[REG_A0];
    seen_pc_ok = mc->__gregs[REG_PC] == (unsigned long)after_ecall;
    /* edit the saved context: these values must appear after sigreturn */
    mc->__gregs[28] = 0x777;
    mc->__fpregs.__d.__f[3] = 0x4008000000000000UL; /* 3.0 */
    /* clobber the live state: sigreturn must restore it */
    __asm__ volatile("fmv.d.x fs0, zero\n fmv.d.x fs1, zero\n li t0, 1\n fsrm t0\n"
                     "li t0, 0x1f\n fsflags t0\n li s2, 0" ::: "t0");
}

static void t_regs(void) {
    on(SIGUSR2, regs_handler, 0, NULL);
    register long a0 __asm__("a0") = getpid();
    register long a1 __asm__("a1") = gettid();
    register long a2 __asm__("a2") = SIGUSR2;
    register long a7 __asm__("a7") = SYS_tgkill;
    unsigned long fs0v = 0x400921fb54442d18UL, ft3v = 0xc0091eb851eb851fUL; /* pi, -3.14 */
    unsigned long o_fs0, o_fs1, o_ft3, o_s2, o_t3, o_fcsr;
    __asm__ volatile("fmv.d.x fs0, %[fs0v]\n"
                     "fmv.d.x fs1, %[fs0v]\n"
                     "fmv.d.x ft3, %[ft3v]\n"
                     "li %[o_s2], 2\n fsrm %[o_s2]\n li %[o_s2], 5\n fsflags %[o_s2]\n"
                     "li s2, 0x1234\n"
                     "li t3, 0x5678\n"
                     "ecall\n"
                     ".globl after_ecall\nafter_ecall:\n"
                     "fmv.x.d %[o_fs0], fs0\n"
                     "fmv.x.d %[o_fs1], fs1\n"
                     "fmv.x.d %[o_ft3], ft3\n"
                     "frcsr %[o_fcsr]\n"
                     "mv %[o_s2], s2\n"
                     "mv %[o_t3], t3\n"
                     "fscsr zero\n"
                     : "+r"(a0), [o_fs0] "=&r"(o_fs0), [o_fs1] "=&r"(o_fs1), [o_ft3] "=&r"(o_ft3),
                       [o_s2] "=&r"(o_s2), [o_t3] "=&r"(o_t3), [o_fcsr] "=&r"(o_fcsr)
                     : "r"(a1), "r"(a2), "r"(a7), [fs0v] "r"(fs0v), [ft3v] "r"(ft3v)
                     : "fs0", "fs1", "ft3", "s2", "t3", "memory");
    long ret = a0; /* a0 is only bound to the register at the asm statement */
    printf("in handler: fs0=%#lx ft3=%#lx fcsr=%#x s2=%#lx t3=%#lx a0=%ld pc_ok=%lu\n", seen_fs0,
           seen_ft3, seen_fcsr, seen_s2, seen_t3, (long)seen_a0, seen_pc_ok);
    printf("after: a0=%ld fs0=%#lx fs1=%#lx ft3=%#lx fcsr=%#lx s2=%#lx t3=%#lx\n", ret, o_fs0, o_fs1,
           o_ft3, o_fcsr, o_s2, o_t3);
    signal(SIGUSR2, SIG_DFL);
}

/* ---- 7. the handler changes the mask it returns to -------------------------------------------- */
static void addmask_handler(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    got_code = sigismember(&uc->uc_sigmask, SIGUSR2) * 10 + sigismember(&uc->uc_sigmask, SIGUSR1);
    sigaddset(&uc->uc_sigmask, SIGHUP);
}

static void t_uc_mask(void) {
    sigset_t s, old;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, &old);
    on(SIGUSR1, addmask_handler, 0, NULL);
    raise(SIGUSR1);
    printf("uc_sigmask: usr2*10+usr1=%d; after return hup blocked=%d usr2=%d usr1=%d\n", got_code,
           blocked_now(SIGHUP), blocked_now(SIGUSR2), blocked_now(SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGUSR1, SIG_DFL);
}

/* ---- endings that die of a signal --------------------------------------------------------- */
static int die(const char *how) {
    if (strcmp(how, "sa-mask") == 0) return t_sa_mask();
    if (strcmp(how, "blocked-segv") == 0) {
        sigset_t s;
        on(SIGSEGV, longjmp_handler, 0, NULL);
        sigemptyset(&s);
        sigaddset(&s, SIGSEGV);
        sigprocmask(SIG_BLOCK, &s, NULL);
        printf("storing to 0 with SIGSEGV blocked\n");
        fflush(stdout);
        *(volatile int *)0 = 1;
    } else if (strcmp(how, "ign-ill") == 0) {
        signal(SIGILL, SIG_IGN);
        printf("illegal instruction with SIGILL ignored\n");
        fflush(stdout);
        __asm__ volatile(".4byte 0x0000000b");
    } else if (strcmp(how, "resethand") == 0) {
        on(SIGUSR1, info_handler, SA_RESETHAND, NULL);
        raise(SIGUSR1);
        printf("first raise handled: hits=%d\n", hits);
        fflush(stdout);
        raise(SIGUSR1);
    } else if (strcmp(how, "unblock-fatal") == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR2);
        sigprocmask(SIG_BLOCK, &s, NULL);
        raise(SIGUSR2);
        printf("SIGUSR2 pending while blocked\n");
        fflush(stdout);
        sigprocmask(SIG_UNBLOCK, &s, NULL);
    }
    printf("still alive (wrong)\n");
    return 1;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1) return die(argv[1]);
    t_raise();
    t_flags();
    t_pending();
    t_faults();
    t_altstack();
    t_regs();
    t_uc_mask();
    printf("done\n");
    return 0;
}
