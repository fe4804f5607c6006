/* Benchmark: N x (fork + [exec argv[3]] + wait). argv[1] = N, argv[2] =
 * "fork" or "exec", argv[3] = program to exec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    int exec = argc > 3 && strcmp(argv[2], "exec") == 0;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pid_t c = fork();
        if (c == 0) {
            if (exec) execl(argv[3], argv[3], (char *)NULL);
            _exit(0);
        }
        int st;
        if (waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++;
    }
    printf("%d\n", ok);
    return 0;
}
