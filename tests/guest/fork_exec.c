/* Processes: fork/wait status, memory isolation, fd inheritance and
 * CLOEXEC, vfork+exec, posix_spawn, #! scripts, fds across fork, exec
 * errors. argv[1] = directory holding the guest test programs; argv[2] = a
 * scratch directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static int global = 1;
static char bin[512], scratch[512];

static void path(char *out, const char *dir, const char *name) { snprintf(out, 512, "%s/%s", dir, name); }

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--probe-fds") == 0) {
        /* exec'd child: fd given in argv[2] was CLOEXEC (must be closed), fd 200 was not */
        int cl = atoi(argv[2]);
        printf("probe: cloexec_closed=%d inherited_open=%d\n", fcntl(cl, F_GETFD) == -1 && errno == EBADF,
               fcntl(200, F_GETFD) == 0);
        return 0;
    }
    if (argc < 3) return 2;
    setvbuf(stdout, NULL, _IONBF, 0);
    strcpy(bin, argv[1]);
    strcpy(scratch, argv[2]);
    char exitcode[512], self[512];
    path(exitcode, bin, "exitcode");
    path(self, bin, "fork_exec");

    /* 1. fork + exit status; memory is copied, not shared */
    pid_t me = getpid();
    pid_t c = fork();
    if (c == 0) {
        global = 42;
        _exit(getppid() == me ? 7 : 1);
    }
    int st;
    pid_t w = waitpid(c, &st, 0);
    printf("fork: waited_right=%d exited=%d status=%d global=%d child_pid_differs=%d\n", w == c, WIFEXITED(st),
           WEXITSTATUS(st), global, c != me);

    /* 2. a child killed by a signal */
    c = fork();
    if (c == 0) {
        raise(SIGTERM);
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("signaled: %d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* 3. pipes are inherited */
    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) {
        close(p[0]);
        write(p[1], "from child", 10);
        _exit(0);
    }
    close(p[1]);
    char buf[32] = {0};
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    waitpid(c, NULL, 0);
    printf("pipe: %zd [%s]\n", n, buf);

    /* 4. CLOEXEC fds close at exec, others survive */
    int cl = open("/dev/null", O_RDONLY | O_CLOEXEC);
    dup2(1, 200);
    c = fork();
    if (c == 0) {
        char fdarg[16];
        snprintf(fdarg, sizeof fdarg, "%d", cl);
        execl(self, self, "--probe-fds", fdarg, (char *)NULL);
        _exit(99);
    }
    waitpid(c, &st, 0);
    close(200);
    printf("exec probe status=%d\n", WEXITSTATUS(st));

    /* 5. vfork + exec */
    c = vfork();
    if (c == 0) {
        execl(exitcode, "exitcode", "5", (char *)NULL);
        _exit(99);
    }
    waitpid(c, &st, 0);
    printf("vfork+exec: %d\n", WEXITSTATUS(st));

    /* 6. posix_spawn */
    char *sargv[] = {"exitcode", "6", NULL};
    int r = posix_spawn(&c, exitcode, NULL, NULL, sargv, environ);
    waitpid(c, &st, 0);
    printf("posix_spawn: r=%d status=%d\n", r, WEXITSTATUS(st));

    /* 7. a #! script: the interpreter gets [interp, arg, script, args...] */
    char script[512];
    path(script, scratch, "script.sh");
    FILE *f = fopen(script, "w");
    fprintf(f, "#!%s 9\nignored\n", exitcode);
    fclose(f);
    chmod(script, 0755);
    c = fork();
    if (c == 0) {
        execl(script, script, (char *)NULL);
        _exit(99);
    }
    waitpid(c, &st, 0);
    printf("shebang: %d\n", WEXITSTATUS(st));

    /* 8. 150 fds across fork (more than one SCM_RIGHTS chunk) */
    int fds[150];
    for (int i = 0; i < 150; i++) fds[i] = dup(1);
    c = fork();
    if (c == 0) {
        int ok = 0;
        for (int i = 0; i < 150; i++) ok += fcntl(fds[i], F_GETFD) == 0;
        _exit(ok);
    }
    waitpid(c, &st, 0);
    for (int i = 0; i < 150; i++) close(fds[i]);
    printf("fds across fork: %d\n", WEXITSTATUS(st));

    /* 9. exec errors */
    char missing[512], plain[512], garbage[512];
    path(missing, scratch, "missing");
    path(plain, scratch, "plain.txt");
    path(garbage, scratch, "garbage");
    f = fopen(plain, "w");
    fputs("x", f);
    fclose(f);
    f = fopen(garbage, "w");
    fputs("\x01\x02\x03 not an executable format at all", f);
    fclose(f);
    chmod(garbage, 0755);
    char *nargv[] = {"x", NULL};
    printf("execve missing: %d %s\n", execve(missing, nargv, environ), strerrorname_np(errno));
    printf("execve noexec-bit: %d %s\n", execve(plain, nargv, environ), strerrorname_np(errno));
    printf("execve garbage: %d %s\n", execve(garbage, nargv, environ), strerrorname_np(errno));

    /* 10. WNOHANG on a running child; ECHILD with none left */
    pipe(p);
    c = fork();
    if (c == 0) {
        char b;
        close(p[1]);
        read(p[0], &b, 1);
        _exit(3);
    }
    close(p[0]);
    printf("wnohang: %d\n", waitpid(c, &st, WNOHANG));
    close(p[1]);
    waitpid(c, &st, 0);
    printf("after close: %d\n", WEXITSTATUS(st));
    printf("echild: %d %s\n", wait(&st), strerrorname_np(errno));
    return 0;
}
