/* File I/O in a scratch directory given as argv[1]. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(x) printf("%s => %ld\n", #x, (long)(x))

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) { printf("need a scratch dir\n"); return 2; }
    int fd = open("a.txt", O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
    printf("open ok=%d\n", fd >= 3);
    CHECK(write(fd, "hello world\n", 12));
    CHECK(lseek(fd, 0, SEEK_CUR));
    CHECK(lseek(fd, 6, SEEK_SET));
    char buf[64] = {0};
    CHECK(read(fd, buf, sizeof buf));
    printf("read=[%s]\n", buf);
    CHECK(pwrite(fd, "HELLO", 5, 0));
    memset(buf, 0, sizeof buf);
    CHECK(pread(fd, buf, 5, 0));
    printf("pread=[%s]\n", buf);
    struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cde\n", 4}};
    CHECK(lseek(fd, 0, SEEK_END));
    CHECK(writev(fd, iov, 3));
    struct stat st;
    CHECK(fstat(fd, &st));
    printf("size=%ld isreg=%d mode=%o\n", (long)st.st_size, S_ISREG(st.st_mode), st.st_mode & 0777);
    char r1[3] = {0}, r2[8] = {0};
    struct iovec rio[2] = {{r1, 2}, {r2, 7}};
    CHECK(lseek(fd, 12, SEEK_SET));
    CHECK(readv(fd, rio, 2));
    printf("readv=[%s][%s]\n", r1, r2);
    int d = dup(fd);
    printf("dup ok=%d cloexec_dup=%d cloexec_orig=%d\n", d > fd, fcntl(d, F_GETFD), fcntl(fd, F_GETFD));
    CHECK(dup3(fd, 10, O_CLOEXEC));
    CHECK(fcntl(10, F_GETFD));
    CHECK(fcntl(fd, F_GETFL) & O_ACCMODE);
    CHECK(close(10));
    CHECK(close(10) == -1 && errno == EBADF);
    CHECK(ftruncate(fd, 3));
    CHECK(fstat(fd, &st) == 0 && st.st_size == 3);
    close(fd);
    close(d);
    CHECK(open("missing", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(stat("a.txt", &st) == 0 && st.st_size == 3);
    CHECK(lstat("nope", &st) == -1 && errno == ENOENT);
    CHECK(mkdir("sub", 0755));
    CHECK(mkdir("sub", 0755) == -1 && errno == EEXIST);
    CHECK(access("a.txt", R_OK | W_OK));
    int p[2];
    CHECK(pipe(p));
    CHECK(write(p[1], "xyz", 3));
    memset(buf, 0, sizeof buf);
    CHECK(read(p[0], buf, 10));
    printf("pipe=[%s]\n", buf);
    CHECK(read(p[0], NULL, 0));
    close(p[0]);
    close(p[1]);
    char cwd[256];
    printf("cwd_tail=%s\n", strrchr(getcwd(cwd, sizeof cwd), '/') + 1);
    CHECK(getcwd(cwd, 2) == NULL && errno == ERANGE);
    DIR *dir = opendir(".");
    int n = 0, sawa = 0, sawsub = 0;
    struct dirent *de;
    while (dir && (de = readdir(dir))) {
        n++;
        if (!strcmp(de->d_name, "a.txt")) sawa = de->d_type == DT_REG;
        if (!strcmp(de->d_name, "sub")) sawsub = de->d_type == DT_DIR;
    }
    if (dir) closedir(dir);
    printf("readdir a=%d sub=%d n_ok=%d\n", sawa, sawsub, n >= 4);
    CHECK(unlink("a.txt"));
    CHECK(rmdir("sub"));
    CHECK(unlink("a.txt") == -1 && errno == ENOENT);
    CHECK(write(1, NULL, 0));
    CHECK(write(1, (void *)8, 4) == -1 && errno == EFAULT);
    return 0;
}
