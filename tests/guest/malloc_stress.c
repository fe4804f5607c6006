/* malloc/free/realloc across brk and mmap thresholds; brk growth and
 * shrink; direct mmap/mprotect/munmap. Every sampled byte is checked:
 * the checksum of differences is 0 when memory is right. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint32_t rng = 12345;
static uint32_t next(void) { rng = rng * 1103515245u + 12345u; return rng >> 8; }

int main(void) {
    enum { N = 2000 };
    static unsigned char *ptr[N];
    static size_t len[N];
    uint64_t sum = 0;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++) {
            if (ptr[i] && next() % 2) {
                for (size_t k = 0; k < len[i]; k += 97) sum += ptr[i][k] ^ (unsigned char)(i + k);
                free(ptr[i]);
                ptr[i] = NULL;
            }
            if (!ptr[i]) {
                size_t sz = (next() % 8 == 0) ? (next() % (512 * 1024)) + 1 : (next() % 2048) + 1;
                ptr[i] = malloc(sz);
                if (!ptr[i]) { printf("malloc failed\n"); return 1; }
                len[i] = sz;
                memset(ptr[i], (unsigned char)i, sz);
                for (size_t k = 0; k < sz; k += 97) ptr[i][k] = (unsigned char)(i + k);
            }
        }
        int j = next() % N;
        size_t nl = len[j] * 3 + 100;
        unsigned char *r = realloc(ptr[j], nl);
        if (!r) { printf("realloc failed\n"); return 1; }
        for (size_t k = 0; k < len[j]; k += 97) sum += r[k] ^ (unsigned char)(j + k); /* copy kept */
        memset(r + len[j], (unsigned char)j, nl - len[j]);
        for (size_t k = (len[j] + 96) / 97 * 97; k < nl; k += 97) r[k] = (unsigned char)(j + k);
        ptr[j] = r;
        len[j] = nl;
    }
    for (int i = 0; i < N; i++) {
        if (!ptr[i]) continue;
        for (size_t k = 0; k < len[i]; k += 97) sum += ptr[i][k] ^ (unsigned char)(i + k);
        free(ptr[i]);
    }
    printf("checksum=%llu\n", (unsigned long long)sum);

    /* brk: grow, touch, shrink, grow again: fresh pages are zero. */
    char *base = sbrk(0);
    if (sbrk(1 << 20) == (void *)-1) { printf("sbrk grow failed\n"); return 1; }
    memset(base, 0xab, 1 << 20);
    if (sbrk(-(1 << 19)) == (void *)-1) { printf("sbrk shrink failed\n"); return 1; }
    if (sbrk(1 << 19) == (void *)-1) { printf("sbrk regrow failed\n"); return 1; }
    int zero = 1;
    for (int k = 1 << 19; k < 1 << 20; k += 4096) zero &= base[k] == 0;
    printf("brk_regrow_zero=%d brk_kept=%d\n", zero, base[100] == (char)0xab);

    /* mmap / mprotect / munmap */
    size_t pg = 4096;
    unsigned char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { printf("mmap failed\n"); return 1; }
    m[0] = 1; m[3 * pg] = 3;
    printf("mprotect=%d\n", mprotect(m + pg, pg, PROT_READ));
    printf("munmap=%d\n", munmap(m + 2 * pg, pg));
    printf("mprotect_hole=%d\n", mprotect(m, 4 * pg, PROT_READ) == -1);
    printf("values=%d,%d\n", m[0], m[3 * pg]);
    void *fixed = mmap(m + 2 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("fixed_ok=%d zero=%d\n", fixed == m + 2 * pg, m[2 * pg]);
    printf("bad_len=%d\n", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    return 0;
}
