/* Prints argc, each argv and every environment variable whose name starts with TBW_. */
#include <stdio.h>
#include <string.h>
extern char **environ;
int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]=[%s]\n", i, argv[i]);
    int n = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "TBW_", 4) == 0) { printf("env: %s\n", *e); n++; }
    printf("tbw_env_count=%d\n", n);
    return 0;
}
