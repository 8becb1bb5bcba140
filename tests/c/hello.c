/* Hello from C: glibc's static startup (auxv, TLS, stdio), argv, and the
 * exit status. */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("hello from C: %d arguments\n", argc - 1);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    return 7;
}
