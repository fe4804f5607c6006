/* Readiness: ppoll, pselect6, epoll (level, edge, oneshot, user data),
 * eventfd2. Expected output: Linux's (qemu-user agrees). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *en(int e) {
    switch (e) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    case EPERM: return "EPERM";
    case EAGAIN: return "EAGAIN";
    default: { static char b[16]; snprintf(b, sizeof b, "errno%d", e); return b; }
    }
}
#define T(x) do { errno = 0; long r_ = (long)(x); \
    if (r_ < 0) printf("%s => -1 %s\n", #x, en(errno)); else printf("%s => %ld\n", #x, r_); } while (0)

static int wait1(int ep, int ms, struct epoll_event *ev) {
    memset(ev, 0, sizeof *ev);
    return epoll_wait(ep, ev, 1, ms);
}

int main(void) {
    int p[2];
    pipe(p);
    struct pollfd pf[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {99, POLLIN, 0}};
    struct timespec zero = {0, 0}, short_ = {0, 20000000};

    /* ppoll */
    T(ppoll(pf, 3, &zero, NULL));
    printf("revents in=%#x out=%#x bad=%#x\n", pf[0].revents, pf[1].revents, pf[2].revents);
    pf[2].fd = -1;
    T(ppoll(pf, 1, &short_, NULL));
    write(p[1], "x", 1);
    T(ppoll(pf, 2, &zero, NULL));
    printf("revents in=%#x out=%#x\n", pf[0].revents, pf[1].revents);
    T(ppoll(pf, 3, &zero, NULL));
    printf("negative fd revents=%#x\n", pf[2].revents);
    T(ppoll((struct pollfd *)8, 1, &zero, NULL));
    struct timespec badts = {0, 2000000000};
    T(ppoll(pf, 1, &badts, NULL));
    T(poll(pf, 1, 0));
    int q[2];
    pipe(q);
    close(q[1]);
    struct pollfd hup = {q[0], POLLIN, 0};
    T(poll(&hup, 1, 0));
    printf("hup revents=%#x\n", hup.revents);
    close(q[0]);

    /* pselect6 */
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timespec ts = {0, 0};
    T(pselect(p[1] + 1, &r, &w, NULL, &ts, NULL));
    printf("readable=%d writable=%d\n", FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
    char c;
    read(p[0], &c, 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    ts.tv_nsec = 10000000;
    T(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL));
    printf("readable=%d\n", FD_ISSET(p[0], &r));
    FD_ZERO(&r);
    FD_SET(50, &r);
    T(pselect(51, &r, NULL, NULL, &ts, NULL));
    T(pselect(-1, NULL, NULL, NULL, &ts, NULL));
    struct timeval tv = {0, 1000};
    T(select(0, NULL, NULL, NULL, &tv));

    /* epoll: level-triggered */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    printf("epoll ok=%d cloexec=%d\n", ep >= 0, fcntl(ep, F_GETFD));
    T(epoll_create1(1));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
    T(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    T(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    T(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    T(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    T(epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev));
    T(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    T(epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev));
    T(epoll_ctl(ep, 7, p[1], &ev));
    T(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (struct epoll_event *)8));
    int reg = open("/proc/self/exe", O_RDONLY);
    T(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev));
    struct epoll_event out;
    T(wait1(ep, 0, &out));
    write(p[1], "ab", 2);
    T(wait1(ep, 0, &out));
    printf("events=%#x data=%#llx\n", out.events, (unsigned long long)out.data.u64);
    T(wait1(ep, 0, &out));
    T(epoll_wait(ep, &out, 0, 0));
    T(epoll_wait(ep, (struct epoll_event *)8, 1, 0));
    T(epoll_wait(99, &out, 1, 0));
    T(epoll_wait(p[0], &out, 1, 0));

    /* edge-triggered: reported once per new arrival */
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = 7;
    T(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    T(wait1(ep, 0, &out));
    T(wait1(ep, 0, &out));
    write(p[1], "c", 1);
    T(wait1(ep, 0, &out));
    printf("data=%u\n", out.data.u32);
    T(wait1(ep, 0, &out));

    /* oneshot: once, then disabled until MOD */
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.fd = p[0];
    T(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    T(wait1(ep, 0, &out));
    T(wait1(ep, 0, &out));
    T(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    T(wait1(ep, 0, &out));
    printf("data.fd is p0=%d\n", out.data.fd == p[0]);

    /* writable end, timeouts, DEL */
    ev.events = EPOLLOUT;
    ev.data.u64 = 42;
    T(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    T(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    T(wait1(ep, 0, &out));
    printf("events=%#x data=%llu\n", out.events, (unsigned long long)out.data.u64);
    T(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    T(wait1(ep, 30, &out));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("waited_enough=%d\n", ms >= 29);

    /* hangup is always reported */
    int h[2];
    pipe(h);
    ev.events = EPOLLIN;
    ev.data.u64 = 5;
    T(epoll_ctl(ep, EPOLL_CTL_ADD, h[0], &ev));
    close(h[1]);
    T(wait1(ep, 0, &out));
    printf("hup events=%#x\n", out.events);
    /* closing an fd drops its registration */
    close(h[0]);
    T(wait1(ep, 0, &out));
    int again = dup(p[0]);
    (void)again;

    /* eventfd2 */
    int efd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    printf("eventfd ok=%d cloexec=%d\n", efd >= 0, fcntl(efd, F_GETFD));
    uint64_t v = 0;
    T(read(efd, &v, 8));
    printf("value=%llu\n", (unsigned long long)v);
    T(read(efd, &v, 8));
    v = 5;
    T(write(efd, &v, 8));
    T(write(efd, &v, 4));
    v = 0xffffffffffffffffull;
    T(write(efd, &v, 8));
    ev.events = EPOLLIN;
    ev.data.u64 = 9;
    T(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
    T(wait1(ep, 0, &out));
    printf("eventfd data=%llu\n", (unsigned long long)out.data.u64);
    int sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    T(read(sem, &v, 8));
    printf("sem=%llu\n", (unsigned long long)v);
    T(read(sem, &v, 8));
    T(read(sem, &v, 8));
    T(eventfd(0, 0x10));
    return 0;
}
