/* The Linux user ABI of the vector extension (tests/guests/test_vector_abi.py), one mode per run:
 *   signal  the signal frame's vector record (Linux 6.x arch/riscv/kernel/signal.c): the
 *           __riscv_ctx_hdr {RISCV_V_MAGIC, 576} after the fp state, __riscv_v_ext_state
 *           {vstart, vl, vtype, vcsr, vlenb, datap} and the registers at datap, the END header;
 *           a register the handler changes through datap is what the program sees after
 *           rt_sigreturn, whatever the handler left in the live registers
 *   fork    the child starts with the parent's vector state
 *   thread  a new thread starts with its creator's vector state
 *   exec    execve resets it: vtype = vill, vl = 0, registers zero
 *   prctl   PR_RISCV_V_GET/SET_CONTROL (needs V advertised; the test enables it): off makes
 *           vector instructions and CSRs SIGILL, on undoes it, off after use is EPERM, bad
 *           values EINVAL; fork copies the control; the "next" setting applies at execve
 * Each check that fails prints FAIL and the line and exits 1. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <pthread.h>
#include <stdint.h>
#include <errno.h>
#include <sys/prctl.h>

#define SET_CONTROL 69
#define GET_CONTROL 70

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); exit(1); } } while (0)

static uint32_t pat[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
static volatile int handled;

static void set_v1(const uint32_t *p) {
    asm volatile("vsetivli zero, 4, e32, m1, ta, ma\n\tvle32.v v1, (%0)" :: "r"(p) : "memory");
}
static void get_v1(uint32_t *p) {
    asm volatile("vsetivli zero, 4, e32, m1, ta, ma\n\tvse32.v v1, (%0)" :: "r"(p) : "memory");
}
static unsigned long csr_vtype(void) { unsigned long v; asm volatile("csrr %0, vtype" : "=r"(v)); return v; }
static unsigned long csr_vl(void) { unsigned long v; asm volatile("csrr %0, vl" : "=r"(v)); return v; }

static void handler(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    unsigned char *sc = (unsigned char *)&uc->uc_mcontext;
    uint32_t *hdr = (uint32_t *)(sc + 256 + 520);
    CHECK(*(uint32_t *)(sc + 256 + 516) == 0);
    CHECK(hdr[0] == 0x53465457);
    CHECK(hdr[1] == 576);
    uint64_t *st = (uint64_t *)(hdr + 2);
    CHECK(st[0] == 0);              /* vstart */
    CHECK(st[1] == 4);              /* vl */
    CHECK(st[2] == 0xd0);           /* vtype: e32 m1 ta ma */
    CHECK(st[3] == 0);              /* vcsr */
    CHECK(st[4] == 16);             /* vlenb */
    unsigned char *datap = (unsigned char *)st[5];
    CHECK(datap == (unsigned char *)(st + 6));
    CHECK(((uintptr_t)datap & 15) == 0);
    CHECK(memcmp(datap + 16, pat, 16) == 0);  /* v1 */
    uint32_t *end = (uint32_t *)((unsigned char *)hdr + 576);
    CHECK(end[0] == 0 && end[1] == 0);
    ((uint32_t *)(datap + 16))[2] = 0xabcdef01;  /* visible after return */
    static const uint32_t zero[4];
    set_v1(zero);                               /* the live state is clobbered */
    asm volatile("vsetivli zero, 1, e8, mf2, tu, mu");
    handled = 1;
}

static void *thread_fn(void *arg) {
    uint32_t got[4];
    get_v1(got);
    return (void *)(uintptr_t)(memcmp(got, arg, 16) == 0);
}

static int run_signal(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0);
    set_v1(pat);
    raise(SIGUSR1);
    CHECK(handled);
    CHECK(csr_vtype() == 0xd0 && csr_vl() == 4);
    uint32_t got[4];
    get_v1(got);
    uint32_t want[4] = {0x11111111, 0x22222222, 0xabcdef01, 0x44444444};
    CHECK(memcmp(got, want, 16) == 0);
    printf("signal ok\n");
    return 0;
}

static int run_fork(void) {
    uint32_t got[4];
    set_v1(pat);
    pid_t pid = fork();
    if (pid == 0) {
        get_v1(got);
        _exit(memcmp(got, pat, 16) == 0 && csr_vl() == 4 && csr_vtype() == 0xd0 ? 0 : 1);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    get_v1(got);
    CHECK(memcmp(got, pat, 16) == 0);
    printf("fork ok\n");
    return 0;
}

static int run_thread(void) {
    pthread_t t;
    void *res;
    set_v1(pat);
    CHECK(pthread_create(&t, 0, thread_fn, pat) == 0);
    CHECK(pthread_join(t, &res) == 0);
    CHECK(res == (void *)1);
    printf("thread ok\n");
    return 0;
}

static int run_exec(char *argv0) {
    set_v1(pat);
    execl("/proc/self/exe", argv0, "after-exec", (char *)0);
    printf("execl failed\n");
    return 1;
}

static int run_after_exec(void) {
    /* after execve: vtype = vill, vl = 0, registers zero */
    CHECK(csr_vtype() == 1UL << 63);
    CHECK(csr_vl() == 0);
    uint32_t got[4] = {1, 1, 1, 1}, zero[4] = {0};
    get_v1(got);
    CHECK(memcmp(got, zero, 16) == 0);
    printf("exec ok\n");
    return 0;
}

static volatile int sigills;

static void on_sigill(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    uc->uc_mcontext.__gregs[0] += 4;  /* skip the (4-byte) instruction */
    sigills++;
}

static int run_prctl(char *argv0) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sigill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, 0);
    CHECK(prctl(GET_CONTROL) == 2);                 /* on, next default, no inherit */
    CHECK(prctl(SET_CONTROL, 1) == 0);              /* off before any use */
    CHECK(prctl(GET_CONTROL) == 1);
    asm volatile("vsetivli zero, 4, e32, m1, ta, ma");
    CHECK(sigills == 1);
    (void)csr_vl();
    CHECK(sigills == 2);
    CHECK(prctl(SET_CONTROL, 0) == 0);              /* DEFAULT keeps the current setting */
    CHECK(prctl(GET_CONTROL) == 1);
    CHECK(prctl(SET_CONTROL, 2) == 0);
    set_v1(pat);
    CHECK(sigills == 2);
    CHECK(prctl(SET_CONTROL, 1) == -1 && errno == EPERM);  /* V was used */
    CHECK(prctl(SET_CONTROL, 3) == -1 && errno == EINVAL);
    CHECK(prctl(SET_CONTROL, 2 | 3 << 2) == -1 && errno == EINVAL);
    CHECK(prctl(SET_CONTROL, 1 << 5) == -1 && errno == EINVAL);
    CHECK(prctl(SET_CONTROL, 2 | 1 << 2) == 0);     /* next: off, not inherited */
    CHECK(prctl(GET_CONTROL) == (2 | 1 << 2));
    pid_t pid = fork();
    if (pid == 0)
        _exit(prctl(GET_CONTROL) == (2 | 1 << 2) ? 0 : 1);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    fflush(stdout);
    execl("/proc/self/exe", argv0, "after-prctl-exec", (char *)0);
    printf("execl failed\n");
    return 1;
}

static int run_after_prctl_exec(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sigill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, 0);
    CHECK(prctl(GET_CONTROL) == 1);                 /* the next setting, now current */
    asm volatile("vsetivli zero, 4, e32, m1, ta, ma");
    CHECK(sigills == 1);
    printf("prctl ok\n");
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "signal") == 0) return run_signal();
    if (strcmp(mode, "fork") == 0) return run_fork();
    if (strcmp(mode, "thread") == 0) return run_thread();
    if (strcmp(mode, "exec") == 0) return run_exec(argv[0]);
    if (strcmp(mode, "after-exec") == 0) return run_after_exec();
    if (strcmp(mode, "prctl") == 0) return run_prctl(argv[0]);
    if (strcmp(mode, "after-prctl-exec") == 0) return run_after_prctl_exec();
    printf("usage: vector_abi signal|fork|thread|exec\n");
    return 2;
}
