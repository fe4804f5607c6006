/* libgreet.so: found through LD_LIBRARY_PATH (it lives in /lib2). */
#include <stdio.h>
const char *greet_name(void) { return "library"; }
int greet(char *buf, int n) { return snprintf(buf, n, "hello from %s", greet_name()); }
