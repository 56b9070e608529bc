/* File I/O in /tmp: write, read back, seek, append, list dir, stat, unlink, mkdir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    const char *dir = "/tmp/tbw_fileio";
    char path[256], buf[256];
    /* clean leftovers */
    snprintf(path, sizeof path, "%s/a.txt", dir); unlink(path);
    snprintf(path, sizeof path, "%s/b.txt", dir); unlink(path);
    snprintf(path, sizeof path, "%s/sub", dir); rmdir(path);
    rmdir(dir);
    printf("mkdir %d\n", mkdir(dir, 0755));
    printf("mkdir again %d errno_eexist=%d\n", mkdir(dir, 0755), errno == EEXIST);
    snprintf(path, sizeof path, "%s/sub", dir);
    printf("mkdir sub %d\n", mkdir(path, 0700));

    snprintf(path, sizeof path, "%s/a.txt", dir);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    printf("open w %s\n", fd >= 0 ? "ok" : "fail");
    printf("write %zd\n", write(fd, "hello world\n", 12));
    printf("write %zd\n", write(fd, "second line\n", 12));
    close(fd);

    fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("read %zd [%s]\n", n, buf);
    printf("lseek set %lld\n", (long long)lseek(fd, 6, SEEK_SET));
    n = read(fd, buf, 5); buf[n] = 0;
    printf("read@6 [%s]\n", buf);
    printf("lseek cur %lld\n", (long long)lseek(fd, -3, SEEK_CUR));
    printf("lseek end %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("read eof %zd\n", read(fd, buf, 10));
    close(fd);

    FILE *f = fopen(path, "a");
    fprintf(f, "appended %d\n", 42);
    fclose(f);
    f = fopen(path, "r");
    int line = 0;
    while (fgets(buf, sizeof buf, f)) printf("line %d: %s", ++line, buf);
    fclose(f);

    struct stat st;
    printf("stat %d size %lld isreg %d mode %o\n", stat(path, &st), (long long)st.st_size,
           S_ISREG(st.st_mode), st.st_mode & 0777);
    printf("stat dir isdir %d\n", stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
    printf("stat missing %d enoent %d\n", stat("/tmp/tbw_fileio/nope", &st), errno == ENOENT);

    fd = open(path, O_RDWR);
    pwrite(fd, "HELLO", 5, 0);
    pread(fd, buf, 11, 0); buf[11] = 0;
    printf("pwrite/pread [%s]\n", buf);
    printf("ftruncate %d\n", ftruncate(fd, 5));
    fstat(fd, &st);
    printf("fstat size %lld\n", (long long)st.st_size);
    close(fd);

    char path2[256];
    snprintf(path2, sizeof path2, "%s/b.txt", dir);
    printf("rename %d\n", rename(path, path2));
    printf("access old %d new %d\n", access(path, F_OK), access(path2, R_OK));

    DIR *d = opendir(dir);
    char *names[16]; int nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nn < 16) names[nn++] = strdup(e->d_name);
    closedir(d);
    qsort(names, nn, sizeof names[0], cmp);
    printf("dir:");
    for (int i = 0; i < nn; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");

    printf("unlink %d\n", unlink(path2));
    printf("unlink again %d enoent %d\n", unlink(path2), errno == ENOENT);
    snprintf(path, sizeof path, "%s/sub", dir);
    printf("rmdir sub %d\n", rmdir(path));
    printf("rmdir %d\n", rmdir(dir));
    printf("getcwd %s\n", getcwd(buf, sizeof buf) ? "ok" : "fail");
    return 0;
}
