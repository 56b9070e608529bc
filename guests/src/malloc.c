/* malloc-heavy workload: many sizes, realloc, free, and a small chained hash map. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static uint64_t sum = 0;
static void mix(uint64_t v) { sum = (sum ^ v) * 0x100000001b3ULL; }

struct node { char *key; uint64_t val; struct node *next; };
#define NB 257
static struct node *buckets[NB];
static unsigned hash(const char *s) { unsigned h = 5381; while (*s) h = h * 33 + (unsigned char)*s++; return h % NB; }
static void put(const char *k, uint64_t v) {
    unsigned h = hash(k);
    for (struct node *n = buckets[h]; n; n = n->next) if (!strcmp(n->key, k)) { n->val += v; return; }
    struct node *n = malloc(sizeof *n);
    n->key = strdup(k); n->val = v; n->next = buckets[h]; buckets[h] = n;
}
static int del(const char *k) {
    unsigned h = hash(k);
    for (struct node **pp = &buckets[h]; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->key, k)) { struct node *n = *pp; *pp = n->next; free(n->key); free(n); return 1; }
    return 0;
}

int main(void) {
    enum { N = 2000 };
    static char *ptrs[N];
    static size_t sizes[N];
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++) {
            uint64_t r = next();
            size_t sz = (r & 7) == 0 ? (r >> 8) % 200000 + 1 : (r >> 8) % 300 + 1;
            if (ptrs[i] && (r & 3) == 1) {
                char *np = realloc(ptrs[i], sz);
                if (!np) { puts("realloc failed"); return 1; }
                size_t keep = sizes[i] < sz ? sizes[i] : sz;
                for (size_t k = 0; k < keep; k += 97) mix((unsigned char)np[k]);
                ptrs[i] = np;
                if (sz > keep) memset(np + keep, (int)(i & 0xff), sz - keep);
                sizes[i] = sz;
            } else {
                free(ptrs[i]);
                ptrs[i] = malloc(sz);
                if (!ptrs[i]) { puts("malloc failed"); return 1; }
                memset(ptrs[i], (int)((i + round) & 0xff), sz);
                sizes[i] = sz;
            }
        }
        size_t total = 0;
        for (int i = 0; i < N; i++) { total += sizes[i]; mix((unsigned char)ptrs[i][sizes[i] - 1]); }
        mix(total);
    }
    for (int i = 0; i < N; i++) free(ptrs[i]);
    printf("alloc checksum %016llx\n", (unsigned long long)sum);

    char key[32];
    for (int i = 0; i < 5000; i++) { snprintf(key, sizeof key, "k%llu", (unsigned long long)(next() % 1500)); put(key, (uint64_t)i); }
    int deleted = 0;
    for (int i = 0; i < 1500; i += 3) { snprintf(key, sizeof key, "k%d", i); deleted += del(key); }
    size_t count = 0; uint64_t vs = 0;
    for (int b = 0; b < NB; b++)
        for (struct node *n = buckets[b]; n; n = n->next) { count++; vs += n->val * (hash(n->key) + 1); }
    printf("map entries %zu deleted %d valsum %llu\n", count, deleted, (unsigned long long)vs);
    void *big = calloc(1, 8 << 20);
    printf("calloc big %s\n", big && ((char *)big)[(8 << 20) - 1] == 0 ? "ok" : "bad");
    free(big);
    return 0;
}
