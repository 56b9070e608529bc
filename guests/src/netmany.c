// netmany HOST PORT N: open N TCP sockets and connect each to HOST:PORT (an address), keeping
// them open; print how many connected and, per errno, how many socket() or connect() calls
// failed with it ("socket EMFILE 23"). Bad input for the network layer: a guest that opens
// thousands of sockets must get errors, not take the host down. No arguments: usage, exit 2.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXERR 200

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: netmany ADDRESS PORT N\n");
        return 2;
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
        fprintf(stderr, "netmany: %s: not an IPv4 address\n", argv[1]);
        return 2;
    }
    int n = atoi(argv[3]), ok = 0;
    static int sock_err[MAXERR], conn_err[MAXERR];
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            sock_err[errno < MAXERR ? errno : 0]++;
            continue;
        }
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            ok++;
        } else {
            conn_err[errno < MAXERR ? errno : 0]++;
            close(fd);
        }
    }
    printf("connected %d\n", ok);
    for (int e = 0; e < MAXERR; e++) {
        if (sock_err[e]) printf("socket %s %d\n", strerrorname_np(e), sock_err[e]);
        if (conn_err[e]) printf("connect %s %d\n", strerrorname_np(e), conn_err[e]);
    }
    return 0;
}
