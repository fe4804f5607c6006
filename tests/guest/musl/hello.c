/* musl-linked (dynamic, PT_INTERP /lib/ld-musl-aarch64.so.1): stdio, argv,
 * environment, uname, qsort, libm through musl's libc.so. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    struct utsname u;
    int v[] = {42, -7, 19, 3, 100, 0};
    size_t n = sizeof v / sizeof v[0];
    const char *home = getenv("HOME");

    printf("hello from musl\n");
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    printf("HOME=%s\n", home ? home : "(unset)");
    if (uname(&u) != 0) {
        perror("uname");
        return 1;
    }
    printf("machine=%s\n", u.machine);
    qsort(v, n, sizeof v[0], cmp);
    for (size_t i = 0; i < n; i++)
        printf("%d%c", v[i], i + 1 < n ? ' ' : '\n');
    printf("sqrt(2)=%.9f\n", sqrt(2.0));
    printf("strtod=%.3f\n", strtod("6.0221e2", NULL));
    return argc > 1 && strcmp(argv[1], "fail") == 0 ? 3 : 0;
}
