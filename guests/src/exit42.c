#include <stdio.h>
#include <stdlib.h>
int main(void) {
    printf("exiting with 42\n");   /* buffered: exit() must flush it */
    exit(42);
}
