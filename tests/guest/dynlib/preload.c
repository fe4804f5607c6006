/* libpreload.so: LD_PRELOAD'ed; its constructor runs before main and its
 * greet_name interposes libgreet's. */
#include <unistd.h>
__attribute__((constructor)) static void ctor(void) { write(1, "preload constructor\n", 20); }
const char *greet_name(void) { return "preload"; }
