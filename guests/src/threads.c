/* POSIX threads: mutexes, C11 atomics, condition variables, barriers, rwlocks, __thread,
 * join values and pthread_exit, detached threads, create/join cycles, semaphores,
 * pthread_once, timed waits, sleeping threads, tgkill to a thread.
 *
 * The output is deterministic on any scheduler (qemu-riscv64 runs real host threads): every
 * line is printed by main after a join, or in an order the program enforces.
 * `threads exit`: a thread calls exit(3) while the others run (status 3). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NT 4
#define CHECK(x) do { int _r = (x); if (_r) { printf("FAIL %s: %d (line %d)\n", #x, _r, __LINE__); exit(1); } } while (0)

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

/* --- mutex-protected counter --------------------------------------------------------------- */
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *mutex_worker(void *arg) {
    long n = (long)arg;
    for (long i = 0; i < n; i++) {
        CHECK(pthread_mutex_lock(&mtx));
        long v = counter;
        if ((i & 255) == 0) sched_yield(); /* hold the lock across a switch now and then */
        counter = v + 1;
        CHECK(pthread_mutex_unlock(&mtx));
    }
    return NULL;
}

/* --- atomics --------------------------------------------------------------------------------- */
static _Atomic long acount;
static _Atomic int amax;

static void *atomic_worker(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < 30000; i++) atomic_fetch_add(&acount, 1);
    int cur = atomic_load(&amax);
    while (cur < id && !atomic_compare_exchange_weak(&amax, &cur, (int)id)) {}
    return NULL;
}

/* --- condition variable ping-pong -------------------------------------------------------------- */
static pthread_mutex_t pp_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_c = PTHREAD_COND_INITIALIZER;
static int turn, rounds = 500;
static char trail[2 * 500 + 1];
static int trail_len;

static void *pingpong(void *arg) {
    int me = (int)(long)arg;
    for (int i = 0; i < rounds; i++) {
        CHECK(pthread_mutex_lock(&pp_m));
        while (turn != me) CHECK(pthread_cond_wait(&pp_c, &pp_m));
        trail[trail_len++] = me ? 'o' : 'i';
        turn = !me;
        CHECK(pthread_cond_broadcast(&pp_c));
        CHECK(pthread_mutex_unlock(&pp_m));
    }
    return NULL;
}

/* --- barrier --------------------------------------------------------------------------------- */
static pthread_barrier_t bar;
static int phase_of[NT];
static _Atomic int serial_count, barrier_bad;

static void *barrier_worker(void *arg) {
    int id = (int)(long)arg;
    for (int phase = 1; phase <= 50; phase++) {
        phase_of[id] = phase;
        int r = pthread_barrier_wait(&bar);
        if (r == PTHREAD_BARRIER_SERIAL_THREAD) atomic_fetch_add(&serial_count, 1);
        else if (r) atomic_fetch_add(&barrier_bad, 1);
        for (int k = 0; k < NT; k++)
            if (phase_of[k] != phase) atomic_fetch_add(&barrier_bad, 1);
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

/* --- rwlock ---------------------------------------------------------------------------------- */
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_a, rw_b;
static _Atomic long rw_reads, rw_torn;

static void *rw_writer(void *arg) {
    (void)arg;
    for (int i = 0; i < 300; i++) {
        CHECK(pthread_rwlock_wrlock(&rw));
        rw_a++;
        if (i % 7 == 0) sched_yield();
        rw_b++;
        CHECK(pthread_rwlock_unlock(&rw));
    }
    return NULL;
}

static void *rw_reader(void *arg) {
    (void)arg;
    for (int i = 0; i < 300; i++) {
        CHECK(pthread_rwlock_rdlock(&rw));
        if (rw_a != rw_b) atomic_fetch_add(&rw_torn, 1);
        if (i % 5 == 0) sched_yield();
        if (rw_a != rw_b) atomic_fetch_add(&rw_torn, 1);
        atomic_fetch_add(&rw_reads, 1);
        CHECK(pthread_rwlock_unlock(&rw));
    }
    return NULL;
}

/* --- __thread, join values, pthread_exit ------------------------------------------------------ */
static __thread long tls_value = 5;
static __thread char tls_name[16] = "main";
static _Atomic int tid_is_pid;

static void finish_early(long v) { pthread_exit((void *)v); }

static void *tls_worker(void *arg) {
    long id = (long)arg;
    if (tls_value != 5 || strcmp(tls_name, "main") != 0) return (void *)-1L; /* fresh TLS image */
    tls_value = id * 100;
    snprintf(tls_name, sizeof tls_name, "t%ld", id);
    if (gettid_() == getpid()) atomic_fetch_add(&tid_is_pid, 1);
    for (int i = 0; i < 20; i++) {
        sched_yield();
        if (tls_value != id * 100) return (void *)-2L;
    }
    char want[16];
    snprintf(want, sizeof want, "t%ld", id);
    if (strcmp(tls_name, want) != 0) return (void *)-3L;
    if (id & 1) finish_early(tls_value + 1); /* pthread_exit from a nested call */
    return (void *)(tls_value + 2);
}

/* --- detached threads + semaphore -------------------------------------------------------------- */
static sem_t det_done;
static _Atomic int det_sum;

static void *detached(void *arg) {
    atomic_fetch_add(&det_sum, (int)(long)arg);
    sem_post(&det_done);
    return NULL;
}

/* --- bounded buffer with semaphores -------------------------------------------------------- */
#define QN 4
static sem_t q_free, q_full;
static pthread_mutex_t q_m = PTHREAD_MUTEX_INITIALIZER;
static int q[QN], q_head, q_tail;

static void *producer(void *arg) {
    int base = (int)(long)arg;
    for (int i = 1; i <= 100; i++) {
        while (sem_wait(&q_free) != 0) {}
        pthread_mutex_lock(&q_m);
        q[q_tail] = base + i;
        q_tail = (q_tail + 1) % QN;
        pthread_mutex_unlock(&q_m);
        sem_post(&q_full);
    }
    return NULL;
}

static void *consumer(void *arg) {
    long sum = 0;
    for (int i = 0; i < (int)(long)arg; i++) {
        while (sem_wait(&q_full) != 0) {}
        pthread_mutex_lock(&q_m);
        sum += q[q_head];
        q_head = (q_head + 1) % QN;
        pthread_mutex_unlock(&q_m);
        sem_post(&q_free);
    }
    return (void *)sum;
}

/* --- pthread_once ----------------------------------------------------------------------------- */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic int once_calls;
static void once_init(void) {
    atomic_fetch_add(&once_calls, 1);
    sched_yield();
}
static void *once_worker(void *arg) {
    (void)arg;
    pthread_once(&once, once_init);
    return (void *)(long)atomic_load(&once_calls);
}

/* --- a thread that sleeps, a timed wait that times out --------------------------------------- */
static _Atomic int spins_while_sleeping;
static _Atomic int sleeper_done;

static void *sleeper(void *arg) {
    (void)arg;
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    usleep(10000);
    atomic_store(&sleeper_done, 1);
    return NULL;
}

/* --- a signal sent to one thread ------------------------------------------------------------- */
static _Atomic int usr1_tid;
static _Atomic int sig_target_ready, sig_target_go;

static void on_usr1(int sig) {
    (void)sig;
    atomic_store(&usr1_tid, (int)gettid_());
}

static void *sig_target(void *arg) {
    (void)arg;
    atomic_store(&sig_target_ready, (int)gettid_());
    while (!atomic_load(&sig_target_go)) sched_yield();
    return NULL;
}

/* --- exit(3) from a thread while others run ------------------------------------------------------ */
static _Atomic int spinners_started;

static void *spinner(void *arg) {
    (void)arg;
    atomic_fetch_add(&spinners_started, 1);
    for (;;) {
        atomic_fetch_add(&acount, 1);
        if ((atomic_load(&acount) & 1023) == 0) sched_yield();
    }
    return NULL;
}

static void *exiter(void *arg) {
    (void)arg;
    while (atomic_load(&spinners_started) < 2) sched_yield();
    printf("exiter: calling exit(3)\n");
    exit(3);
}

static int exit_mode(void) {
    pthread_t s[2], e;
    printf("main: starting\n");
    fflush(stdout);
    for (int i = 0; i < 2; i++) CHECK(pthread_create(&s[i], NULL, spinner, NULL));
    CHECK(pthread_create(&e, NULL, exiter, NULL));
    pthread_join(s[0], NULL); /* never returns: exit(3) ends every thread */
    printf("main: not reached\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "exit") == 0) return exit_mode();
    pthread_t t[NT + 4];

    for (long i = 0; i < NT; i++) CHECK(pthread_create(&t[i], NULL, mutex_worker, (void *)(5000 + i)));
    for (int i = 0; i < NT; i++) CHECK(pthread_join(t[i], NULL));
    printf("mutex counter: %ld\n", counter);
    pthread_mutex_lock(&mtx);
    printf("trylock while held: %s\n", pthread_mutex_trylock(&mtx) == EBUSY ? "EBUSY" : "?");
    pthread_mutex_unlock(&mtx);

    for (long i = 0; i < NT; i++) CHECK(pthread_create(&t[i], NULL, atomic_worker, (void *)(i + 1)));
    for (int i = 0; i < NT; i++) CHECK(pthread_join(t[i], NULL));
    printf("atomic counter: %ld, max id %d\n", atomic_load(&acount), atomic_load(&amax));

    for (long i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, pingpong, (void *)i));
    for (int i = 0; i < 2; i++) CHECK(pthread_join(t[i], NULL));
    int alternating = trail_len == 2 * rounds;
    for (int i = 0; i < trail_len; i++) alternating &= trail[i] == (i & 1 ? 'o' : 'i');
    printf("ping-pong: %d moves, alternating %d, starts %.6s\n", trail_len, alternating, trail);

    CHECK(pthread_barrier_init(&bar, NULL, NT));
    for (long i = 0; i < NT; i++) CHECK(pthread_create(&t[i], NULL, barrier_worker, (void *)i));
    for (int i = 0; i < NT; i++) CHECK(pthread_join(t[i], NULL));
    CHECK(pthread_barrier_destroy(&bar));
    printf("barrier: 50 phases, serial threads %d, bad %d\n", atomic_load(&serial_count), atomic_load(&barrier_bad));

    for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, rw_writer, NULL));
    for (int i = 2; i < 5; i++) CHECK(pthread_create(&t[i], NULL, rw_reader, NULL));
    for (int i = 0; i < 5; i++) CHECK(pthread_join(t[i], NULL));
    printf("rwlock: a=%ld b=%ld reads=%ld torn=%ld\n", rw_a, rw_b, atomic_load(&rw_reads), atomic_load(&rw_torn));

    for (long i = 0; i < NT; i++) CHECK(pthread_create(&t[i], NULL, tls_worker, (void *)(i + 1)));
    printf("join values:");
    for (int i = 0; i < NT; i++) {
        void *ret;
        CHECK(pthread_join(t[i], &ret));
        printf(" %ld", (long)ret);
    }
    printf("; main tls %ld %s; thread tid == pid: %d; main tid == pid: %d\n", tls_value, tls_name,
           atomic_load(&tid_is_pid), gettid_() == getpid());

    CHECK(sem_init(&det_done, 0, 0));
    pthread_attr_t attr;
    CHECK(pthread_attr_init(&attr));
    CHECK(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED));
    for (long i = 1; i <= 6; i++) {
        pthread_t d;
        CHECK(pthread_create(&d, &attr, detached, (void *)i));
    }
    for (int i = 0; i < 6; i++) while (sem_wait(&det_done) != 0) {}
    printf("detached: sum %d\n", atomic_load(&det_sum));

    long cycles = 0;
    for (long i = 0; i < 200; i++) {
        pthread_t c;
        void *ret;
        CHECK(pthread_create(&c, NULL, once_worker, NULL));
        CHECK(pthread_join(c, &ret));
        cycles += (long)ret;
    }
    printf("200 create/join cycles: sum %ld, once calls %d\n", cycles, atomic_load(&once_calls));

    CHECK(sem_init(&q_free, 0, QN));
    CHECK(sem_init(&q_full, 0, 0));
    CHECK(pthread_create(&t[0], NULL, producer, (void *)0L));
    CHECK(pthread_create(&t[1], NULL, producer, (void *)1000L));
    CHECK(pthread_create(&t[2], NULL, consumer, (void *)120L));
    CHECK(pthread_create(&t[3], NULL, consumer, (void *)80L));
    void *s1, *s2;
    CHECK(pthread_join(t[0], NULL));
    CHECK(pthread_join(t[1], NULL));
    CHECK(pthread_join(t[2], &s1));
    CHECK(pthread_join(t[3], &s2));
    int left;
    sem_getvalue(&q_free, &left);
    printf("semaphore queue: consumed sum %ld, free slots %d\n", (long)s1 + (long)s2, left);

    CHECK(pthread_create(&t[0], NULL, sleeper, NULL));
    while (!atomic_load(&sleeper_done)) {
        atomic_fetch_add(&spins_while_sleeping, 1);
        sched_yield();
    }
    CHECK(pthread_join(t[0], NULL));
    printf("sleeper: done, main ran meanwhile %d\n", atomic_load(&spins_while_sleeping) > 0);

    pthread_mutex_t tm = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t tc = PTHREAD_COND_INITIALIZER;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 20 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&tm);
    int r = pthread_cond_timedwait(&tc, &tm, &until);
    pthread_mutex_unlock(&tm);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int late = now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec);
    printf("cond timedwait: %s, deadline passed %d\n", r == ETIMEDOUT ? "ETIMEDOUT" : "?", late);

    signal(SIGUSR1, on_usr1);
    CHECK(pthread_create(&t[0], NULL, sig_target, NULL));
    while (!atomic_load(&sig_target_ready)) sched_yield();
    int target = atomic_load(&sig_target_ready);
    CHECK(pthread_kill(t[0], SIGUSR1));
    while (!atomic_load(&usr1_tid)) sched_yield();
    atomic_store(&sig_target_go, 1);
    CHECK(pthread_join(t[0], NULL));
    printf("pthread_kill: handler ran in the target thread %d\n", atomic_load(&usr1_tid) == target);

    printf("done\n");
    return 0;
}
