/* argv/envp/auxv dump: what the initial stack and auxv say. */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "ELFUSE_T", 8) == 0) printf("env %s\n", *e);
    printf("pagesz=%lu\n", getauxval(AT_PAGESZ));
    printf("clktck=%lu\n", getauxval(AT_CLKTCK));
    printf("phent=%lu\n", getauxval(AT_PHENT));
    printf("phnum_ok=%d\n", getauxval(AT_PHNUM) > 0);
    printf("platform=%s\n", (const char *)getauxval(AT_PLATFORM));
    unsigned long hw = getauxval(AT_HWCAP);
    printf("hwcap_fp=%d hwcap_asimd=%d\n", (int)(hw & 1), (int)((hw >> 1) & 1));
    printf("random_set=%d\n", getauxval(AT_RANDOM) != 0);
    printf("secure=%lu\n", getauxval(AT_SECURE));
    const char *fn = (const char *)getauxval(AT_EXECFN);
    printf("execfn_tail=%s\n", fn ? strrchr(fn, '/') + 1 : "(null)");
    printf("entry_ok=%d\n", getauxval(AT_ENTRY) != 0);
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    printf("stack_aligned=%d\n", (int)((sp & 15) == 0));
    return 0;
}
