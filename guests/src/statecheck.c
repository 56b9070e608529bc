/* A guest for save/restore tests (tests/unit/test_state.py, tests/guests/test_state_cli.py):
 * everything a saved state must carry is live at once while it computes -- a child process
 * blocked on a pipe, a pipe holding unread data, a file open at an offset, a signal handler that
 * keeps counting, a second thread, a heap -- and the output depends on all of them.
 * `statecheck N` does N rounds (default 40); each round prints one line. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }

static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static volatile uint64_t thread_sum;
static volatile int stop_thread;
static void *worker(void *arg) {
    uint64_t h = (uint64_t)(uintptr_t)arg;
    for (long i = 0; !stop_thread; i++) {
        h = mix(h, (uint64_t)i);
        if ((i & 4095) == 0) { thread_sum = h; sched_yield(); }
    }
    thread_sum = h;
    return NULL;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 40;
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);

    int held[2], to_child[2], from_child[2];
    if (pipe(held) || pipe(to_child) || pipe(from_child)) return 10;
    const char *msg = "buffered in a pipe";
    if (write(held[1], msg, strlen(msg)) != (ssize_t)strlen(msg)) return 11;

    int fd = open("/tmp/statecheck.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 12;
    for (int i = 0; i < 64; i++) {
        char line[16];
        int n = snprintf(line, sizeof line, "rec%03d\n", i);
        if (write(fd, line, n) != n) return 13;
    }
    if (lseek(fd, 7 * 10, SEEK_SET) != 70) return 14;

    pid_t child = fork();
    if (child == 0) {
        /* the child: sums what its parent sends, one number per round, until EOF */
        close(to_child[1]);
        close(from_child[0]);
        uint64_t h = 7, v;
        while (read(to_child[0], &v, sizeof v) == sizeof v) h = mix(h, v);
        if (write(from_child[1], &h, sizeof h) != sizeof h) _exit(2);
        _exit(5);
    }
    close(to_child[0]);
    close(from_child[1]);

    pthread_t th;
    pthread_create(&th, NULL, worker, (void *)(uintptr_t)99);

    uint64_t *heap = malloc(1 << 20);
    for (int i = 0; i < (1 << 17); i++) heap[i] = (uint64_t)i * 2654435761u;

    uint64_t h = 1;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < 200000; i++) h = mix(h, heap[(h >> 11) & ((1 << 17) - 1)] + (uint64_t)i);
        heap[r] = h;
        raise(SIGUSR1);
        char rec[8];
        if (read(fd, rec, 7) != 7) lseek(fd, 0, SEEK_SET);
        if (write(to_child[1], &h, sizeof h) != sizeof h) return 15;
        printf("round %d h=%016llx usr1=%d rec=%.6s\n", r, (unsigned long long)h, (int)usr1, rec);
    }
    stop_thread = 1;
    pthread_join(th, NULL);
    close(to_child[1]);
    uint64_t ch = 0;
    if (read(from_child[0], &ch, sizeof ch) != sizeof ch) return 16;
    int st = 0;
    waitpid(child, &st, 0);
    char buf[64] = {0};
    close(held[1]);
    ssize_t n = read(held[0], buf, sizeof buf - 1);
    off_t off = lseek(fd, 0, SEEK_CUR);
    printf("pipe: %zd '%s'\nchild: %016llx status %d\nfile offset %ld\nthread ran: %s\n", n, buf,
           (unsigned long long)ch, WEXITSTATUS(st), (long)off, thread_sum ? "yes" : "no");
    return 3;
}
