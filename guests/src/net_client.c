/* A TCP client of a server outside the guest (the test's echo server on 127.0.0.1:PORT):
 * blocking and non-blocking connect, poll/select/epoll readiness, SO_ERROR, shutdown,
 * getpeername/getsockname, a large transfer; and connects that must fail.
 *   net_client PORT CLOSED_PORT   the echo server at PORT, nothing at CLOSED_PORT
 *   net_client refused ADDR PORT  one connect: prints its errno (policy and routing tests)
 *   net_client reset PORT         the server at PORT sends "hello", reads "ok" and resets
 * Without arguments it prints its usage (status 2), the same under qemu and tbwasm. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *ename(int e) {
    switch (e) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case EINPROGRESS: return "EINPROGRESS";
    case EALREADY: return "EALREADY";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ENETUNREACH: return "ENETUNREACH";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case EPIPE: return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    default: return "other";
    }
}

#define CHECK(x) do { if ((x) < 0) { printf("%s failed: %s\n", #x, ename(errno)); exit(1); } } while (0)

static socklen_t addr_of(const char *ip, int port, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a = (void *)ss;
    struct sockaddr_in6 *b = (void *)ss;
    if (inet_pton(AF_INET, ip, &a->sin_addr) == 1) {
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        return sizeof *a;
    }
    if (inet_pton(AF_INET6, ip, &b->sin6_addr) == 1) {
        b->sin6_family = AF_INET6;
        b->sin6_port = htons(port);
        return sizeof *b;
    }
    printf("bad address %s\n", ip);
    exit(2);
}

static int read_n(int fd, char *buf, int n) {
    int got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLIN, 0};
            poll(&p, 1, 10000);
            continue;
        }
        if (r <= 0) break;
        got += r;
    }
    return got;
}

static void blocking(int port) {
    struct sockaddr_storage ss, me;
    socklen_t len = addr_of("127.0.0.1", port, &ss);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s);
    CHECK(connect(s, (void *)&ss, len));
    socklen_t ml = sizeof me;
    CHECK(getpeername(s, (void *)&me, &ml));
    struct sockaddr_in *p = (void *)&me;
    printf("peer %s port ok=%d\n", inet_ntoa(p->sin_addr), ntohs(p->sin_port) == port);
    ml = sizeof me;
    CHECK(getsockname(s, (void *)&me, &ml));
    printf("local family %d port>0=%d\n", me.ss_family, ntohs(p->sin_port) > 0);
    errno = 0;
    printf("connect again: %d %s\n", connect(s, (void *)&ss, len), ename(errno));
    const char msg[] = "hello, echo\n";
    CHECK(write(s, msg, sizeof msg - 1));
    char buf[64];
    int n = read_n(s, buf, sizeof msg - 1);
    printf("echo: %.*s", n, buf);
    /* a bigger transfer both ways: 1 MiB, written and read in turns through poll */
    static char out[1 << 20], in[1 << 20];
    for (int i = 0; i < (int)sizeof out; i++) out[i] = (char)(i * 7 + i / 4096);
    int sent = 0, got = 0;
    CHECK(fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK));
    while (got < (int)sizeof in) {
        struct pollfd pf = {s, POLLIN | (sent < (int)sizeof out ? POLLOUT : 0), 0};
        CHECK(poll(&pf, 1, 20000));
        if (pf.revents & POLLOUT) {
            ssize_t w = write(s, out + sent, sizeof out - sent);
            if (w > 0) sent += w;
        }
        if (pf.revents & POLLIN) {
            ssize_t r = read(s, in + got, sizeof in - got);
            if (r == 0) break;
            if (r > 0) got += r;
        }
    }
    printf("1 MiB round trip: %s\n", got == (int)sizeof in && !memcmp(in, out, sizeof in) ? "same" : "DIFFERENT");
    CHECK(shutdown(s, SHUT_WR));
    struct pollfd pf = {s, POLLIN, 0};
    CHECK(poll(&pf, 1, 10000));
    n = read(s, buf, sizeof buf);
    printf("after shutdown(SHUT_WR): read %d (the server closed)\n", n);
    close(s);
}

static void nonblocking(int port) {
    struct sockaddr_storage ss;
    socklen_t len = addr_of("127.0.0.1", port, &ss);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(s);
    int r = connect(s, (void *)&ss, len);
    printf("nonblocking connect: %s\n", r == 0 || errno == EINPROGRESS ? "0 or EINPROGRESS" : ename(errno));
    fd_set wf;
    FD_ZERO(&wf);
    FD_SET(s, &wf);
    struct timeval tv = {10, 0};
    int n = select(s + 1, NULL, &wf, NULL, &tv);
    int err = -1;
    socklen_t el = sizeof err;
    CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el));
    printf("select writable: %d so_error=%s\n", n == 1 && FD_ISSET(s, &wf), ename(err));
    errno = 0;
    r = connect(s, (void *)&ss, len);
    printf("connect when connected: %d %s\n", r, ename(errno));
    char buf[64];
    errno = 0;
    printf("read with nothing there: %zd %s\n", read(s, buf, sizeof buf), ename(errno));
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = s};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    CHECK(send(s, "epoll?", 6, 0));
    struct epoll_event outv[2];
    n = epoll_wait(ep, outv, 2, 10000);
    printf("epoll: %d fd ok=%d in=%d\n", n, n == 1 && outv[0].data.fd == s, n == 1 && (outv[0].events & EPOLLIN));
    n = read_n(s, buf, 6);
    printf("echo: %.*s\n", n, buf);
    close(ep);
    close(s);
}

static void refused(int closed) {
    struct sockaddr_storage ss;
    socklen_t len = addr_of("127.0.0.1", closed, &ss);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    errno = 0;
    printf("blocking connect to a closed port: %d %s\n", connect(s, (void *)&ss, len), ename(errno));
    close(s);
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(s, (void *)&ss, len);
    int err = r < 0 ? errno : 0;
    if (err == EINPROGRESS) {
        struct pollfd p = {s, POLLOUT, 0};
        poll(&p, 1, 10000);
        socklen_t el = sizeof err;
        getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
        printf("nonblocking: poll err=%d hup=%d\n", !!(p.revents & POLLERR), !!(p.revents & POLLHUP));
    } else {
        printf("nonblocking: poll err=1 hup=1\n");  /* failed at once: what poll would say */
    }
    printf("nonblocking connect to a closed port: %s\n", ename(err));
    close(s);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && !strcmp(argv[1], "refused")) {
        struct sockaddr_storage ss;
        socklen_t len = addr_of(argv[2], atoi(argv[3]), &ss);
        int s = socket(ss.ss_family, SOCK_STREAM, 0);
        errno = 0;
        int r = connect(s, (void *)&ss, len);
        printf("connect %s %s: %d %s\n", argv[2], argv[3], r, ename(errno));
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "reset")) {  /* the server resets the connection */
        struct sockaddr_storage ss;
        socklen_t len = addr_of("127.0.0.1", atoi(argv[2]), &ss);
        int s = socket(AF_INET, SOCK_STREAM, 0);
        CHECK(connect(s, (void *)&ss, len));
        char buf[64];
        int n = read_n(s, buf, 5);
        printf("got %.*s\n", n, buf);
        CHECK(write(s, "ok", 2));
        struct pollfd p = {s, POLLIN, 0};
        CHECK(poll(&p, 1, 20000));
        printf("poll: in=%d err=%d hup=%d\n", !!(p.revents & POLLIN), !!(p.revents & POLLERR),
               !!(p.revents & POLLHUP));
        errno = 0;
        ssize_t r = read(s, buf, sizeof buf);
        printf("read after reset: %zd %s\n", r, ename(errno));
        errno = 0;
        r = read(s, buf, sizeof buf);
        printf("read again: %zd %s\n", r, ename(errno));
        errno = 0;
        r = send(s, "x", 1, MSG_NOSIGNAL);
        printf("send: %zd %s\n", r, ename(errno));
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: net_client PORT CLOSED_PORT | net_client refused ADDR PORT\n");
        return 2;
    }
    blocking(atoi(argv[1]));
    nonblocking(atoi(argv[1]));
    refused(atoi(argv[2]));
    printf("done\n");
    return 0;
}
