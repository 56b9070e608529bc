/* setjmp/longjmp, including nested jump buffers and longjmp across several frames. */
#include <setjmp.h>
#include <stdio.h>

#pragma GCC diagnostic ignored "-Winfinite-recursion"  /* deep() ends in longjmp */

static jmp_buf outer, inner;
static volatile int depth_reached;

static void deep(int n, jmp_buf *target, int val) {
    volatile char pad[64];
    pad[0] = (char)n;
    depth_reached = n + pad[0] - n;
    if (n == 0) longjmp(*target, val);
    deep(n - 1, target, val);
}

static int nested(int k) {
    volatile int r = 0;
    int v = setjmp(inner);
    if (v == 0) {
        deep(k, &inner, k + 100);
    } else {
        r += v;
        if (v < 105) deep(3, &inner, v + 1);   /* re-enter the same setjmp */
    }
    return r;
}

int main(void) {
    volatile int count = 0;
    volatile double fpv = 1.5;
    int v = setjmp(outer);
    printf("setjmp returned %d (count %d)\n", v, count);
    if (count < 3) {
        count++;
        fpv *= 2;
        deep(10 * count, &outer, count * 7);
    }
    printf("fp preserved %g depth %d\n", fpv, depth_reached);
    int total = 0;
    for (int k = 0; k < 5; k++) { int r = nested(k); printf("nested(%d) = %d\n", k, r); total += r; }
    printf("total %d\n", total);
    /* longjmp with value 0 must make setjmp return 1 */
    jmp_buf z;
    volatile int once = 0;
    int zv = setjmp(z);
    if (!once) { once = 1; longjmp(z, 0); }
    printf("longjmp(0) -> %d\n", zv);
    return 0;
}
