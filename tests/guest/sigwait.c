/* Signals from outside (the test harness sends SIGUSR1 to the process):
 *   sigwait restart   read(0) restarted after an SA_RESTART handler
 *   sigwait eintr     read(0) fails with EINTR without SA_RESTART
 *   sigwait suspend   sigsuspend() returns EINTR after the handler ran */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int got;
static void on_usr1(int s) { got = s; write(1, "handler\n", 8); }

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "restart";
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = strcmp(mode, "restart") == 0 ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    if (strcmp(mode, "suspend") == 0) {
        sigset_t block, empty;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        sigprocmask(SIG_BLOCK, &block, NULL);
        printf("ready\n");
        fflush(stdout);
        sigemptyset(&empty);
        int r = sigsuspend(&empty);
        sigset_t now;
        sigprocmask(SIG_BLOCK, NULL, &now);
        printf("sigsuspend=%d eintr=%d got=%d mask_restored=%d\n", r, errno == EINTR, got, sigismember(&now, SIGUSR1));
        return 0;
    }
    printf("ready\n");
    fflush(stdout);
    char buf[16] = {0};
    ssize_t n = read(0, buf, sizeof buf - 1);
    if (n < 0) printf("read=-1 %s\n", errno == EINTR ? "EINTR" : strerror(errno));
    else printf("read=%zd [%s]\n", n, buf);
    return 0;
}
