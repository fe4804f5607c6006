/* musl pthreads under the dynamic loader: thread-local storage (the static
 * TLS block musl's loader lays out), a mutex and joins. */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4
#define PER 100000

static __thread long tls_count;
static long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *work(void *arg) {
    long id = (long)arg;
    for (long i = 0; i < PER; i++)
        tls_count += id + 1;
    pthread_mutex_lock(&lock);
    total += tls_count;
    pthread_mutex_unlock(&lock);
    return (void *)tls_count;
}

int main(void) {
    pthread_t t[NTHREADS];
    tls_count = -1;
    for (long i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, work, (void *)i) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    for (int i = 0; i < NTHREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        printf("thread %d: %ld\n", i, (long)r);
    }
    printf("total=%ld main tls=%ld\n", total, tls_count);
    return 0;
}
