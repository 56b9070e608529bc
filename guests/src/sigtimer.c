/* Asynchronous signals: interval timers (setitimer/alarm) interrupting a busy loop, pause,
 * sigsuspend, nanosleep and sigtimedwait.  Short timers (tens of ms) keep it fast; the output
 * only says what happened, never how long it took.
 *
 * `sigtimer kill` ends with SIGALRM at its default action while spinning: status 142.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms, vtalarms;
static volatile int alarm_code, alarm_signo;

static void on_alarm(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    alarms++;
    alarm_signo = sig;
    alarm_code = si->si_code;
}

static void on_vtalarm(int sig) {
    (void)sig;
    vtalarms++;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void arm(int which, long first_us, long every_us) {
    struct itimerval it;
    it.it_value.tv_sec = first_us / 1000000;
    it.it_value.tv_usec = first_us % 1000000;
    it.it_interval.tv_sec = every_us / 1000000;
    it.it_interval.tv_usec = every_us % 1000000;
    if (setitimer(which, &it, NULL) != 0) perror("setitimer");
}

static volatile unsigned long spin_sink;

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    install(SIGALRM, on_alarm);

    if (argc > 1 && strcmp(argv[1], "kill") == 0) {
        signal(SIGALRM, SIG_DFL);
        printf("spinning until SIGALRM\n");
        arm(ITIMER_REAL, 20000, 0);
        for (;;) spin_sink++;
    }

    /* 1. a one-shot timer interrupts a busy loop */
    arm(ITIMER_REAL, 30000, 0);
    while (!alarms) spin_sink++;
    printf("busy loop interrupted: alarms=%d signo=%d code=%d (SI_KERNEL=%d)\n", alarms,
           alarm_signo, alarm_code, SI_KERNEL);

    /* 2. getitimer / alarm bookkeeping */
    struct itimerval cur;
    arm(ITIMER_REAL, 5000000, 0);
    getitimer(ITIMER_REAL, &cur);
    printf("getitimer: armed=%d at most 5s=%d interval=%ld\n",
           cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0,
           cur.it_value.tv_sec < 5 || (cur.it_value.tv_sec == 5 && cur.it_value.tv_usec == 0),
           (long)cur.it_interval.tv_sec);
    unsigned left = alarm(7);
    unsigned left2 = alarm(0);
    printf("alarm: previous=%u then %u\n", left, left2);
    getitimer(ITIMER_REAL, &cur);
    printf("disarmed: %ld %ld\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
    struct itimerval bad = {{0, 2000000}, {0, 0}};
    errno = 0;
    printf("bad usec: %d errno=%d; bad which: %d\n", setitimer(ITIMER_REAL, &bad, NULL), errno,
           setitimer(77, &cur, NULL));

    /* 3. pause() returns -1/EINTR after the handler */
    alarms = 0;
    arm(ITIMER_REAL, 20000, 0);
    errno = 0;
    int r = pause();
    printf("pause: r=%d EINTR=%d alarms=%d\n", r, errno == EINTR, alarms);

    /* 4. a periodic timer, consumed with sigsuspend while SIGALRM is blocked */
    sigset_t block, old, wait_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    sigprocmask(SIG_BLOCK, NULL, &wait_mask);
    sigdelset(&wait_mask, SIGALRM);
    alarms = 0;
    arm(ITIMER_REAL, 10000, 10000);
    int suspends = 0;
    while (alarms < 3) {
        errno = 0;
        if (sigsuspend(&wait_mask) == -1 && errno == EINTR) suspends++;
    }
    arm(ITIMER_REAL, 0, 0);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("periodic: alarms=%d suspends=%d still blocked after sigsuspend=%d\n", alarms,
           suspends, sigismember(&now, SIGALRM));

    /* 5. a blocked timer signal stays pending; sigtimedwait takes it without the handler */
    alarms = 0;
    arm(ITIMER_REAL, 10000, 0);
    siginfo_t si;
    struct timespec ts = {2, 0};
    int got = sigtimedwait(&block, &si, &ts);
    printf("sigtimedwait: got=%d code=%d handler ran=%d\n", got, si.si_code, alarms);
    struct timespec short_ts = {0, 1000000};
    errno = 0;
    got = sigtimedwait(&block, &si, &short_ts);
    printf("sigtimedwait timeout: got=%d EAGAIN=%d\n", got, errno == EAGAIN);
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* 6. nanosleep cut short by a handled signal */
    alarms = 0;
    arm(ITIMER_REAL, 20000, 0);
    struct timespec req = {3, 0}, rem = {0, 0};
    errno = 0;
    r = nanosleep(&req, &rem);
    printf("nanosleep: r=%d EINTR=%d alarms=%d rem>1s=%d\n", r, errno == EINTR, alarms,
           rem.tv_sec >= 1);

    /* 7. sleep() in whole seconds is interrupted too, and reports what is left */
    alarms = 0;
    arm(ITIMER_REAL, 20000, 0);
    unsigned slept_left = sleep(3);
    printf("sleep: left>=2=%d alarms=%d\n", slept_left >= 2, alarms);

    /* 8. ITIMER_VIRTUAL counts the process's own CPU time */
    signal(SIGVTALRM, on_vtalarm);
    arm(ITIMER_VIRTUAL, 20000, 0);
    while (!vtalarms) spin_sink++;
    printf("ITIMER_VIRTUAL: vtalarms=%d\n", vtalarms);

    printf("done\n");
    return 0;
}
