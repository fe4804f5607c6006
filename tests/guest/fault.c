/* A NULL store: Linux kills the process with SIGSEGV (status 139). */
#include <stdio.h>

int main(void) {
    printf("before\n");
    fflush(stdout);
    volatile int *p = (volatile int *)0;
    *p = 42;
    printf("after\n");
    return 0;
}
