/* Allocates until the system says no: 1 MiB mmaps until MAP_FAILED (must be ENOMEM), frees
 * them, then 1 MiB mallocs until NULL, frees them, then one small malloc must work again.
 * Touches one byte per page of the first and last chunk only. Exits with status 7. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define CHUNK (1u << 20)
#define MAXC 100000
static void *chunks[MAXC];

int main(void) {
    long n = 0;
    void *p;
    while (n < MAXC && (p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED)
        chunks[n++] = p;
    int e = errno;
    printf("mmap: %ld MiB, then %s\n", n, e == ENOMEM ? "ENOMEM" : "other error");
    if (n == 0 || n == MAXC || e != ENOMEM) return 1;
    ((char *)chunks[0])[0] = 1; ((char *)chunks[n - 1])[CHUNK - 1] = 1;
    for (long i = 0; i < n; i++) munmap(chunks[i], CHUNK);
    long m = 0;
    while (m < MAXC && (p = malloc(CHUNK)) != NULL) chunks[m++] = p;
    printf("malloc: %ld MiB, then NULL\n", m);
    if (m == 0 || m == MAXC) return 1;
    ((char *)chunks[0])[0] = 1; ((char *)chunks[m - 1])[CHUNK - 1] = 1;
    for (long i = 0; i < m; i++) free(chunks[i]);
    char *s = malloc(100);
    if (!s) return 1;
    puts("small malloc after exhaustion ok");
    return 7;
}
