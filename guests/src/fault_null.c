#include <stdio.h>
int main(void) {
    puts("about to read address 0");
    fflush(stdout);
    volatile int *p = (volatile int *)0;
    int v = *p;
    printf("unreachable %d\n", v);
    return 0;
}
