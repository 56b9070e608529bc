#include <stdio.h>
int main(void) { puts("Hello from RISC-V!"); return 0; }
