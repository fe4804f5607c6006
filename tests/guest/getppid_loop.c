/* Benchmark: N getppid() system calls (N = argv[1], default 1e6). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    long acc = 0;
    for (long i = 0; i < n; i++) acc += syscall(SYS_getppid) > 0;
    printf("%ld\n", acc);
    return 0;
}
