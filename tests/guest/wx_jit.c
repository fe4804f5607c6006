/* A JIT in miniature: code written into an RWX mapping, run, rewritten and
 * run again, plus code delivered by read(2). Under elfuse's W^X policy
 * (ELFUSE_WX=1) every step crosses a write->exec or exec->write flip. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int (*fn_t)(void);

static uint32_t movz_w0(unsigned imm) { return 0x52800000u | (imm << 5); }
#define RET 0xd65f03c0u

static void emit(uint32_t *code, unsigned imm) {
    code[0] = movz_w0(imm);
    code[1] = RET;
    __builtin___clear_cache((char *)code, (char *)(code + 2));
}

int main(void) {
    uint32_t *code = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    emit(code, 42);
    printf("first: %d\n", ((fn_t)code)());
    emit(code, 7);
    printf("rewritten: %d\n", ((fn_t)code)());
    printf("word: %#x\n", (unsigned)code[0]);

    /* The kernel (elfuse) writes the code of the second page. */
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        return 1;
    }
    uint32_t insn[2] = {movz_w0(99), RET};
    if (write(fds[1], insn, sizeof insn) != sizeof insn || read(fds[0], code + 1024, sizeof insn) != sizeof insn) {
        perror("pipe io");
        return 1;
    }
    __builtin___clear_cache((char *)(code + 1024), (char *)(code + 1026));
    printf("from read: %d\n", ((fn_t)(code + 1024))());
    /* ...and rewrites it while it is executable. */
    if (write(fds[1], insn, sizeof insn) != sizeof insn || read(fds[0], code + 1024, 4) != 4) {
        perror("pipe io");
        return 1;
    }
    printf("read again: %d\n", ((fn_t)(code + 1024))());

    int sum = 0;
    for (int i = 0; i < 100; i++) {
        emit(code, i);
        sum += ((fn_t)code)();
    }
    printf("sum: %d\n", sum);
    return 0;
}
