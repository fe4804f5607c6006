/* The path-escape suite: run as /bin/fs_escape inside a sysroot laid out by
 * tests/fs_sysroot.rs. argv[1] is the host path of a file planted OUTSIDE
 * the root: nothing here may read or write it. Every line is what Linux
 * prints for the same program chrooted into the same tree (with /proc
 * mounted), except /proc/self/mem: elfuse never exposes its own memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *err(int e) {
    switch (e) {
    case 0: return "ok";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EXDEV: return "EXDEV";
    case EEXIST: return "EEXIST";
    case EPERM: return "EPERM";
    case EISDIR: return "EISDIR";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    default: return "other";
    }
}

/* Read a whole small file at dirfd/path and print it (or the error). */
static void cat_at(int dirfd, const char *label, const char *path) {
    int fd = openat(dirfd, path, O_RDONLY);
    if (fd < 0) { printf("%s: %s\n", label, err(errno)); return; }
    char buf[128] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
    printf("%s: [%s]\n", label, buf);
    close(fd);
}
#define CAT(path) cat_at(AT_FDCWD, path, path)

static void link_of(const char *path) {
    char buf[256] = {0};
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0) printf("readlink %s: %s\n", path, err(errno));
    else printf("readlink %s: %s\n", path, buf);
}

static void cwd(void) {
    char buf[256];
    printf("cwd=%s\n", getcwd(buf, sizeof buf) ? buf : err(errno));
}

static long openat2_(int dirfd, const char *path, unsigned long long resolve) {
    struct open_how how = {.flags = O_RDONLY, .resolve = resolve};
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return fd;
}

static void o2(int dirfd, const char *label, const char *path, unsigned long long resolve) {
    long fd = openat2_(dirfd, path, resolve);
    if (fd < 0) { printf("openat2 %s: %s\n", label, err(errno)); return; }
    char buf[64] = {0};
    ssize_t n = read((int)fd, buf, sizeof buf - 1);
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
    printf("openat2 %s: [%s]\n", label, buf);
    close((int)fd);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *outside = argv[1];

    /* `..` chains and `/..` stay at the root. */
    CAT("/secret.txt");
    CAT("/../secret.txt");
    CAT("/../../../../../../secret.txt");
    CAT("../../../../secret.txt");
    CAT("/etc/../../etc/passwd");
    struct stat a, b;
    stat("/", &a);
    stat("/..", &b);
    printf("stat /.. is / : %d\n", a.st_ino == b.st_ino && a.st_dev == b.st_dev);

    /* Absolute host paths name guest paths. */
    cat_at(AT_FDCWD, "host path", outside);

    /* Symlinks: to /, relative escapes, absolute host targets, loops. */
    CAT("/links/up/secret.txt");
    CAT("/links/up/../../secret.txt");
    CAT("/links/upup/secret.txt");
    CAT("/links/rel_esc");
    CAT("/links/abs_host");
    CAT("/links/loop1");
    CAT("/links/self/x");
    CAT("/links/passwd_abs");
    link_of("/links/up");
    link_of("/links/passwd_abs");

    /* Errors of the walk. */
    CAT("/etc/passwd/x");
    CAT("/etc/passwd/");
    CAT("/nonexistent/x");
    CAT("");
    char longname[300];
    memset(longname, 'a', 256);
    longname[256] = 0;
    cat_at(AT_FDCWD, "256-byte name", longname);
    static char longpath[4200];
    for (int i = 0; i < 4096; i += 2) memcpy(longpath + i, "./", 2);
    longpath[4096] = 0;
    cat_at(AT_FDCWD, "4096-byte path", longpath);
    longpath[4094] = 0; /* 4094 bytes + NUL fits PATH_MAX */
    printf("4094-byte path: %s\n", open(longpath, O_RDONLY | O_DIRECTORY) >= 0 ? "ok" : err(errno));
    errno = 0;
    printf("bad pointer: %s\n", open((char *)8, O_RDONLY) < 0 ? err(errno) : "opened");

    /* cwd is a guest path; dirfds opened before a chdir keep their place. */
    int rootfd = open("/", O_RDONLY | O_DIRECTORY);
    int dirfd = open("/dir", O_RDONLY | O_DIRECTORY);
    chdir("/dir/sub");
    cwd();
    CAT("inner.txt");
    CAT("../inner.txt");
    cat_at(rootfd, "rootfd ../../secret.txt", "../../secret.txt");
    cat_at(dirfd, "dirfd ../secret.txt", "../secret.txt");
    cat_at(dirfd, "dirfd ../../../secret.txt", "../../../secret.txt");
    chdir("../../../../..");
    cwd();
    chdir("/links/up/dir");
    cwd();
    fchdir(dirfd);
    cwd();
    chdir("/");

    /* /proc/self magic links answer in guest terms. */
    link_of("/proc/self/root");
    link_of("/proc/self/cwd");
    link_of("/proc/self/exe");
    char fdlink[64];
    snprintf(fdlink, sizeof fdlink, "/proc/self/fd/%d", dirfd);
    link_of(fdlink);
    CAT("/proc/self/root/secret.txt");
    CAT("/proc/self/root/../../secret.txt");
    CAT("/proc/self/cwd/etc/passwd");
    snprintf(fdlink, sizeof fdlink, "/proc/self/fd/%d/inner.txt", dirfd);
    cat_at(AT_FDCWD, "/proc/self/fd/N/inner.txt", fdlink);
    CAT("/proc/self/mem");

    /* openat2 RESOLVE_* */
    int etcfd = open("/etc", O_RDONLY | O_DIRECTORY);
    o2(etcfd, "BENEATH passwd", "passwd", RESOLVE_BENEATH);
    o2(etcfd, "BENEATH ../secret.txt", "../secret.txt", RESOLVE_BENEATH);
    o2(etcfd, "BENEATH /etc/passwd", "/etc/passwd", RESOLVE_BENEATH);
    o2(etcfd, "IN_ROOT /../passwd", "/../passwd", RESOLVE_IN_ROOT);
    o2(etcfd, "IN_ROOT ../../passwd", "../../passwd", RESOLVE_IN_ROOT);
    o2(AT_FDCWD, "NO_SYMLINKS /links/up/etc/passwd", "/links/up/etc/passwd", RESOLVE_NO_SYMLINKS);
    o2(AT_FDCWD, "NO_MAGICLINKS /proc/self/root/etc/passwd", "/proc/self/root/etc/passwd", RESOLVE_NO_MAGICLINKS);
    o2(AT_FDCWD, "plain /links/up/etc/passwd", "/links/up/etc/passwd", 0);
    o2(AT_FDCWD, "unknown resolve bit", "/etc/passwd", 1ULL << 40);

    /* Writes through escaping names land inside the root. */
    int fd = open("/links/up/../../written.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("create via ..: %s\n", fd >= 0 ? "ok" : err(errno));
    if (fd >= 0) { write(fd, "inside\n", 7); close(fd); }
    CAT("/written.txt");
    symlink("/../../../", "/links/mine");
    fd = open("/links/mine/secret.txt", O_WRONLY | O_TRUNC);
    printf("write via own symlink: %s\n", fd >= 0 ? "ok" : err(errno));
    if (fd >= 0) { write(fd, "ROOT SECRET 2\n", 14); close(fd); }
    CAT("/secret.txt");
    printf("rename escape: %s\n", rename("/written.txt", "/../../../renamed.txt") == 0 ? "ok" : err(errno));
    CAT("/renamed.txt");
    printf("mkdir escape: %s\n", mkdir("/links/upup/newdir", 0755) == 0 ? "ok" : err(errno));
    printf("newdir is /newdir: %d\n", access("/newdir", F_OK) == 0);
    printf("creat through dangling abs link: %s\n",
           open("/links/abs_host", O_CREAT | O_WRONLY, 0644) >= 0 ? "ok" : err(errno));
    printf("O_NOFOLLOW on link: %s\n", open("/links/up", O_RDONLY | O_NOFOLLOW) < 0 ? err(errno) : "opened");
    printf("O_CREAT|O_EXCL on link: %s\n", open("/links/up", O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 ? err(errno) : "opened");
    struct stat ls;
    printf("lstat link: %d\n", lstat("/links/up", &ls) == 0 && S_ISLNK(ls.st_mode));
    printf("stat link: %d\n", stat("/links/up", &ls) == 0 && S_ISDIR(ls.st_mode));
    printf("lstat link/: %d\n", lstat("/links/up/", &ls) == 0 && S_ISDIR(ls.st_mode));

    /* chroot further in (needs root: EPERM otherwise). */
    int r = chroot("/dir");
    printf("chroot /dir: %s\n", r == 0 ? "ok" : err(errno));
    if (r == 0) {
        CAT("/inner.txt");
        CAT("/../secret.txt");
        CAT("/../../inner.txt");
        chdir("/");
        cwd();
    }
    return 0;
}
