#define _GNU_SOURCE
/* MAP_SHARED memory across fork: anonymous and file-backed mappings are
 * the same memory in parent and child, MAP_PRIVATE ones are copies, and
 * POSIX semaphores (sem_open: a MAP_SHARED file in /dev/shm) work across
 * processes. */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int reap(pid_t pid) {
    int st = 0;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void wait_byte(int fd) {
    char c;
    if (read(fd, &c, 1) != 1) _exit(90);
}

static void send_byte(int fd) {
    if (write(fd, "x", 1) != 1) _exit(91);
}

/* (1) child writes, parent sees; (2) parent writes after fork, child sees. */
static void anon_shared(void) {
    int *a = mmap(NULL, 4 * sizeof(int) * 1024, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) { perror("mmap"); exit(1); }
    int p2c[2], c2p[2];
    if (pipe(p2c) || pipe(c2p)) { perror("pipe"); exit(1); }
    a[0] = 1;
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 1; i < 4; i++) a[i * 1024] = 100 + i;
        send_byte(c2p[1]);
        wait_byte(p2c[0]);
        /* The parent's write after fork, seen here. */
        _exit(a[0] == 42 ? 0 : 10 + a[0]);
    }
    wait_byte(c2p[0]);
    printf("anon child->parent: %d %d %d %d\n", a[0], a[1024], a[2048], a[3072]);
    a[0] = 42;
    send_byte(p2c[1]);
    printf("anon parent->child: status %d\n", reap(pid));
    close(p2c[0]); close(p2c[1]); close(c2p[0]); close(c2p[1]);
    munmap(a, 4 * sizeof(int) * 1024);
}

/* (3) a shared file mapping of an unlinked file; also split by mprotect
 * and partly unmapped before the fork. */
static void file_shared(void) {
    char path[] = "/tmp/elfuse-shm-fork.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { perror("mkstemp"); exit(1); }
    /* Not a multiple of the page size: the tail page is shared too. */
    if (ftruncate(fd, 3 * 4096 + 100)) { perror("ftruncate"); exit(1); }
    char *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap file"); exit(1); }
    unlink(path);
    close(fd);
    if (mprotect(m + 4096, 4096, PROT_READ)) { perror("mprotect"); exit(1); }
    if (mprotect(m + 4096, 4096, PROT_READ | PROT_WRITE)) { perror("mprotect"); exit(1); }
    strcpy(m, "before");
    pid_t pid = fork();
    if (pid == 0) {
        strcpy(m, "child page0");
        strcpy(m + 4096, "child page1");
        strcpy(m + 3 * 4096 + 10, "tail");
        _exit(0);
    }
    int st = reap(pid);
    printf("file: status %d: %s | %s | %s\n", st, m, m + 4096, m + 3 * 4096 + 10);
    munmap(m, 4 * 4096);
}

/* (4) a named POSIX semaphore: unlinked right away (as multiprocessing
 * does), posted by the child, waited for by the parent. */
static void posix_sem(void) {
    char name[64];
    snprintf(name, sizeof name, "/elfuse-shm-fork-%d", (int)getpid());
    sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
    if (s == SEM_FAILED) { perror("sem_open"); exit(1); }
    if (sem_unlink(name)) { perror("sem_unlink"); exit(1); }
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 3; i++)
            if (sem_post(s)) _exit(1);
        _exit(0);
    }
    int got = 0;
    for (int i = 0; i < 3; i++)
        if (sem_wait(s) == 0) got++;
    int v = -1;
    sem_getvalue(s, &v);
    printf("sem: waited %d, value %d, status %d\n", got, v, reap(pid));
    sem_close(s);
}

/* (5) MAP_PRIVATE stays private; a private file mapping too. */
static void private_stays_private(void) {
    int *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) { perror("mmap"); exit(1); }
    a[0] = 5;
    pid_t pid = fork();
    if (pid == 0) {
        a[0] = 6;
        _exit(a[0] == 6 ? 0 : 1);
    }
    int st = reap(pid);
    printf("private: parent sees %d, status %d\n", a[0], st);
    munmap(a, 4096);
}

/* (6) an atomic counter in shared memory, four processes. */
static void atomic_counter(void) {
    long *c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED) { perror("mmap"); exit(1); }
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            for (int i = 0; i < 10000; i++) __atomic_fetch_add(c, 1, __ATOMIC_SEQ_CST);
            _exit(0);
        }
    }
    for (int i = 0; i < 10000; i++) __atomic_fetch_add(c, 1, __ATOMIC_SEQ_CST);
    int bad = 0;
    for (int k = 0; k < 3; k++) bad |= reap(kids[k]);
    printf("atomic: %ld (children %s)\n", __atomic_load_n(c, __ATOMIC_SEQ_CST), bad ? "failed" : "ok");
    munmap(c, 4096);
}

/* Shared memory a grandchild writes, through two forks; shrinking with
 * mremap keeps the rest shared. */
static void grandchild(void) {
    int *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) { perror("mmap"); exit(1); }
    if (mremap(a, 8192, 4096, 0) != a) { perror("mremap"); exit(1); }
    pid_t pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            a[1] = 77;
            _exit(0);
        }
        _exit(reap(g));
    }
    int st = reap(pid);
    printf("grandchild: %d, status %d\n", a[1], st);
}

/* mremap growing a shared file mapping (moved: the page after it is
 * taken) keeps it the file's: a child's write to the grown part reaches
 * the parent and the file. */
static void mremap_grow(void) {
    char path[] = "/tmp/elfuse-shm-grow.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { perror("mkstemp"); exit(1); }
    unlink(path);
    if (ftruncate(fd, 4096)) { perror("ftruncate"); exit(1); }
    char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(1); }
    munmap(m + 4096, 4096);
    char *block = mmap(m + 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    strcpy(m, "first");
    if (ftruncate(fd, 3 * 4096)) { perror("ftruncate"); exit(1); }
    if (mremap(m, 4096, 3 * 4096, 0) != MAP_FAILED) { printf("mremap without MAYMOVE grew\n"); exit(1); }
    char *g = mremap(m, 4096, 3 * 4096, MREMAP_MAYMOVE);
    if (g == MAP_FAILED) { perror("mremap"); exit(1); }
    pid_t pid = fork();
    if (pid == 0) {
        strcpy(g + 2 * 4096, "third");
        _exit(0);
    }
    int st = reap(pid);
    char buf[6] = {0};
    pread(fd, buf, 5, 2 * 4096);
    printf("mremap: moved %d, status %d: %s %s file %s\n", g != m, st, g, g + 2 * 4096, buf);
    int ok = msync(g, 3 * 4096, MS_SYNC);
    int inval = msync(g, 4096, MS_SYNC | MS_ASYNC) < 0 ? errno : 0;
    munmap(g, 3 * 4096);
    int nomem = msync(g, 4096, MS_ASYNC) < 0 ? errno : 0;
    printf("msync: %d %s %s\n", ok, inval == EINVAL ? "EINVAL" : "?", nomem == ENOMEM ? "ENOMEM" : "?");
    munmap(block, 4096);
    close(fd);
}

/* A shared read-only mapping of a file open read-only (memmap-style
 * readers map files this way): readable, cannot be made writable, and a
 * writer's later changes show through it, in a fork child too. */
static void readonly_shared(void) {
    char path[] = "/tmp/elfuse-shm-ro.XXXXXX";
    int w = mkstemp(path);
    if (w < 0) { perror("mkstemp"); exit(1); }
    char page[4096];
    memset(page, 'a', sizeof page);
    if (write(w, page, sizeof page) != sizeof page || write(w, "tail\n", 5) != 5) { perror("write"); exit(1); }
    int r = open(path, O_RDONLY);
    unlink(path);
    char *m = mmap(NULL, 4096 + 5, PROT_READ, MAP_SHARED, r, 0);
    if (m == MAP_FAILED) { perror("mmap ro"); exit(1); }
    int acc = mprotect(m, 4096, PROT_READ | PROT_WRITE) < 0 ? errno : 0;
    pid_t pid = fork();
    if (pid == 0) {
        if (pwrite(w, "B", 1, 4096) != 1) _exit(2);
        _exit(m[4096] == 'B' ? 0 : 3);
    }
    int st = reap(pid);
    printf("readonly: %c %.4s %s, status %d\n", m[0], m + 4096, acc == EACCES ? "EACCES" : "?", st);
    munmap(m, 4096 + 5);
    close(r);
    close(w);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    anon_shared();
    file_shared();
    posix_sem();
    private_stays_private();
    atomic_counter();
    grandchild();
    mremap_grow();
    readonly_shared();
    return 0;
}
