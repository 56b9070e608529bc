// Processes: fork, vfork, wait4/waitpid/waitid, pipes between processes, dup2, poll/select,
// process groups and sessions, kill between processes, SIGCHLD, SIGPIPE/EPIPE.  Only the parent
// prints (children report through pipes and exit statuses), so the output is deterministic.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t chld_count, usr1_seen;
static void on_chld(int sig) { (void)sig; chld_count++; }
static void on_usr1(int sig) { (void)sig; usr1_seen = 1; }

static void status_line(const char *what, int st) {
    if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) printf("%s: killed by %d\n", what, WTERMSIG(st));
    else if (WIFSTOPPED(st)) printf("%s: stopped by %d\n", what, WSTOPSIG(st));
    else printf("%s: status %#x\n", what, st);
}

static int readall(int fd, char *buf, int cap) {
    int total = 0, n;
    while (total < cap - 1 && (n = read(fd, buf + total, cap - 1 - total)) > 0) total += n;
    buf[total] = 0;
    return total;
}

int main(void) {
    int p[2], st;
    char buf[256];
    setvbuf(stdout, NULL, _IONBF, 0);

    // 1. fork, a pipe both ways of its life, exit status
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        dprintf(p[1], "ppid-matches=%d\n", getppid() != getpid());
        _exit(7);
    }
    close(p[1]);
    readall(p[0], buf, sizeof buf);  // EOF only when the child's copy of the writer is closed
    close(p[0]);
    printf("child said %s", buf);
    printf("waitpid returns child: %d\n", waitpid(c, &st, 0) == c);
    status_line("child", st);
    errno = 0;
    printf("no children: %d errno=%d\n", (int)wait(&st), errno);

    // 2. killed by a signal; a signal sent by the parent
    c = fork();
    if (c == 0) { for (;;) pause(); }
    kill(c, SIGTERM);
    waitpid(c, &st, 0);
    status_line("paused child after SIGTERM", st);

    // 3. WNOHANG while the child blocks on a pipe, then let it go
    pipe(p);
    c = fork();
    if (c == 0) { close(p[1]); char ch; _exit(read(p[0], &ch, 1) == 1 ? ch : 99); }
    close(p[0]);
    printf("WNOHANG on a running child: %d\n", (int)waitpid(c, &st, WNOHANG));
    write(p[1], "\x05", 1);
    close(p[1]);
    waitpid(c, &st, 0);
    status_line("child that read one byte", st);

    // 4. waitid fills siginfo
    c = fork();
    if (c == 0) _exit(42);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    printf("waitid: %d\n", waitid(P_PID, c, &si, WEXITED));
    printf("si_signo=%d si_code=%d si_status=%d pid-matches=%d\n", si.si_signo, si.si_code,
           si.si_status, si.si_pid == c);

    // 5. a handled signal between processes; SIGCHLD in the parent
    signal(SIGCHLD, on_chld);
    pipe(p);
    c = fork();
    if (c == 0) {
        // SIGUSR1 blocked until sigsuspend waits for it: no window between the test and the
        // wait in which it could arrive and be missed (pause() has one)
        sigset_t usr1, old;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigprocmask(SIG_BLOCK, &usr1, &old);
        signal(SIGUSR1, on_usr1);
        close(p[0]);
        write(p[1], "r", 1);  // ready
        while (!usr1_seen) sigsuspend(&old);
        write(p[1], "u", 1);
        _exit(0);
    }
    close(p[1]);
    read(p[0], buf, 1);
    kill(c, SIGUSR1);
    int n = read(p[0], buf, 1);
    printf("child saw SIGUSR1: %d\n", n == 1 && buf[0] == 'u');
    close(p[0]);
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
    status_line("usr1 child", st);
    printf("SIGCHLD arrived: %d\n", chld_count >= 1);
    signal(SIGCHLD, SIG_DFL);

    // 6. process groups and sessions
    pipe(p);
    c = fork();
    if (c == 0) {
        close(p[0]);
        int a = setpgid(0, 0);
        pid_t sid = setsid();  // fails: a group leader cannot start a session
        int e = errno;
        dprintf(p[1], "setpgid=%d own-group=%d setsid=%d errno=%d\n", a, getpgrp() == getpid(),
                (int)sid, e);
        close(p[1]);
        for (;;) pause();
    }
    close(p[1]);
    readall(p[0], buf, sizeof buf);
    close(p[0]);
    printf("child: %s", buf);
    printf("getpgid(child)==child: %d\n", getpgid(c) == c);
    printf("kill(-group): %d\n", kill(-c, SIGKILL));
    waitpid(c, &st, 0);
    status_line("group member", st);
    errno = 0;
    printf("setpgid(nonchild): %d errno=%d\n", setpgid(1, 1), errno);
    errno = 0;
    printf("kill(no such pid): %d errno=%d\n", kill(999999, 0), errno);
    c = fork();
    if (c == 0) _exit(setsid() == getpid() && getsid(0) == getpid() ? 0 : 1);
    waitpid(c, &st, 0);
    status_line("setsid child", st);

    // 7. EPIPE and SIGPIPE
    pipe(p);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    printf("write to a reader-less pipe: %d errno=%d\n", (int)write(p[1], "x", 1), errno);
    signal(SIGPIPE, SIG_DFL);
    c = fork();
    if (c == 0) { write(p[1], "x", 1); _exit(0); }
    close(p[1]);
    waitpid(c, &st, 0);
    status_line("writer without reader", st);

    // 8. dup2 onto stdout; a pipeline of two children
    int q[2];
    pipe(p);
    pipe(q);
    pid_t a = fork();
    if (a == 0) {
        dup2(p[1], 1);
        close(p[0]); close(p[1]); close(q[0]); close(q[1]);
        for (int i = 1; i <= 5; i++) printf("line %d\n", i);
        fflush(stdout);
        _exit(0);
    }
    pid_t b = fork();
    if (b == 0) {
        close(p[1]); close(q[0]);
        int lines = 0, k;
        char ch;
        while ((k = read(p[0], &ch, 1)) == 1) lines += ch == '\n';
        dprintf(q[1], "counted %d lines\n", lines);
        _exit(0);
    }
    close(p[0]); close(p[1]); close(q[1]);
    readall(q[0], buf, sizeof buf);
    close(q[0]);
    printf("pipeline: %s", buf);
    waitpid(a, &st, 0);
    waitpid(b, &st, 0);

    // 9. poll and select on a pipe
    pipe(p);
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    printf("poll empty: %d\n", poll(&pfd, 1, 0));
    c = fork();
    if (c == 0) { close(p[0]); write(p[1], "hi", 2); _exit(0); }
    printf("poll after child wrote: %d revents=%#x\n", poll(&pfd, 1, 5000), pfd.revents & POLLIN);
    waitpid(c, &st, 0);
    close(p[1]);
    read(p[0], buf, 2);
    printf("poll after writers closed: %d hup=%d\n", poll(&pfd, 1, 1000),
           !!(pfd.revents & POLLHUP));
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv = {1, 0};
    printf("select at EOF: %d\n", select(p[0] + 1, &rs, NULL, NULL, &tv));
    close(p[0]);
    pipe(p);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    errno = 0;
    printf("nonblocking empty read: %d errno=%d\n", (int)read(p[0], buf, 1), errno);
    close(p[0]);
    close(p[1]);

    // 10. vfork
    c = vfork();
    if (c == 0) _exit(5);
    waitpid(c, &st, 0);
    status_line("vfork child", st);

    // 11. many children, reaped in any order
    int sum = 0;
    for (int i = 0; i < 10; i++)
        if (fork() == 0) _exit(i);
    for (int i = 0; i < 10; i++) {
        wait(&st);
        sum += WEXITSTATUS(st);
    }
    printf("ten children, statuses sum to %d\n", sum);

    // 12. errors, exactly as Linux gives them
#define ERR(expr) do { errno = 0; long r_ = (long)(expr); printf("%-44s -> %ld errno=%d\n", #expr, r_, errno); } while (0)
    ERR(waitpid(-1, &st, 0x100));
    ERR(waitid(P_ALL, 0, &si, WNOHANG));
    ERR(waitid(7, 0, &si, WEXITED));
    ERR(kill(getpid(), 65));
    ERR(kill(-999999, SIGTERM));
    ERR(setpgid(0, -1));
    ERR(setpgid(999999, 0));
    ERR(getpgid(999999));
    ERR(getsid(999999));
    char *argv0[] = {"x", NULL};
    ERR(execve("/nonexistent/prog", argv0, environ));
    ERR(execve("/", argv0, environ));
    ERR(execve("", argv0, environ));
    int fd = open("/tmp/tbwasm-procs-noexec", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, "hello\n", 6);
    close(fd);
    ERR(execve("/tmp/tbwasm-procs-noexec", argv0, environ));
    chmod("/tmp/tbwasm-procs-noexec", 0755);
    ERR(execve("/tmp/tbwasm-procs-noexec", argv0, environ));
    unlink("/tmp/tbwasm-procs-noexec");
    ERR(wait(NULL));
    return 0;
}
