#include <stdio.h>
int main(void) {
    puts("about to execute an illegal instruction");
    fflush(stdout);
    __asm__ volatile(".word 0");   /* all-zero halfword: defined illegal */
    puts("unreachable");
    return 0;
}
