// Translated code shared with a forked child: the parent makes work() hot (compiled), then
// children run the same work() at the same addresses.  tests/guests/test_processes.py checks
// with --stats that the children translate nothing.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) static long work(long n) {
    long s = 0;
    for (long i = 0; i < n; i++) s += (i * 2654435761u) % 1000003;
    return s;
}

int main(void) {
    long a = work(2000000);
    for (int k = 0; k < 3; k++) {
        pid_t c = fork();
        if (c == 0) _exit((int)(work(2000000 + k) & 0x7f));
        int st;
        waitpid(c, &st, 0);
        printf("child %d: %d\n", k, WEXITSTATUS(st));
    }
    printf("parent: %ld\n", a);
    return 0;
}
