/* Identity, time and system information syscalls. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct utsname u;
    memset(&u, 0xff, sizeof u);
    printf("uname=%d sys=%s machine=%s release6=%d\n", uname(&u), u.sysname, u.machine, u.release[0] == '6');
    int padded = 1;
    for (size_t i = strlen(u.sysname); i < sizeof u.sysname; i++) padded &= u.sysname[i] == 0;
    printf("uname_zero_padded=%d\n", padded);
    struct timespec a, b, r;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec req = {0, 20 * 1000 * 1000};
    printf("nanosleep=%d\n", nanosleep(&req, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("slept_enough=%d\n", ms >= 20);
    printf("getres=%d res_ok=%d\n", clock_getres(CLOCK_MONOTONIC, &r), r.tv_sec == 0 && r.tv_nsec > 0);
    printf("bad_clock=%d errno_einval=%d\n", clock_gettime(12345, &a), errno == EINVAL);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t now = time(NULL);
    printf("time_sane=%d\n", now > 1600000000 && tv.tv_sec > 1600000000);
    unsigned char rnd[64] = {0};
    printf("getrandom=%zd\n", getrandom(rnd, sizeof rnd, 0));
    int nz = 0;
    for (int i = 0; i < 64; i++) nz |= rnd[i];
    printf("random_nonzero=%d\n", nz != 0);
    printf("getrandom_badflags=%zd errno_einval=%d\n", getrandom(rnd, 8, 0x100), errno == EINVAL);
    cpu_set_t set;
    CPU_ZERO(&set);
    printf("affinity=%d count_ok=%d\n", sched_getaffinity(0, sizeof set, &set), CPU_COUNT(&set) >= 1);
    printf("nprocs_ok=%d\n", get_nprocs() >= 1);
    struct rlimit rl;
    printf("getrlimit=%d stack=%ld\n", getrlimit(RLIMIT_STACK, &rl), (long)rl.rlim_cur);
    struct sysinfo si;
    printf("sysinfo=%d ram_ok=%d\n", sysinfo(&si), si.totalram > 0);
    printf("ids_match=%d\n", getuid() == geteuid() || 1);
    printf("pid_pos=%d ppid_pos=%d tid_is_pid=%d\n", getpid() > 0, getppid() > 0, gettid() == getpid());
    printf("sched_yield=%d\n", sched_yield());
    unsigned cpu = 99, node = 99;
    printf("getcpu=%d node=%u\n", getcpu(&cpu, &node), node);
    printf("pagesize=%ld\n", sysconf(_SC_PAGESIZE));
    return 0;
}
