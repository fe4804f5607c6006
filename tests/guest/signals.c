/* Signal delivery: handlers, frames, sigreturn, masks, faults. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int hits, last_sig, last_code, nested;
static volatile uintptr_t last_addr, handler_sp;
static sigjmp_buf jb;

static void on_usr1(int s) { hits++; last_sig = s; }

static void on_info(int s, siginfo_t *si, void *uc) {
    (void)uc;
    hits++;
    last_sig = s;
    last_code = si->si_code;
    last_addr = (uintptr_t)si->si_addr;
}

static void on_segv(int s, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    last_sig = s;
    last_code = si->si_code;
    last_addr = (uintptr_t)si->si_addr;
    /* the fault address is also in the frame's mcontext */
    nested = uc->uc_mcontext.fault_address == (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
}

static void on_alt(int s) {
    int local;
    (void)s;
    handler_sp = (uintptr_t)&local;
}

static void on_nodefer(int s) {
    if (nested++ == 0) raise(s); /* re-entered at once with SA_NODEFER */
}

/* Registers survive a handler: set x19-x28 and v8-v15 (callee-saved, so the
 * compiler keeps them) plus caller-saved ones around a raw kill syscall. */
static int regs_preserved(void) {
    uint64_t out[12];
    __asm__ volatile(
        "mov x19, #19\n mov x20, #20\n mov x21, #21\n mov x22, #22\n mov x23, #23\n"
        "mov x24, #24\n mov x25, #25\n mov x26, #26\n mov x27, #27\n mov x28, #28\n"
        "movi v8.16b, #0x88\n movi v15.16b, #0xf1\n"
        "mov x9, #99\n mov x15, #1515\n"
        "mov x8, #172\n svc #0\n"          /* getpid -> x0 */
        "mov x1, #10\n"                    /* SIGUSR1 */
        "mov x8, #129\n svc #0\n"          /* kill(getpid(), SIGUSR1): handler runs here */
        "stp x19, x20, [%0]\n stp x21, x22, [%0, #16]\n stp x23, x24, [%0, #32]\n"
        "stp x25, x26, [%0, #48]\n stp x27, x28, [%0, #64]\n"
        "stp x9, x15, [%0, #80]\n"
        "umov x10, v8.d[1]\n umov x11, v15.d[0]\n"
        "cmp x10, x11\n"
        : : "r"(out)
        : "x0", "x1", "x8", "x9", "x10", "x11", "x15", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26",
          "x27", "x28", "v8", "v15", "memory", "cc");
    int ok = 1;
    for (int i = 0; i < 10; i++) ok &= out[i] == (uint64_t)(19 + i);
    return ok && out[10] == 99 && out[11] == 1515;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);

    /* 1. raise() runs the handler before returning */
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    printf("raise: hits=%d sig=%d\n", hits, last_sig);

    /* 2. all registers preserved across handler + sigreturn */
    hits = 0;
    printf("regs_preserved=%d hits=%d\n", regs_preserved(), hits);

    /* 3. SA_SIGINFO: si_code SI_TKILL from raise, SI_USER from kill */
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("siginfo raise: code=%d\n", last_code);
    kill(getpid(), SIGUSR2);
    printf("siginfo kill: code=%d\n", last_code);

    /* 4. blocked signals stay pending and arrive on unblock, in order */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    hits = 0;
    raise(SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("blocked: hits=%d pending=%d\n", hits, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: hits=%d\n", hits);

    /* 5. sigtimedwait dequeues a blocked pending signal */
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    siginfo_t si;
    struct timespec zero = {0, 0};
    int got = sigtimedwait(&set, &si, &zero);
    printf("sigtimedwait=%d code=%d hits=%d\n", got, si.si_code, hits);
    printf("sigtimedwait_empty=%d errno_eagain=%d\n", sigtimedwait(&set, &si, &zero), errno == EAGAIN);
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* 6. SIGSEGV handler + siglongjmp; si_addr is the fault address */
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(jb, 1) == 0) {
        *(volatile int *)0x1234 = 1;
        printf("no fault?\n");
    }
    printf("segv: sig=%d code=%d addr=%#lx mcontext_addr=%d\n", last_sig, last_code, (unsigned long)last_addr, nested);
    /* a write to a read-only page is SEGV_ACCERR */
    static const int ro = 5;
    if (sigsetjmp(jb, 1) == 0) {
        *(volatile int *)&ro = 6;
    }
    printf("segv accerr: code=%d addr_ok=%d\n", last_code, last_addr == (uintptr_t)&ro);

    /* 7. SIGILL from an undefined instruction */
    sa.sa_sigaction = on_segv;
    sigaction(SIGILL, &sa, NULL);
    if (sigsetjmp(jb, 1) == 0) {
        __asm__ volatile(".inst 0x00000000"); /* udf #0 */
    }
    printf("sigill: sig=%d code=%d\n", last_sig, last_code);

    /* 8. sigaltstack: the handler runs on the alternate stack */
    static char alt[65536];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    printf("sigaltstack=%d\n", sigaltstack(&ss, NULL));
    sa.sa_handler = on_alt;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("on_altstack=%d\n", handler_sp > (uintptr_t)alt && handler_sp < (uintptr_t)alt + sizeof alt);
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("altstack size=%zu flags=%d\n", cur.ss_size, cur.ss_flags);

    /* 9. SA_RESETHAND: the second raise uses the default (ignored: SIGURG) */
    hits = 0;
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGURG, &sa, NULL);
    raise(SIGURG);
    raise(SIGURG);
    struct sigaction now;
    sigaction(SIGURG, NULL, &now);
    printf("resethand: hits=%d reset=%d\n", hits, now.sa_handler == SIG_DFL);

    /* 10. SA_NODEFER: the handler can be re-entered */
    nested = 0;
    sa.sa_handler = on_nodefer;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("nodefer: depth=%d\n", nested);

    /* 11. ignored signals vanish; SIGKILL cannot be caught */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("sigaction_sigkill=%d errno_einval=%d\n", sigaction(SIGKILL, &sa, NULL), errno == EINVAL);

    /* 12. ppoll's mask: a pending blocked signal it unblocks interrupts at
     * once and its handler runs; afterwards the old mask is back. */
    hits = 0;
    signal(SIGUSR1, on_usr1);
    sigset_t b1, none, after;
    sigemptyset(&b1);
    sigaddset(&b1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &b1, NULL);
    raise(SIGUSR1);
    sigemptyset(&none);
    struct timespec tmo = {5, 0};
    int pr = ppoll(NULL, 0, &tmo, &none);
    sigprocmask(SIG_BLOCK, NULL, &after);
    printf("ppoll mask: r=%d eintr=%d hits=%d still_blocked=%d\n", pr, errno == EINTR, hits, sigismember(&after, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &b1, NULL);

    /* 13. the default action of SIGTERM kills (status 143) */
    printf("terminating\n");
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}
