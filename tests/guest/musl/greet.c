/* libgreet.so: a shared library next to musl's libc.so, for dyn.c. */
#include <stdio.h>

static int greet_calls;

int greet(const char *who) {
    greet_calls++;
    return printf("greetings, %s (call %d)\n", who, greet_calls);
}

int greet_count(void) {
    return greet_calls;
}
