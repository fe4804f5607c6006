/* Benchmark: string/memory library kernels (memcpy, strlen, memchr, memcmp,
 * memset), which glibc implements with Advanced SIMD on AArch64. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF (64 * 1024)

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 2000;
    char *a = malloc(BUF + 64), *b = malloc(BUF + 64);
    if (!a || !b) {
        perror("malloc");
        return 1;
    }
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < BUF; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        a[i] = (char)('a' + x % 26);
    }
    a[BUF] = 0;
    uint64_t acc = 0;
    for (long r = 0; r < rounds; r++) {
        size_t off = (size_t)(r * 7) & 31;
        size_t len = BUF - 64 + (r & 63);
        memcpy(b + off, a + (r & 15), len);
        b[off + len] = 0;
        acc += strlen(b + off);
        const char *p = memchr(b + off, 'a' + (int)(r % 26), len);
        acc += p ? (uint64_t)(p - b) : 0;
        p = memchr(b + off, 0x7f, len); /* miss: scans the whole buffer */
        acc += p != NULL;
        acc += (uint64_t)(memcmp(a + (r & 15), b + off, len) == 0);
        memset(b, (int)r, 256);
    }
    printf("%llu\n", (unsigned long long)acc);
    free(a);
    free(b);
    return 0;
}
