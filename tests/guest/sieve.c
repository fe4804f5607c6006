/* Benchmark: a memory-bound sieve of Eratosthenes (bytes, one per number). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000000;
    int passes = argc > 2 ? atoi(argv[2]) : 3;
    unsigned char *composite = malloc(n + 1);
    if (!composite) {
        perror("malloc");
        return 1;
    }
    long count = 0;
    for (int p = 0; p < passes; p++) {
        memset(composite, 0, n + 1);
        count = 0;
        for (long i = 2; i <= n; i++) {
            if (composite[i])
                continue;
            count++;
            for (long j = i * i; j <= n; j += i)
                composite[j] = 1;
        }
    }
    printf("%ld primes <= %ld\n", count, n);
    free(composite);
    return 0;
}
