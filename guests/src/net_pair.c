/* TCP and UDP between two guest processes over loopback (IPv4 and IPv6), with fork: a server
 * that listens, accepts (blocking, then through epoll and select) and a client that connects
 * (blocking and non-blocking), exchanges data, shuts down its write side and reads EOF.
 * Needs no network: Linux always has loopback. Also EMFILE after many sockets, and the errors
 * of sockets that are not connected. Output is the same under qemu-riscv64 and tbwasm. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ename(int e) {
    switch (e) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case EINPROGRESS: return "EINPROGRESS";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case EADDRINUSE: return "EADDRINUSE";
    case EMFILE: return "EMFILE";
    case EEXIST: return "EEXIST";
    case EPIPE: return "EPIPE";
    case EINVAL: return "EINVAL";
    case ENOTSOCK: return "ENOTSOCK";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return "other";
    }
}

#define CHECK(x) do { if ((x) < 0) { printf("%s failed: %s\n", #x, ename(errno)); exit(1); } } while (0)

static int listener(int family, int *port) {
    int s = socket(family, SOCK_STREAM, 0), one = 1;
    CHECK(s);
    CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    struct sockaddr_storage ss = {0};
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *a = (void *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (void *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    }
    CHECK(bind(s, (void *)&ss, len));
    CHECK(listen(s, 8));
    socklen_t l2 = sizeof ss;
    CHECK(getsockname(s, (void *)&ss, &l2));
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                    : ((struct sockaddr_in6 *)&ss)->sin6_port);
    int v = 0;
    socklen_t vl = sizeof v;
    CHECK(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
    printf("listening: acceptconn=%d port>0=%d\n", v, *port > 0);
    return s;
}

static socklen_t dest(int family, int port, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET) {
        struct sockaddr_in *a = (void *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return sizeof *a;
    }
    struct sockaddr_in6 *a = (void *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    return sizeof *a;
}

static void show_addr(const char *what, struct sockaddr_storage *ss, int port_known) {
    char buf[64];
    if (ss->ss_family == AF_INET) {
        struct sockaddr_in *a = (void *)ss;
        inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
        printf("%s: inet %s port %s\n", what, buf, port_known ? "=" : (ntohs(a->sin_port) ? ">0" : "0"));
    } else {
        struct sockaddr_in6 *a = (void *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
        printf("%s: inet6 %s port %s\n", what, buf, port_known ? "=" : (ntohs(a->sin6_port) ? ">0" : "0"));
    }
}

static int read_all(int fd, char *buf, int n) {
    int got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) break;
        got += r;
    }
    return got;
}

/* the client: connect (blocking or not), talk, shut down writing, read to EOF */
static void client(int family, int port, int nonblocking) {
    struct sockaddr_storage ss;
    socklen_t len = dest(family, port, &ss);
    int c = socket(family, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    CHECK(c);
    int r = connect(c, (void *)&ss, len);
    if (nonblocking) {
        if (r < 0 && errno != EINPROGRESS) { printf("connect: %s\n", ename(errno)); exit(1); }
        struct pollfd p = {c, POLLOUT, 0};
        CHECK(poll(&p, 1, 10000));
        int err = -1;
        socklen_t el = sizeof err;
        CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el));
        printf("client: nonblocking connect done: pollout=%d so_error=%s\n",
               !!(p.revents & POLLOUT), ename(err));
        int fl = fcntl(c, F_GETFL);
        CHECK(fcntl(c, F_SETFL, fl & ~O_NONBLOCK));
    } else if (r < 0) {
        printf("connect: %s\n", ename(errno));
        exit(1);
    }
    int one = 1;
    CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    CHECK(getpeername(c, (void *)&peer, &pl));
    show_addr("client peer", &peer, 1);
    pl = sizeof peer;
    CHECK(getsockname(c, (void *)&peer, &pl));
    show_addr("client local", &peer, 0);
    const char msg[] = "ping from the client";
    CHECK(send(c, msg, 10, 0));  /* in two parts: the server's MSG_WAITALL waits for both */
    usleep(20000);
    CHECK(send(c, msg + 10, sizeof msg - 11, 0));
    char buf[256];
    int n = read_all(c, buf, 4);
    printf("client got %.*s\n", n, buf);
    CHECK(shutdown(c, SHUT_WR));
    n = read_all(c, buf, sizeof buf);
    printf("client read after shutdown: %d bytes: %.*s\n", n, n, buf);
    errno = 0;
    r = send(c, "x", 1, MSG_NOSIGNAL);
    printf("send after SHUT_WR: %d %s\n", r, ename(errno));
    close(c);
}

static void server_conn(int s, const char *how) {
    char buf[256];
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    int a = accept(s, (void *)&peer, &pl);
    CHECK(a);
    printf("server accepted (%s): peer len ok=%d\n", how,
           pl == (peer.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)));
    show_addr("server peer", &peer, 0);
    int n = recv(a, buf, 20, MSG_WAITALL);
    printf("server got %.*s\n", n, buf);
    CHECK(write(a, "pong", 4));
    n = read_all(a, buf, sizeof buf);
    printf("server read to EOF: %d more\n", n);
    CHECK(write(a, "bye", 3));
    close(a);
}

static void round_trip(int family, int nonblocking, const char *mode) {
    int port;
    int s = listener(family, &port);
    int out[2];
    CHECK(pipe(out));
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid);
    if (pid == 0) {  /* the client's lines go through a pipe: printed after the server's */
        close(s);
        close(out[0]);
        dup2(out[1], 1);
        client(family, port, nonblocking);
        fflush(stdout);
        _exit(0);
    }
    close(out[1]);
    if (!strcmp(mode, "epoll")) {
        int ep = epoll_create1(EPOLL_CLOEXEC);
        CHECK(ep);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1234567890ULL};
        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
        errno = 0;
        printf("epoll add again: %d %s\n", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev), ename(errno));
        struct epoll_event out[4];
        int n = epoll_wait(ep, out, 4, 10000);
        printf("epoll_wait: %d events=%#x data=%#llx\n", n, n > 0 ? out[0].events : 0,
               n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
        close(ep);
    } else if (!strcmp(mode, "select")) {
        fd_set rf;
        FD_ZERO(&rf);
        FD_SET(s, &rf);
        int n = select(s + 1, &rf, NULL, NULL, NULL);
        printf("select: %d readable=%d\n", n, FD_ISSET(s, &rf));
    }
    server_conn(s, mode);
    int st;
    waitpid(pid, &st, 0);
    char buf[4096];
    int n = read_all(out[0], buf, sizeof buf);
    close(out[0]);
    printf("%.*schild status %d\n", n, buf, WEXITSTATUS(st));
    close(s);
}

static void udp_pair(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(a);
    CHECK(b);
    struct sockaddr_storage ss;
    socklen_t len = dest(AF_INET, 0, &ss);
    CHECK(bind(a, (void *)&ss, len));
    socklen_t l2 = sizeof ss;
    CHECK(getsockname(a, (void *)&ss, &l2));
    CHECK(sendto(b, "datagram one", 12, 0, (void *)&ss, len));
    CHECK(sendto(b, "two", 3, 0, (void *)&ss, len));
    char buf[64];
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    int n = recvfrom(a, buf, sizeof buf, 0, (void *)&from, &fl);
    printf("udp got %d: %.*s\n", n, n, buf);
    show_addr("udp from", &from, 0);
    n = recv(a, buf, 2, MSG_TRUNC);
    printf("udp truncated: %d\n", n);
    errno = 0;
    n = recv(a, buf, sizeof buf, MSG_DONTWAIT);
    printf("udp empty: %d %s\n", n, ename(errno));
    struct timeval tv = {0, 50000}, back = {0, 0};
    socklen_t tl = sizeof back;
    CHECK(setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    CHECK(getsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &back, &tl));
    errno = 0;
    n = recv(a, buf, sizeof buf, 0);
    /* (Linux reads back the timeout rounded up to its clock ticks: HZ differs) */
    printf("udp SO_RCVTIMEO >= 50 ms: %d: %d %s\n", back.tv_sec == 0 && back.tv_usec >= 50000, n,
           ename(errno));
    close(a);
    close(b);
}

static void errors(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_storage ss;
    socklen_t pl = sizeof ss;
    errno = 0;
    printf("getpeername unconnected: %d %s\n", getpeername(s, (void *)&ss, &pl), ename(errno));
    char c;
    errno = 0;
    printf("recv unconnected: %zd %s\n", recv(s, &c, 1, 0), ename(errno));
    errno = 0;
    printf("shutdown unconnected: %d %s\n", shutdown(s, SHUT_RDWR), ename(errno));
    errno = 0;
    printf("getpeername on a file: %d %s\n", getpeername(1, (void *)&ss, &pl), ename(errno));
    int port;
    int l = listener(AF_INET, &port);
    int t = socket(AF_INET, SOCK_STREAM, 0);
    socklen_t len = dest(AF_INET, port, &ss);
    errno = 0;
    printf("bind to a listening port: %d %s\n", bind(t, (void *)&ss, len), ename(errno));
    close(l);
    len = dest(AF_INET, port, &ss);
    errno = 0;
    printf("connect to a closed port: %d %s\n", connect(s, (void *)&ss, len), ename(errno));
    int type = 0;
    socklen_t tl = sizeof type;
    CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &tl));
    printf("SO_TYPE %d len %u\n", type, tl);
    close(s);
    close(t);
}

static void many(void) {
    struct rlimit rl = {1024, 1024};
    CHECK(setrlimit(RLIMIT_NOFILE, &rl));
    static int fds[10000];
    int n = 0, err = 0;
    for (int i = 0; i < 10000; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) { err = errno; break; }
        fds[n++] = s;
    }
    printf("sockets: stopped by %s after more than 1000: %d\n", ename(err), n > 1000);
    for (int i = 0; i < n; i++) close(fds[i]);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("after closing them: a socket again: %d\n", s >= 0);
    close(s);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    round_trip(AF_INET, 0, "accept");
    round_trip(AF_INET, 1, "epoll");
    round_trip(AF_INET6, 0, "select");
    udp_pair();
    errors();
    many();
    printf("done\n");
    return 0;
}
