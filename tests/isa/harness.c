/* Differential ISA harness: the reference side of `make isa-check`.
 *
 * Runs under qemu-aarch64-static (or real arm64 Linux). Protocol on
 * stdin/stdout, all little-endian binary:
 *   header out: u64 epilogue address, u64 window address, then the
 *               4096-byte template page image (so the checker can map the
 *               same bytes at CODE_VA).
 *   batch in:   u32 n (<= 64), then n cases:
 *               u32 insn, u32 pad, u64 memory seed, struct state (792 B)
 *   batch out:  n results: struct state, u64 signal (0 = ran), u64 hash
 * Case i of a batch runs at SLOT_VA + 8*i as `insn; b epilogue`, reached
 * through a `b` at TRAMP_VA (both pages are rewritten, nothing else).
 * The window (WIN_VA, one page) is filled from the seed with xorshift64*,
 * exactly as the checker does; the hash is FNV-1a over its 64-bit words.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_VA 0x35a400000UL
#define STATE_OFF 0xff0000UL
#define TRAMP_VA (CODE_VA + 0x1000)
#define SLOT_VA (CODE_VA + 0x2000)
#define WIN_VA 0x36b800000UL
#define PAGE 4096

struct state {
    uint64_t x[31];
    uint64_t sp;
    uint64_t v[64];
    uint64_t nzcv, fpcr, fpsr;
};

struct in_case {
    uint32_t insn, pad;
    uint64_t seed;
    struct state s;
};

struct out_case {
    struct state s;
    uint64_t sig;
    uint64_t hash;
};

extern char tmpl_start[], tmpl_slot[], tmpl_epilogue[], tmpl_fault[], tmpl_end[];

/* B from `from` to `to`. */
static uint32_t branch(uint64_t from, uint64_t to) {
    return 0x14000000u | (uint32_t)(((to - from) >> 2) & 0x3ffffff);
}

static volatile uint64_t last_sig;

static void on_fault(int sig, siginfo_t *si, void *ctx) {
    (void)si;
    ucontext_t *uc = ctx;
    last_sig = (uint64_t)sig;
    uc->uc_mcontext.pc = CODE_VA + (uint64_t)(tmpl_fault - tmpl_start);
}

static void fill(uint64_t seed) {
    uint64_t *w = (uint64_t *)WIN_VA;
    uint64_t s = seed | 1;
    for (int i = 0; i < PAGE / 8; i++) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        w[i] = s * 0x2545F4914F6CDD1DULL;
    }
}

static uint64_t hash(void) {
    const uint64_t *w = (const uint64_t *)WIN_VA;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < PAGE / 8; i++) h = (h ^ w[i]) * 0x100000001b3ULL;
    return h;
}

static int read_all(void *p, size_t n) {
    char *c = p;
    while (n) {
        ssize_t r = read(0, c, n);
        if (r <= 0) return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static void write_all(const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t r = write(1, c, n);
        if (r <= 0) exit(3);
        c += r;
        n -= (size_t)r;
    }
}

int main(void) {
    void *code = mmap((void *)CODE_VA, 3 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *state = mmap((void *)(CODE_VA + STATE_OFF), PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *win = mmap((void *)WIN_VA, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                     -1, 0);
    if (code != (void *)CODE_VA || state != (void *)(CODE_VA + STATE_OFF) || win != (void *)WIN_VA) {
        fprintf(stderr, "harness: fixed mappings failed\n");
        return 2;
    }
    memcpy(code, tmpl_start, (size_t)(tmpl_end - tmpl_start));
    uint64_t epi = CODE_VA + (uint64_t)(tmpl_epilogue - tmpl_start);
    uint64_t pslot = CODE_VA + (uint64_t)(tmpl_slot - tmpl_start);
    *(uint32_t *)pslot = branch(pslot, TRAMP_VA);
    __builtin___clear_cache((char *)code, (char *)code + 3 * PAGE);

    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);

    uint64_t hdr[2] = {epi, WIN_VA};
    write_all(hdr, sizeof hdr);
    write_all(code, PAGE);

    uint32_t *tramp = (uint32_t *)TRAMP_VA;
    uint32_t *slots = (uint32_t *)SLOT_VA;
    struct state *in = (struct state *)(CODE_VA + STATE_OFF);
    struct state *out = (struct state *)(CODE_VA + STATE_OFF + 1024);
    void (*run)(void) = (void (*)(void))CODE_VA;
    static struct out_case res[64];
    static struct in_case cases[64];
    for (;;) {
        /* Batches: u32 count, then the cases. */
        uint32_t n;
        if (read_all(&n, 4)) return 0;
        if (n > 64) return 4;
        if (read_all(cases, n * sizeof(struct in_case))) return 4;
        for (uint32_t i = 0; i < n; i++) {
            slots[2 * i] = cases[i].insn;
            slots[2 * i + 1] = branch(SLOT_VA + 8 * i + 4, epi);
        }
        memset(slots + 2 * n, 0, (64 - n) * 8); /* the page is a function of the batch */
        __builtin___clear_cache((char *)slots, (char *)(slots + 128));
        for (uint32_t i = 0; i < n; i++) {
            *tramp = branch(TRAMP_VA, SLOT_VA + 8 * i);
            __builtin___clear_cache((char *)tramp, (char *)(tramp + 1));
            *in = cases[i].s;
            memset(out, 0, sizeof *out);
            fill(cases[i].seed);
            last_sig = 0;
            run();
            res[i].s = *out;
            res[i].sig = last_sig;
            res[i].hash = hash();
        }
        write_all(res, n * sizeof(struct out_case));
    }
}
