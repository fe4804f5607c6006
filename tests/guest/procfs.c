/* Synthetic /proc, /dev, /sys: formats as Linux writes them, stable
 * identity, directory reads, seeks, writes, ptys. Prints "ok NAME" per
 * check, "FAIL ..." otherwise; exits non-zero on any failure. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static int failures;

#define CHECK(name, cond)                                                      \
    do {                                                                       \
        if (cond)                                                              \
            printf("ok %s\n", name);                                           \
        else {                                                                 \
            printf("FAIL %s (%s:%d errno=%d)\n", name, __FILE__, __LINE__,     \
                   errno);                                                     \
            failures++;                                                        \
        }                                                                      \
    } while (0)

static char buf[1 << 16];

static ssize_t slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = 0, r;
    while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

static long field(const char *text, const char *key) {
    const char *p = strstr(text, key);
    if (!p)
        return -1;
    return strtol(p + strlen(key), NULL, 10);
}

static int count_dir(const char *path, const char *want) {
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0, seen = want == NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        n++;
        if (want && strcmp(e->d_name, want) == 0)
            seen = 1;
    }
    closedir(d);
    return seen ? n : -2;
}

int main(int argc, char **argv) {
    char tmp[256];
    (void)argc;

    /* /proc/self/status */
    CHECK("status read", slurp("/proc/self/status") > 0);
    CHECK("status Pid", field(buf, "\nPid:\t") == getpid());
    CHECK("status PPid", field(buf, "\nPPid:\t") == getppid());
    CHECK("status Tgid", field(buf, "\nTgid:\t") == getpid());
    CHECK("status Threads", field(buf, "\nThreads:\t") == 1);
    CHECK("status VmRSS", field(buf, "\nVmRSS:\t") > 0 && strstr(buf, " kB\n"));
    CHECK("status Uid", field(buf, "\nUid:\t") == (long)getuid());
    CHECK("status State", strstr(buf, "\nState:\tR (running)\n") != NULL);
    CHECK("status SigBlk", strstr(buf, "\nSigBlk:\t0000000000000000\n") != NULL);

    /* /proc/self/stat: "pid (comm) state ppid ..." */
    CHECK("stat read", slurp("/proc/self/stat") > 0);
    {
        int pid, ppid;
        char comm[64], st;
        CHECK("stat fields", sscanf(buf, "%d (%63[^)]) %c %d", &pid, comm, &st, &ppid) == 4 &&
                                 pid == getpid() && ppid == getppid() && st == 'R');
        int fields = 0;
        for (char *p = strrchr(buf, ')'); p && *p; p++)
            if (*p == ' ')
                fields++;
        CHECK("stat 52 fields", fields + 2 == 52);
    }
    CHECK("statm", slurp("/proc/self/statm") > 0 && strchr(buf, ' ') && buf[strlen(buf) - 1] == '\n');

    /* comm: read, write, read back; prctl sees it. */
    CHECK("comm read", slurp("/proc/self/comm") > 0 && strcmp(buf, "procfs\n") == 0);
    {
        int fd = open("/proc/self/comm", O_WRONLY);
        CHECK("comm write", fd >= 0 && write(fd, "renamed\n", 8) == 8);
        close(fd);
        CHECK("comm reads back", slurp("/proc/self/comm") > 0 && strcmp(buf, "renamed\n") == 0);
        fd = open("/proc/self/stat", O_WRONLY);
        CHECK("stat not writable", fd < 0 ? errno == EACCES : write(fd, "x", 1) < 0);
        if (fd >= 0)
            close(fd);
    }

    /* cmdline, environ, auxv */
    {
        ssize_t n = slurp("/proc/self/cmdline");
        CHECK("cmdline argv0", n > 0 && strcmp(buf, argv[0]) == 0 && buf[n - 1] == 0);
        setenv("PROCFS_UNUSED", "1", 1); /* environ shows the initial block */
        n = slurp("/proc/self/environ");
        CHECK("environ", n > 0 && memmem(buf, n, "PROCFS_MARK=42", 15) != NULL);
        n = slurp("/proc/self/auxv");
        unsigned long *av = (unsigned long *)buf;
        unsigned long hw = 0, pg = 0;
        for (int i = 0; i + 1 < n / 8; i += 2) {
            if (av[i] == AT_HWCAP)
                hw = av[i + 1];
            if (av[i] == AT_PAGESZ)
                pg = av[i + 1];
        }
        CHECK("auxv", n > 0 && n % 16 == 0 && hw == getauxval(AT_HWCAP) && pg == 4096);
    }

    /* maps: heap, stack, the program's own text */
    {
        void *m = malloc(1 << 20);
        CHECK("maps", slurp("/proc/self/maps") > 0 && strstr(buf, "[stack]") && strstr(buf, " r-xp ") &&
                          strstr(buf, argv[0][0] == '/' ? argv[0] : "procfs"));
        free(m);
        CHECK("smaps", slurp("/proc/self/smaps") > 0 && strstr(buf, "\nRss:") && strstr(buf, "\nVmFlags:"));
    }

    /* fd/ links, fdinfo */
    {
        int p[2];
        CHECK("pipe", pipe(p) == 0);
        snprintf(tmp, sizeof tmp, "/proc/self/fd/%d", p[0]);
        char link[128] = {0};
        struct stat st;
        fstat(p[0], &st);
        char want[64];
        snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)st.st_ino);
        CHECK("fd link pipe", readlink(tmp, link, sizeof link - 1) > 0 && strcmp(link, want) == 0);
        int fd = open("/proc/self/status", O_RDONLY);
        snprintf(tmp, sizeof tmp, "/proc/self/fd/%d", fd);
        memset(link, 0, sizeof link);
        snprintf(want, sizeof want, "/proc/%d/status", getpid());
        CHECK("fd link path", readlink(tmp, link, sizeof link - 1) > 0 && strcmp(link, want) == 0);
        snprintf(tmp, sizeof tmp, "/proc/self/fdinfo/%d", fd);
        CHECK("fdinfo", slurp(tmp) > 0 && strncmp(buf, "pos:\t0\nflags:\t", 14) == 0);
        CHECK("fd dir lists", count_dir("/proc/self/fd", "0") >= 5);
        CHECK("dev/fd lists", count_dir("/dev/fd/", "2") >= 5);
        close(fd);
        close(p[0]);
        close(p[1]);
    }

    /* exe, cwd, root */
    {
        char link[512] = {0};
        CHECK("exe", readlink("/proc/self/exe", link, sizeof link - 1) > 0 && link[0] == '/' &&
                         strstr(link, "procfs"));
        memset(link, 0, sizeof link);
        CHECK("cwd", readlink("/proc/self/cwd", link, sizeof link - 1) > 0 && getcwd(tmp, sizeof tmp) &&
                         strcmp(link, tmp) == 0);
        memset(link, 0, sizeof link);
        CHECK("root", readlink("/proc/self/root", link, sizeof link - 1) == 1 && link[0] == '/');
        snprintf(tmp, sizeof tmp, "%d", getpid());
        memset(link, 0, sizeof link);
        CHECK("self link", readlink("/proc/self", link, sizeof link - 1) > 0 && strcmp(link, tmp) == 0);
    }

    /* Stable identity: same inode twice, via self and via the pid. */
    {
        struct stat a, b, c;
        snprintf(tmp, sizeof tmp, "/proc/%d/status", getpid());
        CHECK("stat status", stat("/proc/self/status", &a) == 0 && stat(tmp, &b) == 0);
        CHECK("stable ino", a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_ino != 0);
        CHECK("blksize", a.st_blksize == 4096 && S_ISREG(a.st_mode) && (a.st_mode & 0777) == 0444);
        int fd = open("/proc/self/status", O_RDONLY);
        CHECK("fstat matches", fstat(fd, &c) == 0 && c.st_ino == a.st_ino && c.st_dev == a.st_dev);
        close(fd);
        CHECK("proc dir", stat("/proc", &a) == 0 && S_ISDIR(a.st_mode) && a.st_nlink >= 2);
        CHECK("self is link", lstat("/proc/self", &a) == 0 && S_ISLNK(a.st_mode));
        CHECK("dev null", stat("/dev/null", &a) == 0 && S_ISCHR(a.st_mode) && major(a.st_rdev) == 1 &&
                              minor(a.st_rdev) == 3);
        fd = open("/dev/null", O_RDWR);
        CHECK("dev null fstat", fd >= 0 && fstat(fd, &b) == 0 && b.st_ino == a.st_ino && b.st_rdev == a.st_rdev);
        CHECK("dev null io", write(fd, "x", 1) == 1 && read(fd, tmp, 1) == 0);
        close(fd);
        fd = open("/dev/full", O_WRONLY);
        CHECK("dev full", fd >= 0 && write(fd, "x", 1) < 0 && errno == ENOSPC);
        close(fd);
        fd = open("/dev/zero", O_RDONLY);
        CHECK("dev zero", fd >= 0 && read(fd, tmp, 8) == 8 && tmp[0] == 0 && tmp[7] == 0);
        close(fd);
        fd = open("/dev/urandom", O_RDONLY);
        CHECK("dev urandom", fd >= 0 && read(fd, tmp, 16) == 16);
        close(fd);
    }

    /* Reads with offsets, seeks, short reads. */
    {
        int fd = open("/proc/self/status", O_RDONLY);
        char a[8] = {0}, b[8] = {0};
        CHECK("short read", read(fd, a, 5) == 5 && strncmp(a, "Name:", 5) == 0);
        CHECK("lseek", lseek(fd, 0, SEEK_SET) == 0 && read(fd, b, 5) == 5 && memcmp(a, b, 5) == 0);
        CHECK("pread", pread(fd, b, 4, 1) == 4 && memcmp(b, "ame:", 4) == 0);
        /* Linux seq files: no SEEK_END; reading on past the end gives 0. */
        CHECK("no seek end", lseek(fd, 0, SEEK_END) < 0 && errno == EINVAL);
        CHECK("eof", lseek(fd, 1 << 20, SEEK_SET) == 1 << 20 && read(fd, b, 4) == 0);
        close(fd);
        fd = open("/proc/self", O_RDONLY | O_DIRECTORY);
        CHECK("dir read", fd >= 0);
        CHECK("dir write", open("/proc/self", O_WRONLY) < 0 && errno == EISDIR);
        CHECK("file as dir", open("/proc/cpuinfo", O_RDONLY | O_DIRECTORY) < 0 && errno == ENOTDIR);
        int sfd = openat(fd, "status", O_RDONLY);
        CHECK("openat in synth dir", sfd >= 0 && read(sfd, a, 5) == 5 && strncmp(a, "Name:", 5) == 0);
        close(sfd);
        struct stat st;
        CHECK("fstatat in synth dir", fstatat(fd, "comm", &st, 0) == 0 && (st.st_mode & 0777) == 0644);
        CHECK("fstat synth dir", fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
        CHECK("fchdir synth dir", fchdir(fd) == 0 && getcwd(tmp, sizeof tmp) && strncmp(tmp, "/proc/", 6) == 0 &&
                                      access("status", R_OK) == 0);
        close(fd);
        CHECK("chdir back", chdir("/") == 0);
        CHECK("missing", open("/proc/self/nonexistent", O_RDONLY) < 0 && errno == ENOENT);
        CHECK("missing pid", access("/proc/999999999", F_OK) < 0 && errno == ENOENT);
        CHECK("no host mem", access("/proc/self/mem", F_OK) < 0);
    }

    /* getdents64 with a tiny buffer: whole records, then EINVAL. */
    {
        int fd = open("/proc", O_RDONLY | O_DIRECTORY);
        char small[24];
        long n = syscall(SYS_getdents64, fd, small, sizeof small);
        CHECK("getdents tiny", n == 24 || (n < 0 && errno == EINVAL));
        lseek(fd, 0, SEEK_SET);
        CHECK("proc lists self", count_dir("/proc", "self") > 5);
        snprintf(tmp, sizeof tmp, "%d", getpid());
        CHECK("proc lists pid", count_dir("/proc", tmp) > 5);
        close(fd);
        CHECK("task lists tid", count_dir("/proc/self/task", tmp) == 3);
    }

    /* system files */
    CHECK("cpuinfo", slurp("/proc/cpuinfo") > 0 && strncmp(buf, "processor\t: 0\n", 14) == 0 &&
                         strstr(buf, "\nFeatures\t: fp asimd") && strstr(buf, "\nCPU implementer\t: 0x"));
    CHECK("meminfo", slurp("/proc/meminfo") > 0 && field(buf, "MemTotal:") > 0 && strstr(buf, "\nMemAvailable:"));
    CHECK("uptime", slurp("/proc/uptime") > 0 && strtod(buf, NULL) > 0);
    CHECK("loadavg", slurp("/proc/loadavg") > 0 && strchr(buf, '/'));
    CHECK("proc stat", slurp("/proc/stat") > 0 && strncmp(buf, "cpu  ", 5) == 0 && strstr(buf, "\nbtime "));
    CHECK("version", slurp("/proc/version") > 0 && strncmp(buf, "Linux version ", 14) == 0);
    CHECK("filesystems", slurp("/proc/filesystems") > 0 && strstr(buf, "\tproc\n"));
    CHECK("mounts", slurp("/proc/mounts") > 0 && strstr(buf, " /proc proc "));
    CHECK("mountinfo", slurp("/proc/self/mountinfo") > 0 && strstr(buf, " - proc proc "));
    CHECK("limits", slurp("/proc/self/limits") > 0 && strncmp(buf, "Limit", 5) == 0 &&
                        strstr(buf, "Max open files"));
    CHECK("oom_score_adj", slurp("/proc/self/oom_score_adj") > 0 && strcmp(buf, "0\n") == 0);
    CHECK("loginuid", slurp("/proc/self/loginuid") > 0);
    CHECK("io", slurp("/proc/self/io") > 0 && strncmp(buf, "rchar: ", 7) == 0);
    CHECK("osrelease", slurp("/proc/sys/kernel/osrelease") > 0 && buf[strlen(buf) - 1] == '\n');
    CHECK("ostype", slurp("/proc/sys/kernel/ostype") > 0 && strcmp(buf, "Linux\n") == 0);
    CHECK("pid_max", slurp("/proc/sys/kernel/pid_max") > 0 && atol(buf) > 0);
    CHECK("ngroups_max", slurp("/proc/sys/kernel/ngroups_max") > 0 && atol(buf) > 0);
    {
        char a[64], b[64];
        slurp("/proc/sys/kernel/random/boot_id");
        strcpy(a, buf);
        slurp("/proc/sys/kernel/random/boot_id");
        CHECK("boot_id stable", strlen(a) == 37 && strcmp(a, buf) == 0);
        slurp("/proc/sys/kernel/random/uuid");
        strcpy(b, buf);
        slurp("/proc/sys/kernel/random/uuid");
        CHECK("uuid fresh", strlen(b) == 37 && b[14] == '4' && strcmp(b, buf) != 0);
    }
    CHECK("overcommit", slurp("/proc/sys/vm/overcommit_memory") > 0 && strcmp(buf, "0\n") == 0);
    CHECK("max_map_count", slurp("/proc/sys/vm/max_map_count") > 0 && atol(buf) > 0);
    {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        char want[32];
        if (n > 1)
            snprintf(want, sizeof want, "0-%ld\n", n - 1);
        else
            strcpy(want, "0\n");
        CHECK("cpu online", slurp("/sys/devices/system/cpu/online") > 0 && strcmp(buf, want) == 0);
        CHECK("cpu possible", slurp("/sys/devices/system/cpu/possible") > 0 && strcmp(buf, want) == 0);
        CHECK("cpu topology", slurp("/sys/devices/system/cpu/cpu0/topology/core_id") > 0 && strcmp(buf, "0\n") == 0);
    }

    /* ptys: posix_openpt, TIOCGPTN, unlock, open the slave, both ways. */
    {
        int m = posix_openpt(O_RDWR | O_NOCTTY);
        unsigned n = 99;
        CHECK("ptmx", m >= 0 && ioctl(m, TIOCGPTN, &n) == 0);
        CHECK("unlockpt", grantpt(m) == 0 && unlockpt(m) == 0);
        char *name = ptsname(m);
        snprintf(tmp, sizeof tmp, "/dev/pts/%u", n);
        CHECK("ptsname", name && strcmp(name, tmp) == 0);
        int s = open(tmp, O_RDWR | O_NOCTTY);
        CHECK("open slave", s >= 0 && isatty(s));
        struct termios t;
        tcgetattr(s, &t);
        cfmakeraw(&t);
        tcsetattr(s, TCSANOW, &t);
        char r[8] = {0};
        CHECK("master to slave", write(m, "ping", 4) == 4 && read(s, r, 4) == 4 && memcmp(r, "ping", 4) == 0);
        CHECK("slave to master", write(s, "pong", 4) == 4 && read(m, r, 4) == 4 && memcmp(r, "pong", 4) == 0);
        char tn[64] = {0};
        CHECK("ttyname", ttyname_r(s, tn, sizeof tn) == 0 && strcmp(tn, tmp) == 0);
        struct stat st;
        CHECK("pts stat", stat(tmp, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 &&
                              minor(st.st_rdev) == n);
        int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        CHECK("TIOCGPTPEER", peer >= 0 && isatty(peer));
        close(peer);
        close(s);
        close(m);
    }

    printf("%s\n", failures ? "FAILED" : "ALL OK");
    return failures != 0;
}
