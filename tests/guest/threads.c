/* Threads: 64 threads on a mutex/condvar, TLS, unique tids, join, stacks
 * the caller frees after join, thread-directed signal to self. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define N 64
#define ITERS 2000
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int ready, go;
static __thread int tls_value;
static pid_t tids[N];

static void *worker(void *arg) {
    long id = (long)arg;
    tls_value = (int)id;
    tids[id] = (pid_t)syscall(SYS_gettid);
    pthread_mutex_lock(&mu);
    ready++;
    pthread_cond_broadcast(&cv);
    while (!go) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < ITERS; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return (void *)(long)(tls_value == id);
}

static void *small(void *arg) { return arg; }

static int qfd[2];
static void *poller(void *arg) {
    (void)arg;
    struct pollfd pf = {.fd = qfd[0], .events = POLLIN};
    int r = poll(&pf, 1, 5000); /* must not stop the writing thread */
    char b[8] = {0};
    read(qfd[0], b, sizeof b - 1);
    return (void *)(long)(r == 1 && strcmp(b, "pong") == 0);
}

static volatile pid_t handled_on;
static void on_usr1(int s) { (void)s; handled_on = (pid_t)syscall(SYS_gettid); }

static pthread_barrier_t bar;
static pid_t waiter_tid;
static void *sigwaiter(void *arg) {
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* this thread only */
    waiter_tid = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&bar);
    int sig = 0;
    sigwait(&set, &sig);
    return (void *)(long)sig;
}

static void *spinner(void *arg) {
    (void)arg;
    pthread_barrier_wait(&bar);
    while (!handled_on) usleep(1000);
    return NULL;
}

static int pfd[2];
static char got[16];
static void *reader(void *arg) {
    (void)arg;
    ssize_t n = read(pfd[0], got, sizeof got - 1); /* blocks until main writes */
    return (void *)n;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pthread_t th[N];
    for (long i = 0; i < N; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)i) != 0) { printf("create failed\n"); return 1; }
    pthread_mutex_lock(&mu);
    while (ready < N) pthread_cond_wait(&cv, &mu);
    go = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    long tls_ok = 0;
    for (int i = 0; i < N; i++) {
        void *r;
        pthread_join(th[i], &r);
        tls_ok += (long)r;
    }
    int unique = 1;
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) unique &= tids[i] != tids[j] && tids[i] != getpid();
    printf("counter=%ld expected=%d tls_ok=%ld unique_tids=%d\n", counter, N * ITERS, tls_ok, unique);

    /* A thread on a caller-provided stack, freed right after join. */
    for (int k = 0; k < 20; k++) {
        size_t sz = 256 * 1024;
        void *stk = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setstack(&at, stk, sz);
        pthread_t t;
        void *r = NULL;
        if (pthread_create(&t, &at, small, (void *)(long)(k + 1)) != 0) { printf("create2 failed\n"); return 1; }
        pthread_join(t, &r);
        munmap(stk, sz);
        if ((long)r != k + 1) { printf("bad result\n"); return 1; }
    }
    printf("own-stack threads joined and unmapped\n");

    /* Detached threads that exit on their own. */
    for (int k = 0; k < 8; k++) {
        pthread_t t;
        pthread_create(&t, NULL, small, NULL);
        pthread_detach(t);
    }
    usleep(50000);
    /* A thread blocked reading a pipe must not stop the writer thread. */
    pipe(pfd);
    pthread_t rt;
    pthread_create(&rt, NULL, reader, NULL);
    usleep(100000);
    write(pfd[1], "ping", 4);
    void *n;
    pthread_join(rt, &n);
    printf("pipe between threads: %ld [%s]\n", (long)n, got);
    pipe(qfd);
    pthread_t pt;
    pthread_create(&pt, NULL, poller, NULL);
    usleep(50000);
    write(qfd[1], "pong", 4);
    void *pr;
    pthread_join(pt, &pr);
    printf("poll between threads: %ld\n", (long)pr);

    /* Per-thread signal masks. */
    signal(SIGUSR1, on_usr1);
    pthread_barrier_init(&bar, NULL, 2);
    pthread_t wt;
    pthread_create(&wt, NULL, sigwaiter, NULL);
    pthread_barrier_wait(&bar);
    pthread_kill(wt, SIGUSR1);
    void *ws;
    pthread_join(wt, &ws);
    raise(SIGUSR1); /* main's mask does not block it */
    printf("sigwait in blocking thread: %ld; main handled own: %d\n", (long)ws, handled_on == getpid());
    handled_on = 0;
    pthread_t st;
    pthread_create(&st, NULL, spinner, NULL);
    pthread_barrier_wait(&bar);
    pthread_kill(st, SIGUSR1);
    pthread_join(st, NULL);
    printf("handler ran on the target thread: %d\n", handled_on != 0 && handled_on != getpid());
    printf("done\n");
    return 0;
}
