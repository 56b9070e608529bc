// netfetch [-q] HOST PORT [PATH]: an HTTP/1.0 GET over a TCP socket (getaddrinfo, socket, connect,
// send, recv until EOF), for the network tests and bench/net_relay.py.
// Prints "connected", "receiving" (at the first bytes; the tests kill a relay then), and at the
// end "bytes N fnv HEX seconds S" (N: everything received, headers included; FNV-1a 64 of it;
// S: from connect to EOF; -q: no hash, "fnv 0", so that a benchmark measures the transfer).
// A failing call prints "CALL: ERRNAME" and exits 1; no arguments:
// usage on stderr, exit 2.
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e) {
    switch (e) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ENETUNREACH: return "ENETUNREACH";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EPIPE: return "EPIPE";
    case EMFILE: return "EMFILE";
    case EAGAIN: return "EAGAIN";
    default: return strerror(e);
    }
}

static int fail(const char *call, int e) {
    printf("%s: %s\n", call, errname(e));
    return 1;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int quick = argc > 1 && strcmp(argv[1], "-q") == 0;
    if (quick) {
        argc--;
        argv++;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: netfetch [-q] HOST PORT [PATH]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *host = argv[1], *port = argv[2], *path = argc > 3 ? argv[3] : "/";
    struct addrinfo hints = {0}, *res;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        printf("getaddrinfo: %s\n", gai_strerror(rc));
        return 1;
    }
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) return fail("socket", errno);
    double t0 = now();
    if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) return fail("connect", errno);
    freeaddrinfo(res);
    printf("connected\n");
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
    for (int off = 0; off < n;) {
        ssize_t w = send(fd, req + off, n - off, 0);
        if (w < 0) return fail("send", errno);
        off += w;
    }
    static char buf[1 << 16];
    uint64_t hash = 0xcbf29ce484222325ull, total = 0;
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0) return fail("recv", errno);
        if (r == 0) break;
        if (total == 0) printf("receiving\n");
        if (quick) hash = 0;
        else
            for (ssize_t i = 0; i < r; i++) hash = (hash ^ (unsigned char)buf[i]) * 0x100000001b3ull;
        total += r;
    }
    close(fd);
    printf("bytes %llu fnv %016llx seconds %.3f\n", (unsigned long long)total, (unsigned long long)hash, now() - t0);
    return 0;
}
