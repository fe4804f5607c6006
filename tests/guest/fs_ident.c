/* Identity under --fakeroot and --user, and Linux behaviour that
 * qemu-user 7.2 does not reproduce (so no qemu reference: the expected
 * lines are the kernel's documented results). argv[1] is a scratch dir. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char *en(int e) {
    switch (e) {
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case ENOTTY: return "ENOTTY";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EFAULT: return "EFAULT";
    default: { static char b[16]; snprintf(b, sizeof b, "errno%d", e); return b; }
    }
}
#define T(x) do { errno = 0; long r_ = (long)(x); \
    if (r_ < 0) printf("%s => -1 %s\n", #x, en(errno)); else printf("%s => %ld\n", #x, r_); } while (0)

static void owner(const char *p) {
    struct stat st;
    if (stat(p, &st) == 0) printf("%s owner=%u:%u mode=%o\n", p, st.st_uid, st.st_gid, st.st_mode & 07777);
}

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) { printf("need a scratch dir\n"); return 2; }
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    printf("uid=%u euid=%u gid=%u egid=%u res=%u,%u,%u/%u,%u,%u\n", getuid(), geteuid(), getgid(), getegid(), r, e, s,
           gr, ge, gs);
    gid_t groups[64];
    int n = getgroups(64, groups);
    printf("groups=%d first=%u\n", n, n > 0 ? groups[0] : 0);
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    syscall(SYS_capget, &hdr, data);
    printf("caps=%d\n", data[0].effective != 0);

    close(open("own", O_CREAT | O_WRONLY, 0644));
    owner("own");
    T(chown("own", 4242, 4343));
    owner("own");
    T(chown("own", -1, getegid()));
    T(chmod("own", 0600));
    owner("own");
    T(setgroups(1, groups));
    T(setuid(0));
    T(setresuid(-1, geteuid(), -1));
    T(setgid(getgid()));

    /* Kernel results qemu-user 7.2 gets wrong. */
    int fd = open("data", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(fd, "abc", 3);
    struct iovec w = {"XY", 2};
    T(pwritev2(fd, &w, 1, 0, RWF_APPEND));
    T(pwritev2(fd, &w, 1, 0, RWF_DSYNC));
    T(pwritev2(fd, &w, 1, 0, 0x4000));
    struct stat st;
    fstat(fd, &st);
    printf("size after RWF_APPEND=%ld\n", (long)st.st_size);
    T(ioctl(fd, 0x12345678, 0));
    symlink("data", "lnk");
    T(syscall(452, AT_FDCWD, "lnk", 0600, AT_SYMLINK_NOFOLLOW));
    T(syscall(452, AT_FDCWD, "data", 0600, AT_SYMLINK_NOFOLLOW));
    T(syscall(452, AT_FDCWD, "data", 0600, 0x8000));
    int ep = epoll_create1(0);
    struct epoll_event ev;
    struct timespec ts = {0, 1000000};
    T(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8));
    T(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 4));
    return 0;
}
