/* Interval timers and POSIX timers: expiries arrive as signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int ticks, tcode;
static volatile void *tval;
static void on_alrm(int s) { (void)s; ticks++; }
static void on_timer(int s, siginfo_t *si, void *uc) {
    (void)s; (void)uc;
    ticks++;
    tcode = si->si_code;
    tval = si->si_value.sival_ptr;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGALRM, on_alrm);
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    sigemptyset(&empty);

    /* setitimer: 3 periodic expiries of 20 ms */
    struct itimerval it = {{0, 20000}, {0, 20000}}, cur;
    printf("setitimer=%d\n", setitimer(ITIMER_REAL, &it, NULL));
    getitimer(ITIMER_REAL, &cur);
    printf("interval=%ld usec\n", (long)cur.it_interval.tv_usec);
    while (ticks < 3) sigsuspend(&empty);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("itimer ticks=%d\n", ticks);
    printf("bad which=%d einval=%d\n", setitimer(7, &it, NULL), errno == EINVAL);

    /* alarm() */
    ticks = 0;
    alarm(1);
    printf("alarm pending=%u\n", alarm(1));
    while (ticks < 1) sigsuspend(&empty);
    printf("alarm fired=%d\n", ticks);

    /* timer_create: SIGUSR1 carrying a value */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    static int cookie;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_ptr = &cookie;
    timer_t t;
    printf("timer_create=%d\n", timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec ts = {{0, 0}, {0, 30 * 1000 * 1000}}, got;
    ticks = 0;
    printf("timer_settime=%d\n", timer_settime(t, 0, &ts, NULL));
    timer_gettime(t, &got);
    printf("armed=%d\n", got.it_value.tv_sec == 0 && got.it_value.tv_nsec > 0);
    while (ticks < 1) sigsuspend(&empty);
    printf("timer fired=%d code_si_timer=%d value_ok=%d\n", ticks, tcode == SI_TIMER, tval == &cookie);
    printf("timer_delete=%d\n", timer_delete(t));
    printf("deleted settime=%d einval=%d\n", timer_settime(t, 0, &ts, NULL), errno == EINVAL);
    return 0;
}
