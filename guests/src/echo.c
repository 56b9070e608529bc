/* Reads lines from stdin until EOF, prints each with a line number, then a count. */
#include <stdio.h>
#include <string.h>
int main(void) {
    char buf[4096];
    int n = 0;
    size_t bytes = 0;
    while (fgets(buf, sizeof buf, stdin)) {
        size_t len = strlen(buf);
        bytes += len;
        if (len && buf[len - 1] == '\n') buf[--len] = 0;
        printf("%d: %s\n", ++n, buf);
    }
    printf("lines=%d bytes=%zu\n", n, bytes);
    return 0;
}
