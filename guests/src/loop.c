#include <stdio.h>
int main(void) {
    puts("looping");
    fflush(stdout);
    volatile unsigned long n = 0;
    for (;;) n++;
}
