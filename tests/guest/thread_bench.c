/* Benchmark: N x (pthread_create + pthread_join). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *f(void *a) { return a; }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    long ok = 0;
    for (int i = 0; i < n; i++) {
        pthread_t t;
        void *r;
        if (pthread_create(&t, NULL, f, (void *)1L) == 0 && pthread_join(t, &r) == 0) ok += (long)r;
    }
    printf("%ld\n", ok);
    return 0;
}
