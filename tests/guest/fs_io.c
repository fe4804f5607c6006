/* The read/write family, copies between fds, space management, syncs,
 * memfd and terminal ioctls on a pseudo-terminal; in a scratch directory
 * given as argv[1]. Expected output: Linux's (qemu-user agrees). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

static const char *en(int e) {
    switch (e) {
    case ENOENT: return "ENOENT";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    case ESPIPE: return "ESPIPE";
    case ENOTTY: return "ENOTTY";
    case EAGAIN: return "EAGAIN";
    case ENXIO: return "ENXIO";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPERM: return "EPERM";
    default: { static char b[16]; snprintf(b, sizeof b, "errno%d", e); return b; }
    }
}
#define T(x) do { errno = 0; long r_ = (long)(x); \
    if (r_ < 0) printf("%s => -1 %s\n", #x, en(errno)); else printf("%s => %ld\n", #x, r_); } while (0)

static void show(const char *label, const char *buf, size_t n) {
    printf("%s=[", label);
    for (size_t i = 0; i < n; i++) putchar(buf[i] ? buf[i] : '.');
    printf("]\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) { printf("need a scratch dir\n"); return 2; }
    int fd = open("data", O_CREAT | O_RDWR | O_TRUNC, 0644);
    char buf[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /* read/write/pread/pwrite errors */
    T(write(fd, "abcdefghij", 10));
    T(read(99, buf, 1));
    T(write(99, "x", 1));
    T(read(fd, (char *)8, 4));
    T(lseek(fd, 0, SEEK_SET));
    T(read(fd, (char *)8, 4));
    T(pread(fd, buf, 4, -1));
    T(pwrite(fd, "x", 1, -1));
    int dirfd = open(".", O_RDONLY | O_DIRECTORY);
    T(read(dirfd, buf, 4));
    int pp[2];
    pipe(pp);
    T(pread(pp[0], buf, 1, 0));
    T(lseek(pp[0], 0, SEEK_SET));
    T(lseek(fd, 0, 7));
    T(lseek(fd, -100, SEEK_SET));
    int ro = open("data", O_RDONLY);
    T(write(ro, "x", 1));

    /* readv/writev edge cases */
    struct iovec big[2] = {{buf, 4}, {(void *)8, 4}};
    T(writev(fd, big, 2));
    T(writev(fd, big, -1));
    T(writev(fd, big, 1025));
    T(readv(fd, (struct iovec *)8, 1));

    /* preadv/pwritev and the v2 forms */
    struct iovec w[2] = {{"12", 2}, {"345", 3}};
    T(pwritev(fd, w, 2, 2));
    memset(buf, 0, sizeof buf);
    struct iovec r[2] = {{buf, 3}, {buf + 3, 4}};
    T(preadv(fd, r, 2, 0));
    show("preadv", buf, 7);
    T(lseek(fd, 8, SEEK_SET));
    T(pwritev2(fd, w, 1, -1, 0));
    T(lseek(fd, 0, SEEK_CUR));
    memset(buf, 0, sizeof buf);
    T(lseek(fd, 0, SEEK_SET));
    T(preadv2(fd, r, 2, -1, 0));
    show("preadv2", buf, 7);
    T(lseek(fd, 0, SEEK_CUR));
    T(preadv2(fd, r, 2, 0, 0x1000));
    T(preadv(fd, r, 2, -3));
    struct stat st;

    /* sendfile, copy_file_range */
    int out = open("copy", O_CREAT | O_RDWR | O_TRUNC, 0644);
    off_t off = 2;
    T(sendfile(out, fd, &off, 5));
    printf("sendfile offset now=%ld\n", (long)off);
    T(lseek(fd, 0, SEEK_CUR));
    T(lseek(fd, 0, SEEK_SET));
    T(sendfile(out, fd, NULL, 3));
    T(lseek(fd, 0, SEEK_CUR));
    memset(buf, 0, sizeof buf);
    T(pread(out, buf, sizeof buf, 0));
    show("copy", buf, 8);
    T(sendfile(out, 99, NULL, 1));
    T(sendfile(out, fd, (off_t *)8, 1));
    T(sendfile(pp[1], fd, NULL, 4));
    T(read(pp[0], buf, 4));
    show("pipe", buf, 4);
    loff_t in_off = 0, out_off = 20;
    T(copy_file_range(fd, &in_off, out, &out_off, 4, 0));
    printf("cfr offsets in=%ld out=%ld\n", (long)in_off, (long)out_off);
    fstat(out, &st);
    printf("copy size=%ld\n", (long)st.st_size);
    T(copy_file_range(fd, NULL, out, NULL, 4, 1));
    T(copy_file_range(fd, NULL, pp[1], NULL, 4, 0));
    T(copy_file_range(dirfd, NULL, out, NULL, 4, 0));
    T(copy_file_range(ro, NULL, ro, NULL, 4, 0));

    /* fallocate, SEEK_DATA/SEEK_HOLE, truncate by fd */
    T(fallocate(out, 0, 0, 8192));
    fstat(out, &st);
    printf("size after fallocate=%ld\n", (long)st.st_size);
    T(fallocate(out, FALLOC_FL_KEEP_SIZE, 0, 16384));
    fstat(out, &st);
    printf("size kept=%ld\n", (long)st.st_size);
    T(fallocate(out, 0, -1, 10));
    T(fallocate(out, 0, 0, 0));
    T(fallocate(out, 0x1000, 0, 10));
    T(fallocate(ro, 0, 0, 10));
    T(fallocate(pp[0], 0, 0, 10));
    T(lseek(out, 0, SEEK_DATA));
    T(lseek(out, 100000, SEEK_DATA));
    T(ftruncate(out, 3));
    T(ftruncate(dirfd, 3));
    T(ftruncate(pp[0], 3));

    /* syncs */
    T(fsync(fd));
    T(fdatasync(fd));
    T(fsync(99));
    T(syscall(SYS_sync));
    T(syncfs(fd));
    T(syncfs(99));

    /* memfd */
    int mfd = memfd_create("elfuse-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    printf("memfd ok=%d cloexec=%d\n", mfd >= 0, fcntl(mfd, F_GETFD));
    T(write(mfd, "memory", 6));
    T(pread(mfd, buf, 6, 0));
    show("memfd", buf, 6);
    char link[128] = {0}, p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", mfd);
    readlink(p, link, sizeof link - 1);
    printf("memfd link=%s\n", link);
    T(fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE));
    T(fcntl(mfd, F_GET_SEALS));
    T(write(mfd, "x", 1));
    T(memfd_create("x", 0x100));
    char longname[300];
    memset(longname, 'm', 260);
    longname[260] = 0;
    T(memfd_create(longname, 0));
    T(memfd_create((char *)8, 0));

    /* ioctls on non-terminals */
    T(write(pp[1], "abc", 3));
    int avail = -1;
    T(ioctl(pp[0], FIONREAD, &avail));
    printf("FIONREAD=%d\n", avail);
    int on = 1;
    T(ioctl(pp[0], FIONBIO, &on));
    T(read(pp[0], buf, 10));
    T(read(pp[0], buf, 10));
    T(ioctl(pp[0], FIOCLEX));
    T(fcntl(pp[0], F_GETFD));
    T(ioctl(pp[0], FIONCLEX));
    T(fcntl(pp[0], F_GETFD));
    struct termios tio;
    T(ioctl(fd, TCGETS, &tio));
    struct winsize ws;
    T(ioctl(fd, TIOCGWINSZ, &ws));
    T(ioctl(99, TCGETS, &tio));

    /* a pseudo-terminal */
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    printf("ptmx ok=%d\n", m >= 0);
    T(grantpt(m));
    T(unlockpt(m));
    const char *name = ptsname(m);
    printf("ptsname is /dev/pts/N=%d\n", name && strncmp(name, "/dev/pts/", 9) == 0);
    int s = open(name, O_RDWR | O_NOCTTY);
    printf("slave ok=%d isatty=%d\n", s >= 0, isatty(s));
    T(tcgetattr(s, &tio));
    printf("icanon=%d echo=%d vmin=%d\n", !!(tio.c_lflag & ICANON), !!(tio.c_lflag & ECHO), tio.c_cc[VMIN]);
    cfmakeraw(&tio);
    tio.c_cc[VMIN] = 3;
    T(tcsetattr(s, TCSANOW, &tio));
    struct termios back;
    T(tcgetattr(s, &back));
    printf("raw icanon=%d echo=%d vmin=%d\n", !!(back.c_lflag & ICANON), !!(back.c_lflag & ECHO), back.c_cc[VMIN]);
    T(tcsetattr(s, TCSADRAIN, &tio));
    T(tcsetattr(s, TCSAFLUSH, &tio));
    struct winsize set = {.ws_row = 33, .ws_col = 101};
    T(ioctl(s, TIOCSWINSZ, &set));
    memset(&ws, 0, sizeof ws);
    T(ioctl(m, TIOCGWINSZ, &ws));
    printf("winsize %dx%d\n", ws.ws_row, ws.ws_col);
    T(ioctl(s, TIOCGWINSZ, (void *)8));
    T(write(m, "hey", 3));
    T(read(s, buf, 3));
    show("pty", buf, 3);
    T(tcflush(s, TCIOFLUSH));
    T(tcflush(s, 9));
    T(tcflow(s, TCOON));
    T(tcdrain(s));
    int q = -1;
    T(ioctl(s, TIOCOUTQ, &q));
    pid_t pg;
    T(ioctl(s, TIOCGPGRP, &pg));
    T(ioctl(s, TIOCNOTTY));
    return 0;
}
