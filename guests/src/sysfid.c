/* System calls real programs make, answered as Linux answers them (compared with qemu-riscv64):
 *   sysfid calls DIR      mincore, fadvise64, statfs/fstatfs, the xattr reads, fchown/fchownat,
 *                         socket/connect (AF_UNIX), landlock, copy_file_range, splice, an unknown
 *                         number; DIR is a writable scratch directory
 *   sysfid stat PATH...   size, links, blocks and times of each PATH (a mounted host file or dir)
 *   sysfid stdin          what fstat(0) says (stdin redirected from a file: that file)
 *   sysfid hwprobe        riscv_hwprobe's answers for keys 0..10
 * Only what both a real kernel and the emulators must agree on is printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

static void show(const char *what, long r) {
    if (r < 0) printf("%s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%s = %ld\n", what, r);
}

/* xattr reads: "absent" for the answers of a filesystem without that attribute */
static void show_xattr(const char *what, long r) {
    if (r < 0 && (errno == ENODATA || errno == ENOTSUP)) printf("%s = absent\n", what);
    else show(what, r);
}

static int calls(const char *dir) {
    long page = sysconf(_SC_PAGESIZE);
    unsigned char vec[4] = {9, 9, 9, 9};
    char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1, m[page] = 1;
    show("mincore mapped", mincore(m, 2 * page, vec));
    printf("vec %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2]);
    show("mincore unaligned", mincore(m + 1, page, vec));
    munmap(m + page, page);
    show("mincore unmapped", mincore(m, 2 * page, vec));

    char a[512], b[512];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    int fa = open(a, O_RDWR | O_CREAT | O_TRUNC, 0644);
    show("write", write(fa, "0123456789abcdef", 16));
    show("fadvise", posix_fadvise(fa, 0, 0, POSIX_FADV_SEQUENTIAL) ? -1 : 0);
    errno = posix_fadvise(fa, 0, 0, 99);
    show("fadvise bad advice", errno ? -1 : 0);
    int p[2];
    pipe(p);
    errno = posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL);
    show("fadvise pipe", errno ? -1 : 0);
    errno = posix_fadvise(1000, 0, 0, POSIX_FADV_NORMAL);
    show("fadvise bad fd", errno ? -1 : 0);

    struct statfs sf;
    show("statfs", statfs(dir, &sf));
    printf("statfs bsize>0 %d namelen %ld\n", sf.f_bsize > 0, (long)sf.f_namelen);
    show("fstatfs", fstatfs(fa, &sf));
    show("fstatfs bad fd", fstatfs(1000, &sf));
    show("statfs missing", statfs("/nonexistent/x", &sf));

    char buf[256];
    show_xattr("getxattr", getxattr(a, "user.tbwasm", buf, sizeof buf));
    show_xattr("lgetxattr", lgetxattr(a, "security.selinux", buf, sizeof buf));
    show_xattr("fgetxattr", fgetxattr(fa, "system.posix_acl_access", buf, sizeof buf));
    show("lgetxattr missing", lgetxattr("/nonexistent/x", "user.a", buf, sizeof buf));
    show("fgetxattr bad fd", fgetxattr(1000, "user.a", buf, sizeof buf));
    show("llistxattr >= 0", llistxattr(a, buf, sizeof buf) >= 0 ? 0 : -1);
    show("flistxattr >= 0", flistxattr(fa, buf, sizeof buf) >= 0 ? 0 : -1);

    show("fchown self", fchown(fa, getuid(), getgid()));
    show("fchown -1", fchown(fa, -1, -1));
    show("chown self", chown(a, getuid(), -1));
    show("lchown self", lchown(a, -1, getgid()));
    show("fchownat self", fchownat(AT_FDCWD, a, getuid(), getgid(), AT_SYMLINK_NOFOLLOW));
    show("fchown bad fd", fchown(1000, 0, 0));

    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    printf("socket unix %s\n", s >= 0 ? "ok" : strerrorname_np(errno));
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, "/nonexistent/socket");
    show("connect missing", connect(s, (struct sockaddr *)&sa, sizeof sa));
    memset(sa.sun_path, 0, sizeof sa.sun_path);
    strcpy(sa.sun_path + 1, "tbwasm-nobody-listens-here");
    show("connect abstract", connect(s, (struct sockaddr *)&sa,
                                     offsetof(struct sockaddr_un, sun_path) + 27));
    show("connect not a socket", connect(fa, (struct sockaddr *)&sa, sizeof sa));
    close(s);

    show("landlock_create_ruleset", syscall(444, NULL, 0, 1));

    int sv[2];
    show("socketpair", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    show("write 0", write(sv[0], "ping", 4));
    show("send 1", send(sv[1], "pong!", 5, 0));
    memset(buf, 0, sizeof buf);
    show("read 1", read(sv[1], buf, sizeof buf));
    printf("got %s\n", buf);
    memset(buf, 0, sizeof buf);
    show("recv 0", recv(sv[0], buf, sizeof buf, 0));
    printf("got %s\n", buf);
    show("shutdown 0 wr", shutdown(sv[0], SHUT_WR));
    show("read 1 at eof", read(sv[1], buf, sizeof buf));
    signal(SIGPIPE, SIG_IGN);
    close(sv[1]);
    show("write to closed peer", write(sv[0], "x", 1));
    close(sv[0]);
    show("socketpair inet", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    show("send on a file", send(fa, "x", 1, 0));

    int fb = open(b, O_RDWR | O_CREAT | O_TRUNC, 0644);
    loff_t in = 4;
    show("copy_file_range", copy_file_range(fa, &in, fb, NULL, 8, 0));
    printf("in offset %ld, out offset %ld\n", (long)in, (long)lseek(fb, 0, SEEK_CUR));
    show("copy_file_range flags", copy_file_range(fa, NULL, fb, NULL, 8, 1));
    show("copy_file_range pipe", copy_file_range(p[0], NULL, fb, NULL, 8, 0));
    memset(buf, 0, sizeof buf);
    pread(fb, buf, sizeof buf - 1, 0);
    printf("b: %s\n", buf);

    in = 10;
    show("splice file->pipe", splice(fa, &in, p[1], NULL, 6, 0));
    show("splice pipe->file", splice(p[0], NULL, fb, NULL, 100, 0));
    show("splice file->file", splice(fa, NULL, fb, NULL, 100, 0));
    memset(buf, 0, sizeof buf);
    pread(fb, buf, sizeof buf - 1, 0);
    printf("b: %s\n", buf);

    show("unknown syscall 500", syscall(500, 0, 0, 0));
    unlink(a);
    unlink(b);
    return 0;
}

static void describe(const char *what, const struct stat *st) {
    printf("%s: type %s size %ld links %ld blocks %ld mtime %ld.%09ld\n", what,
           S_ISREG(st->st_mode) ? "file" : S_ISDIR(st->st_mode) ? "dir"
           : S_ISFIFO(st->st_mode) ? "fifo" : "other",
           (long)st->st_size, (long)st->st_nlink, (long)st->st_blocks, (long)st->st_mtim.tv_sec,
           st->st_mtim.tv_nsec);
}

/* riscv_hwprobe(2) for keys 0..10 (an unknown key comes back as -1) */
static int hwprobe(void) {
    struct { long long key; unsigned long long value; } pairs[11];
    for (int k = 0; k < 11; k++) pairs[k].key = k, pairs[k].value = 12345;
    long r = syscall(258, pairs, 11, 0, NULL, 0);
    show("riscv_hwprobe", r);
    for (int k = 0; r == 0 && k < 11; k++) printf("key %d -> %lld 0x%llx\n", k, pairs[k].key, pairs[k].value);
    show("riscv_hwprobe bad flags", syscall(258, pairs, 1, 0, NULL, 2));
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "calls")) return calls(argv[2]);
    if (argc >= 2 && !strcmp(argv[1], "hwprobe")) return hwprobe();
    if (argc >= 2 && !strcmp(argv[1], "stdin")) {
        struct stat st;
        show("fstat 0", fstat(0, &st));
        describe("stdin", &st);
        char buf[64];
        show("read", read(0, buf, sizeof buf));
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "stat")) {
        for (int i = 2; i < argc; i++) {
            struct stat st;
            show("stat", stat(argv[i], &st));
            describe("path", &st);
        }
        return 0;
    }
    fprintf(stderr, "usage: sysfid calls DIR | stdin | stat PATH...\n");
    return 2;
}
