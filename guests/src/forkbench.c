// Process costs, for bench/procs.py: N fork+exit+wait, then M round trips of one byte over two
// pipes between a parent and a child (each round trip is two switches between processes).
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int forks = argc > 1 ? atoi(argv[1]) : 100;
    int trips = argc > 2 ? atoi(argv[2]) : 1000;
    long sum = 0;
    for (int i = 0; i < forks; i++) {
        pid_t c = fork();
        if (c == 0) _exit(i & 0x7f);
        int st;
        waitpid(c, &st, 0);
        sum += WEXITSTATUS(st);
    }
    int to[2], from[2];
    pipe(to);
    pipe(from);
    pid_t c = fork();
    if (c == 0) {
        char b;
        close(to[1]);
        close(from[0]);
        while (read(to[0], &b, 1) == 1) { b++; write(from[1], &b, 1); }
        _exit(0);
    }
    close(to[0]);
    close(from[1]);
    char b = 0;
    for (int i = 0; i < trips; i++) {
        write(to[1], &b, 1);
        read(from[0], &b, 1);
    }
    close(to[1]);
    waitpid(c, NULL, 0);
    printf("forks=%d status-sum=%ld trips=%d last=%d\n", forks, sum, trips, (unsigned char)b);
    return 0;
}
