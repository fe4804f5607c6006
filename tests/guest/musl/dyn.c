/* A DT_NEEDED library besides libc (libgreet.so, found through
 * /etc/ld-musl-aarch64.path), dlopen/dlsym of the same library (the loader
 * must return the already-loaded instance), and fork + execve + waitpid. */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int greet(const char *who);
int greet_count(void);

int main(void) {
    greet("linker");
    void *h = dlopen("libgreet.so", RTLD_NOW);
    if (!h) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    int (*g)(const char *) = (int (*)(const char *))dlsym(h, "greet");
    int (*count)(void) = (int (*)(void))dlsym(h, "greet_count");
    if (!g || !count) {
        printf("dlsym: %s\n", dlerror());
        return 1;
    }
    g("dlsym");
    printf("same instance: %s, calls=%d\n", count() == greet_count() && count() == 2 ? "yes" : "no", count());
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"echo", "child", "ran", "echo", NULL};
        char *envp[] = {NULL};
        execve("/bin/echo", argv, envp);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) {
        perror("waitpid");
        return 1;
    }
    printf("child exit=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return dlclose(h) == 0 ? 0 : 1;
}
