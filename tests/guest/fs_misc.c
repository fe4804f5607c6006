/* Scheduling basics, personality, priorities, capabilities, clocks,
 * times/getrusage. Expected output: Linux's (qemu-user agrees). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static const char *en(int e) {
    switch (e) {
    case EINVAL: return "EINVAL";
    case ESRCH: return "ESRCH";
    case EFAULT: return "EFAULT";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    default: { static char b[16]; snprintf(b, sizeof b, "errno%d", e); return b; }
    }
}
#define T(x) do { errno = 0; long r_ = (long)(x); \
    if (r_ < 0) printf("%s => -1 %s\n", #x, en(errno)); else printf("%s => %ld\n", #x, r_); } while (0)
/* Only whether it succeeded (values vary by machine). */
#define S(x) do { errno = 0; long r_ = (long)(x); \
    if (r_ < 0) printf("%s => -1 %s\n", #x, en(errno)); else printf("%s => ok\n", #x); } while (0)

int main(void) {
    /* personality */
    T(personality(0xffffffff));
    T(personality(PER_LINUX));
    T(personality(0xffffffff));

    /* priorities: the raw syscall returns 20 - nice */
    T(syscall(SYS_getpriority, PRIO_PROCESS, 0));
    T(getpriority(PRIO_PROCESS, 0));
    T(setpriority(PRIO_PROCESS, 0, 3));
    T(getpriority(PRIO_PROCESS, getpid()));
    T(getpriority(99, 0));
    T(getpriority(PRIO_PROCESS, 999999));
    T(setpriority(PRIO_PROCESS, 999999, 1));

    /* scheduler */
    T(sched_getscheduler(0));
    T(sched_getscheduler(-1));
    T(sched_getscheduler(999999));
    T(sched_get_priority_max(SCHED_FIFO));
    T(sched_get_priority_min(SCHED_FIFO));
    T(sched_get_priority_max(SCHED_RR));
    T(sched_get_priority_max(SCHED_OTHER));
    T(sched_get_priority_min(SCHED_BATCH));
    T(sched_get_priority_max(77));
    struct sched_param sp = {.sched_priority = 9};
    T(sched_getparam(0, &sp));
    printf("priority=%d\n", sp.sched_priority);
    T(sched_getparam(0, NULL));
    sp.sched_priority = 0;
    T(sched_setscheduler(0, SCHED_OTHER, &sp));
    T(sched_setparam(0, &sp));
    sp.sched_priority = 5;
    T(sched_setscheduler(0, SCHED_OTHER, &sp));
    T(sched_setscheduler(0, 77, &sp));
    T(sched_setparam(0, (struct sched_param *)8));
    struct timespec rr;
    S(sched_rr_get_interval(0, &rr));
    T(sched_rr_get_interval(999999, &rr));
    cpu_set_t set;
    CPU_ZERO(&set);
    T(sched_setaffinity(0, sizeof set, &set));
    CPU_SET(0, &set);
    T(sched_setaffinity(0, sizeof set, &set));
    T(sched_setaffinity(999999, sizeof set, &set));
    T(sched_setaffinity(0, sizeof set, (cpu_set_t *)8));
    T(sched_yield());

    /* capabilities */
    struct __user_cap_header_struct hdr = {0, 0};
    struct __user_cap_data_struct data[2];
    T(syscall(SYS_capget, &hdr, data));
    printf("preferred version=%#x\n", hdr.version);
    hdr.version = _LINUX_CAPABILITY_VERSION_3;
    T(syscall(SYS_capget, &hdr, data));
    printf("caps iff euid 0: %d\n", (data[0].effective != 0) == (geteuid() == 0));
    T(syscall(SYS_capget, &hdr, NULL));
    hdr.pid = 999999;
    T(syscall(SYS_capget, &hdr, data));
    hdr.pid = -1;
    T(syscall(SYS_capget, &hdr, data));
    T(syscall(SYS_capget, (void *)8, data));

    /* clocks */
    const int ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                       CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME, CLOCK_TAI};
    for (unsigned i = 0; i < sizeof ids / sizeof *ids; i++) {
        struct timespec ts = {-1, -1}, res = {-1, -1};
        int g = clock_gettime(ids[i], &ts);
        int r = clock_getres(ids[i], &res);
        printf("clock %d: gettime=%d sane=%d getres=%d res_ok=%d\n", ids[i], g, ts.tv_sec >= 0 && ts.tv_nsec >= 0 &&
               ts.tv_nsec < 1000000000, r, res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000);
    }
    struct timespec ts;
    T(clock_gettime(10, &ts));
    /* Through the vDSO a bad pointer is a SIGSEGV, as on Linux; the syscall says EFAULT. */
    T(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (struct timespec *)8));
    T(clock_getres(CLOCK_MONOTONIC, NULL));
    T(syscall(SYS_clock_getres, 10, &ts));
    struct timespec past = {1, 0};
    T(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
    struct timespec tiny = {0, 1000};
    T(clock_nanosleep(CLOCK_REALTIME, 0, &tiny, NULL));
    T(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &tiny, NULL));
    struct timespec bad = {0, 1000000000};
    T(nanosleep(&bad, NULL));
    T(nanosleep((struct timespec *)8, NULL));
    struct timeval tv;
    T(gettimeofday(&tv, NULL));
    printf("gettimeofday sane=%d\n", tv.tv_sec > 1600000000 && tv.tv_usec < 1000000);

    /* times, getrusage */
    struct tms tm;
    printf("times positive=%d\n", times(&tm) > 0);
    S(times(NULL));
    struct rusage ru;
    T(getrusage(RUSAGE_SELF, &ru));
    T(getrusage(RUSAGE_CHILDREN, &ru));
    T(getrusage(RUSAGE_THREAD, &ru));
    T(getrusage(7, &ru));
    T(getrusage(RUSAGE_SELF, (struct rusage *)8));

    /* umask */
    T(umask(077));
    T(umask(022));
    return 0;
}
