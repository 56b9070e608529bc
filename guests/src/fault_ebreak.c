#include <stdio.h>
int main(void) {
    puts("about to ebreak");
    fflush(stdout);
    __asm__ volatile(".option push\n.option norvc\nebreak\n.option pop");
    puts("unreachable");
    return 0;
}
