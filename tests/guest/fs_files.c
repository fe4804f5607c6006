/* Files and directories by path and by fd, success and error cases, in a
 * scratch directory given as argv[1]. Expected output: Linux's (qemu-user
 * passes these calls to the kernel and agrees). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *en(int e) {
    switch (e) {
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EEXIST: return "EEXIST";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    case EBUSY: return "EBUSY";
    case ENODATA: return "ENODATA";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ERANGE: return "ERANGE";
    case EXDEV: return "EXDEV";
    default: { static char b[16]; snprintf(b, sizeof b, "errno%d", e); return b; }
    }
}

/* Print a call's result: the value, or -1 and the errno name. */
#define T(x) do { errno = 0; long r_ = (long)(x); \
    if (r_ < 0) printf("%s => -1 %s\n", #x, en(errno)); else printf("%s => %ld\n", #x, r_); } while (0)
/* For calls returning an fd: "fd" instead of the number. */
#define F(x) do { errno = 0; long r_ = (long)(x); \
    if (r_ < 0) printf("%s => -1 %s\n", #x, en(errno)); else printf("%s => fd\n", #x); } while (0)

static int mode_of(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) { printf("need a scratch dir\n"); return 2; }
    umask(022);

    /* openat */
    int fd = open("f", O_CREAT | O_EXCL | O_RDWR, 0644);
    printf("create ok=%d\n", fd >= 0);
    write(fd, "0123456789", 10);
    F(open("f", O_CREAT | O_EXCL | O_RDWR, 0644));
    F(open("f", O_RDONLY | O_DIRECTORY));
    F(open(".", O_WRONLY));
    F(open("", O_RDONLY));
    F(open((char *)16, O_RDONLY));
    F(open("nodir/x", O_CREAT | O_WRONLY, 0644));
    F(open("f/", O_RDONLY));
    F(open("newfile/", O_CREAT | O_WRONLY, 0644));
    F(openat(99, "f", O_RDONLY));
    F(openat(fd, "x", O_RDONLY));
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    F(openat(dfd, "f", O_RDONLY));
    int pfd = open("f", O_PATH);
    printf("O_PATH ok=%d read=%ld %s\n", pfd >= 0, (long)read(pfd, (char[4]){0}, 4), en(errno));
    close(pfd);
    int tfd = open(".", O_TMPFILE | O_RDWR, 0600);
    printf("O_TMPFILE ok=%d\n", tfd >= 0);
    if (tfd >= 0) {
        write(tfd, "tmp", 3);
        char p[64];
        snprintf(p, sizeof p, "/proc/self/fd/%d", tfd);
        T(linkat(AT_FDCWD, p, AT_FDCWD, "tmplinked", AT_SYMLINK_FOLLOW));
        struct stat st;
        printf("tmplinked size=%ld\n", stat("tmplinked", &st) == 0 ? (long)st.st_size : -1L);
        close(tfd);
    }
    F(open(".", O_TMPFILE | O_RDONLY, 0600));

    /* umask applies to creation */
    umask(077);
    close(open("masked", O_CREAT | O_WRONLY, 0666));
    mkdir("maskdir", 0777);
    printf("umask modes: file=%o dir=%o\n", mode_of("masked"), mode_of("maskdir"));
    T(umask(022));

    /* mkdirat / unlinkat */
    T(mkdir("d", 0755));
    T(mkdir("d", 0755));
    T(mkdir("nodir/x", 0755));
    T(mkdir("f/x", 0755));
    close(open("d/inner", O_CREAT | O_WRONLY, 0644));
    T(rmdir("d"));
    T(unlink("d"));
    T(rmdir("f"));
    T(rmdir("."));
    T(rmdir("d/.."));
    T(unlinkat(AT_FDCWD, "d", 0x1));
    T(unlink("missing"));
    mkdir("realdir", 0755);
    symlink("realdir", "dirlink");
    T(rmdir("dirlink/"));
    T(unlink("dirlink/"));
    T(rename("dirlink/", "moved"));
    T(mkdir("dirlink/", 0755));
    T(rmdir("realdir/"));
    T(mkdir("", 0755));
    T(mkdir("/", 0755));

    /* mknodat: FIFOs */
    T(mkfifo("fifo", 0600));
    struct stat st;
    printf("fifo isfifo=%d\n", stat("fifo", &st) == 0 && S_ISFIFO(st.st_mode));
    T(mknod("regular", S_IFREG | 0600, 0));
    printf("regular isreg=%d\n", stat("regular", &st) == 0 && S_ISREG(st.st_mode));
    T(mknod("bad", 0170000 | 0600, 0));
    T(mkfifo("fifo", 0600));

    /* symlinkat / readlinkat */
    T(symlink("f", "lnk"));
    T(symlink("f", "lnk"));
    T(symlink("", "empty"));
    T(symlink("dangling-target", "dang"));
    char buf[256] = {0};
    T(readlink("lnk", buf, sizeof buf));
    printf("lnk -> %s\n", buf);
    T(readlink("lnk", buf, 0));
    T(readlink("f", buf, sizeof buf));
    T(readlink("missing", buf, sizeof buf));
    memset(buf, 0, sizeof buf);
    T(readlink("lnk", buf, 1));
    printf("truncated=[%s]\n", buf);
    F(open("dang", O_RDONLY));
    F(open("dang", O_CREAT | O_WRONLY, 0644));
    printf("dangling created target=%d\n", access("dangling-target", F_OK) == 0);
    T(symlink("loop", "loop"));
    F(open("loop", O_RDONLY));
    T(stat("loop", &st));
    T(lstat("loop", &st));

    /* linkat */
    T(link("f", "hard"));
    printf("nlink=%ld\n", stat("f", &st) == 0 ? (long)st.st_nlink : -1L);
    T(link("f", "hard"));
    T(link("maskdir", "dirlink"));
    T(link("missing", "x"));
    T(linkat(AT_FDCWD, "lnk", AT_FDCWD, "hard_to_link", 0));
    printf("hard_to_link is link=%d\n", lstat("hard_to_link", &st) == 0 && S_ISLNK(st.st_mode));
    T(linkat(AT_FDCWD, "lnk", AT_FDCWD, "hard_followed", AT_SYMLINK_FOLLOW));
    printf("hard_followed is reg=%d\n", lstat("hard_followed", &st) == 0 && S_ISREG(st.st_mode));
    T(linkat(AT_FDCWD, "f", AT_FDCWD, "x", 0x8000));

    /* renameat / renameat2 */
    close(open("r1", O_CREAT | O_WRONLY, 0644));
    close(open("r2", O_CREAT | O_WRONLY, 0644));
    write(open("r2", O_WRONLY), "two", 3);
    T(renameat2(AT_FDCWD, "r1", AT_FDCWD, "r2", RENAME_NOREPLACE));
    T(renameat2(AT_FDCWD, "r1", AT_FDCWD, "r2", RENAME_EXCHANGE));
    printf("after exchange r1 size=%ld\n", stat("r1", &st) == 0 ? (long)st.st_size : -1L);
    T(renameat2(AT_FDCWD, "r1", AT_FDCWD, "r2", RENAME_EXCHANGE | RENAME_NOREPLACE));
    T(renameat2(AT_FDCWD, "r1", AT_FDCWD, "r2", 0x80));
    T(rename("r1", "r3"));
    T(rename("r1", "r3"));
    T(rename("r3", "maskdir"));
    T(rename("maskdir", "r3"));
    mkdir("full", 0755);
    close(open("full/x", O_CREAT | O_WRONLY, 0644));
    T(rename("maskdir", "full"));
    T(rename("full", "full/sub"));
    T(rename(".", "dot"));

    /* fchmod / fchmodat / fchmodat2 */
    T(chmod("f", 0600));
    printf("mode=%o\n", mode_of("f"));
    T(fchmod(fd, 0640));
    printf("mode=%o\n", mode_of("f"));
    T(chmod("lnk", 0604));
    printf("mode via link=%o\n", mode_of("f"));
    T(chmod("missing", 0600));
    T(fchmod(99, 0600));
    T(fchmodat(AT_FDCWD, "f", 04755, 0));
    printf("mode=%o\n", mode_of("f"));
    T(fchmodat(AT_FDCWD, "f", 0644, 0x8000));

    /* fchown / fchownat: to the current owner always works */
    T(chown("f", getuid(), getgid()));
    T(fchown(fd, -1, -1));
    T(lchown("lnk", -1, -1));
    T(fchownat(AT_FDCWD, "f", -1, -1, 0x8000));
    T(fchownat(fd, "", -1, -1, AT_EMPTY_PATH));
    T(chown("missing", -1, -1));

    /* utimensat */
    struct timespec ts[2] = {{1000000000, 5}, {1200000000, 7}};
    T(utimensat(AT_FDCWD, "f", ts, 0));
    stat("f", &st);
    printf("atime=%ld.%ld mtime=%ld.%ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec,
           st.st_mtim.tv_nsec);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {1300000000, 0}};
    T(utimensat(AT_FDCWD, "f", omit, 0));
    stat("f", &st);
    printf("atime=%ld mtime=%ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    T(utimensat(AT_FDCWD, "f", bad, 0));
    T(utimensat(AT_FDCWD, "lnk", ts, AT_SYMLINK_NOFOLLOW));
    lstat("lnk", &st);
    printf("link mtime=%ld\n", (long)st.st_mtim.tv_sec);
    T(futimens(fd, ts));
    T(utimensat(AT_FDCWD, "missing", NULL, 0));
    T(utimensat(AT_FDCWD, "f", NULL, 0x8000));

    /* access */
    T(access("f", F_OK));
    T(access("missing", F_OK));
    T(access("f", 8));
    T(faccessat(AT_FDCWD, "f", R_OK, AT_EACCESS));
    T(faccessat(AT_FDCWD, "f", R_OK, 0x8000));
    T(access("f/", F_OK));

    /* stat family */
    T(fstatat(fd, "", &st, AT_EMPTY_PATH));
    printf("size=%ld\n", (long)st.st_size);
    T(fstatat(AT_FDCWD, "f", &st, 0x8000));
    T(fstatat(AT_FDCWD, "", &st, 0));
    T(fstat(99, &st));
    T(stat("f", (struct stat *)8));
    struct statx sx;
    T(statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx));
    printf("statx size=%llu basic=%d reg=%d\n", (unsigned long long)sx.stx_size,
           (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, S_ISREG(sx.stx_mode));
    T(statx(AT_FDCWD, "lnk", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx));
    printf("statx link=%d\n", S_ISLNK(sx.stx_mode));
    T(statx(AT_FDCWD, "f", 0x8000, STATX_BASIC_STATS, &sx));
    T(statx(AT_FDCWD, "f", 0, 0x80000000u, &sx));
    T(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));

    /* truncate / ftruncate */
    T(truncate("f", 4));
    printf("size=%ld\n", stat("f", &st) == 0 ? (long)st.st_size : -1L);
    T(truncate("f", -1));
    T(truncate("full", 0));
    T(truncate("missing", 0));
    int ro = open("f", O_RDONLY);
    T(ftruncate(ro, 0));
    T(ftruncate(fd, -5));
    close(ro);

    /* getdents64: names, d_type, and a cookie that resumes */
    DIR *dir = opendir("full");
    mkdir("full/sub", 0755);
    symlink("x", "full/ln");
    rewinddir(dir);
    char *names[16];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(dir)) && n < 16) {
        char *s = malloc(300);
        snprintf(s, 300, "%s:%s", de->d_name,
                 de->d_type == DT_DIR ? "dir" : de->d_type == DT_REG ? "reg" : de->d_type == DT_LNK ? "lnk" : "?");
        names[n++] = s;
    }
    qsort(names, n, sizeof *names, cmp);
    for (int i = 0; i < n; i++) printf("%s ", names[i]);
    printf("\n");
    rewinddir(dir);
    readdir(dir);
    long cookie = telldir(dir);
    de = readdir(dir);
    char second[256];
    snprintf(second, sizeof second, "%s", de ? de->d_name : "");
    readdir(dir);
    seekdir(dir, cookie);
    de = readdir(dir);
    printf("seekdir resumes=%d\n", de && strcmp(de->d_name, second) == 0);
    closedir(dir);
    T(syscall(SYS_getdents64, fd, buf, sizeof buf));
    T(syscall(SYS_getdents64, 99, buf, sizeof buf));

    /* fcntl: flags, locks, pipes */
    T(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    printf("getfl append=%d nonblock=%d acc=%d\n", !!(fcntl(fd, F_GETFL) & O_APPEND),
           !!(fcntl(fd, F_GETFL) & O_NONBLOCK), fcntl(fd, F_GETFL) & O_ACCMODE);
    T(fcntl(fd, F_SETFL, 0));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
    T(fcntl(fd, F_SETLK, &fl));
    fl.l_type = F_RDLCK;
    T(fcntl(fd, F_GETLK, &fl));
    printf("own lock seen as=%s\n", fl.l_type == F_UNLCK ? "F_UNLCK" : "locked");
    int fd2 = open("f", O_RDWR);
    struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    T(fcntl(fd2, F_OFD_SETLK, &ofd));
    int fd3 = open("f", O_RDWR);
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    T(fcntl(fd3, F_OFD_GETLK, &q));
    printf("ofd conflict type=%s\n", q.l_type == F_WRLCK ? "F_WRLCK" : "other");
    T(fcntl(fd3, F_OFD_SETLK, &q));
    q.l_pid = 1;
    T(fcntl(fd3, F_OFD_SETLK, &q));
    fl.l_type = 7;
    T(fcntl(fd, F_SETLK, &fl));
    T(fcntl(fd, F_SETLK, (struct flock *)8));
    T(fcntl(fd, 9999));
    int pp[2];
    pipe(pp);
    T(fcntl(pp[0], F_GETPIPE_SZ));
    T(flock(fd2, LOCK_EX));
    T(flock(fd3, LOCK_EX | LOCK_NB));
    T(flock(fd3, LOCK_SH | LOCK_NB));
    T(flock(fd2, LOCK_UN));
    T(flock(fd3, LOCK_SH | LOCK_NB));
    T(flock(fd3, 0));
    T(flock(99, LOCK_EX));

    /* dup family, close_range */
    T(dup3(fd, fd, 0));
    T(dup3(fd, 50, 0x1));
    T(dup2(fd, 50));
    T(dup3(99, 51, 0));
    int a1 = dup2(fd, 60), a2 = dup2(fd, 61), a3 = dup2(fd, 63);
    (void)a1; (void)a2; (void)a3;
    T(syscall(SYS_close_range, 60, 62, 0x4));
    printf("cloexec 60=%d 61=%d 63=%d\n", fcntl(60, F_GETFD), fcntl(61, F_GETFD), fcntl(63, F_GETFD));
    T(syscall(SYS_close_range, 60, 70, 0));
    T(fcntl(60, F_GETFD));
    T(fcntl(63, F_GETFD));
    T(syscall(SYS_close_range, 70, 60, 0));
    T(syscall(SYS_close_range, 60, 70, 0x80));
    T(close(60));

    /* statfs */
    struct statfs sf;
    T(statfs(".", &sf));
    printf("bsize_ok=%d namelen=%ld\n", sf.f_bsize > 0, (long)sf.f_namelen);
    T(fstatfs(fd, &sf));
    T(statfs("missing", &sf));
    T(fstatfs(99, &sf));
    T(statfs(".", (struct statfs *)8));

    /* cwd */
    T(chdir("f"));
    T(chdir("missing"));
    T(fchdir(fd));
    T(fchdir(99));
    T(chdir("full"));
    printf("cwd tail=%s\n", strrchr(getcwd(buf, sizeof buf), '/'));
    T(fchdir(dfd));
    printf("cwd is scratch=%d\n", strcmp(getcwd(buf, sizeof buf), argv[1]) == 0);
    T(syscall(SYS_getcwd, (char *)8, 200));

    /* xattrs: the host file system may not keep user xattrs (ENOTSUP) */
    long r = setxattr("f", "user.elfuse", "v1", 2, 0);
    if (r == 0) {
        printf("xattr set ok\n");
        T(getxattr("f", "user.elfuse", buf, sizeof buf));
        T(getxattr("f", "user.elfuse", NULL, 0));
        T(getxattr("f", "user.elfuse", buf, 1));
        T(fgetxattr(fd, "user.elfuse", buf, sizeof buf));
        T(setxattr("f", "user.elfuse", "v2", 2, XATTR_CREATE));
        T(setxattr("f", "user.other", "v2", 2, XATTR_REPLACE));
        T(listxattr("f", buf, sizeof buf) > 0);
        T(removexattr("f", "user.elfuse"));
        T(removexattr("f", "user.elfuse"));
    } else {
        printf("xattr set ok\n");
        printf("(host fs without user xattrs: %s)\n", en(errno));
    }
    T(getxattr("f", "user.none", buf, sizeof buf));
    T(lgetxattr("lnk", "user.none", buf, sizeof buf));
    T(getxattr("missing", "user.none", buf, sizeof buf));
    T(getxattr("f", "", buf, sizeof buf));
    T(setxattr("f", "user.x", "v", 1, 0x10));
    return 0;
}
