/* signalfd4(2): records, blocking and non-blocking reads, poll/epoll
 * readiness, SIGCHLD from a child, mask updates, error cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, 0);
    return r == 1 && (p.revents & POLLIN);
}

static volatile sig_atomic_t usr2_hits;
static void on_usr2(int s) {
    (void)s;
    usr2_hits++;
}

/* Threads: one blocks reading while another signals the process; then a
 * thread-directed signal to the main thread wakes its poll. */
static int tfd;
static pid_t main_tid;
static void *reader(void *a) {
    struct signalfd_siginfo r;
    ssize_t n = read(tfd, &r, sizeof r);
    printf("thread read: n=%zd signo=%u\n", n, r.ssi_signo);
    return a;
}
static void *killer(void *a) {
    usleep(100000);
    syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
    return a;
}

static void threads(const sigset_t *set) {
    tfd = signalfd(-1, set, 0);
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    usleep(100000);
    kill(getpid(), SIGUSR1);
    pthread_join(t, NULL);
    main_tid = gettid();
    pthread_create(&t, NULL, killer, NULL);
    struct pollfd p = {.fd = tfd, .events = POLLIN};
    int r = poll(&p, 1, 5000);
    struct signalfd_siginfo si;
    ssize_t n = read(tfd, &si, sizeof si);
    printf("main poll: r=%d n=%zd signo=%u code=%d\n", r, n, si.ssi_signo, si.ssi_code);
    pthread_join(t, NULL);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t me = getpid();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);

    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    printf("signalfd: ok=%d cloexec=%d\n", fd >= 0, (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);

    struct signalfd_siginfo si[4];
    errno = 0;
    ssize_t n = read(fd, si, sizeof si);
    printf("empty: n=%zd eagain=%d readable=%d\n", n, errno == EAGAIN, readable(fd));

    kill(me, SIGUSR1);
    printf("after kill: readable=%d\n", readable(fd));
    errno = 0;
    n = read(fd, si, 100);
    printf("short buffer: n=%zd einval=%d\n", n, errno == EINVAL);
    n = read(fd, si, sizeof si);
    printf("kill: n=%zd signo=%u code=%d pid_ok=%d uid_ok=%d readable=%d\n", n, si[0].ssi_signo, si[0].ssi_code,
           si[0].ssi_pid == (unsigned)me, si[0].ssi_uid == (unsigned)getuid(), readable(fd));

    syscall(SYS_tgkill, me, syscall(SYS_gettid), SIGUSR1);
    n = read(fd, si, sizeof si);
    printf("tgkill: n=%zd signo=%u code=%d pid_ok=%d\n", n, si[0].ssi_signo, si[0].ssi_code,
           si[0].ssi_pid == (unsigned)me);

    union sigval v = {.sival_int = 4242};
    sigqueue(me, SIGRTMIN, v);
    kill(me, SIGUSR1);
    n = read(fd, si, sizeof si);
    printf("two at once: n=%zd first=%d second=%d code2=%d int=%d\n", n, si[0].ssi_signo == SIGUSR1,
           si[1].ssi_signo == (unsigned)SIGRTMIN, si[1].ssi_code, si[1].ssi_int);

    /* One record per read when the buffer holds one. */
    kill(me, SIGUSR1);
    sigqueue(me, SIGRTMIN, v);
    n = read(fd, si, sizeof si[0]);
    ssize_t n2 = read(fd, si + 1, sizeof si[0]);
    printf("one by one: n=%zd n2=%zd %u %u\n", n, n2, si[0].ssi_signo == SIGUSR1,
           si[1].ssi_signo == (unsigned)SIGRTMIN);

    /* poll, select and epoll readiness. */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77};
    printf("epoll_ctl=%d\n", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    struct epoll_event out;
    printf("epoll idle=%d\n", epoll_wait(ep, &out, 1, 0));
    kill(me, SIGUSR1);
    int r = epoll_wait(ep, &out, 1, 1000);
    printf("epoll ready=%d data=%llu in=%d\n", r, (unsigned long long)out.data.u64, (out.events & EPOLLIN) != 0);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(fd, &rs);
    struct timeval tv = {0, 0};
    printf("select=%d\n", select(fd + 1, &rs, NULL, NULL, &tv));
    read(fd, si, sizeof si);
    printf("drained: epoll=%d readable=%d\n", epoll_wait(ep, &out, 1, 0), readable(fd));

    /* SIGCHLD from a child exiting with status 3, waited for with poll. */
    pid_t c = fork();
    if (c == 0)
        _exit(3);
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    r = poll(&pf, 1, 5000);
    n = read(fd, si, sizeof si);
    printf("sigchld: poll=%d n=%zd signo=%u code_exited=%d pid_ok=%d status=%d\n", r, n, si[0].ssi_signo,
           si[0].ssi_code == CLD_EXITED, si[0].ssi_pid == (unsigned)c, si[0].ssi_status);
    int st;
    waitpid(c, &st, 0);

    /* A child's signalfd reads the child's own signals. */
    c = fork();
    if (c == 0) {
        errno = 0;
        ssize_t cn = read(fd, si, sizeof si);
        int e = errno;
        kill(getpid(), SIGUSR1);
        ssize_t cn2 = read(fd, si, sizeof si);
        _exit(cn == -1 && e == EAGAIN && cn2 == 128 && si[0].ssi_pid == (unsigned)getpid() ? 0 : 1);
    }
    waitpid(c, &st, 0);
    printf("child's own: status=%d\n", WEXITSTATUS(st));
    read(fd, si, sizeof si); /* the child's SIGCHLD */
    printf("parent after child: readable=%d\n", readable(fd));

    /* Update the mask: SIGUSR1 no longer reported, SIGKILL dropped silently. */
    sigset_t only_rt;
    sigemptyset(&only_rt);
    sigaddset(&only_rt, SIGRTMIN);
    sigaddset(&only_rt, SIGKILL);
    printf("update=%d\n", signalfd(fd, &only_rt, 0) == fd);
    kill(me, SIGUSR1);
    printf("usr1 outside mask: readable=%d\n", readable(fd));
    sigset_t pend;
    sigpending(&pend);
    printf("still pending=%d\n", sigismember(&pend, SIGUSR1));
    sigset_t back = set;
    signalfd(fd, &back, 0);
    printf("mask restored: readable=%d\n", readable(fd));
    read(fd, si, sizeof si);

    /* A blocking read is interrupted by a handled signal outside the mask. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2; /* no SA_RESTART: the read fails with EINTR */
    sigaction(SIGUSR2, &sa, NULL);
    int bfd = signalfd(-1, &set, 0);
    pid_t k = fork();
    if (k == 0) {
        usleep(100000);
        kill(getppid(), SIGUSR2);
        usleep(300000);
        _exit(0);
    }
    errno = 0;
    n = read(bfd, si, sizeof si);
    printf("blocking read: n=%zd eintr=%d usr2=%d\n", n, errno == EINTR, (int)usr2_hits);
    /* The child's SIGCHLD may or may not be there yet: wait for it. */
    waitpid(k, &st, 0);
    n = read(bfd, si, sizeof si);
    printf("blocking read sigchld: n=%zd signo=%u\n", n, si[0].ssi_signo);

    /* Error cases. */
    errno = 0;
    printf("bad size=%d einval=%d\n", (int)syscall(SYS_signalfd4, -1, &set, 4, 0), errno == EINVAL);
    errno = 0;
    printf("bad flags=%d einval=%d\n", (int)syscall(SYS_signalfd4, -1, &set, 8, 1), errno == EINVAL);
    errno = 0;
    printf("not a signalfd=%d einval=%d\n", signalfd(1, &set, 0), errno == EINVAL);
    errno = 0;
    printf("bad fd=%d ebadf=%d\n", signalfd(99, &set, 0), errno == EBADF);
    errno = 0;
    printf("bad mask=%d efault=%d\n", (int)syscall(SYS_signalfd4, -1, (void *)8, 8, 0), errno == EFAULT);
    errno = 0;
    printf("write=%zd einval=%d\n", write(fd, si, sizeof si[0]), errno == EINVAL);

    struct stat sb;
    fstat(fd, &sb);
    char link[64] = {0}, path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    readlink(path, link, sizeof link - 1);
    printf("fstat mode=%o link=%s\n", sb.st_mode & 07777, link);
    threads(&set);
    return 0;
}
