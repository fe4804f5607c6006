/* Sockets: socketpair + SCM_RIGHTS/SCM_CREDENTIALS, AF_UNIX stream (with
 * fork), datagram, seqpacket and abstract names, AF_INET/AF_INET6 loopback
 * TCP and UDP, options, error cases, non-blocking accept, poll/epoll,
 * timeouts, signals during blocking calls, a thread blocked in accept.
 *
 * usage: net DIR [ESCAPE_PATH]
 *   DIR: a directory for AF_UNIX path names (the socket DIR/elfuse-net.sock
 *   is left there for the caller to inspect).
 *   ESCAPE_PATH: a socket path whose binding is reported (errno only). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ename(int e) {
    switch (e) {
    case 0: return "ok";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case ENOTSOCK: return "ENOTSOCK";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EADDRINUSE: return "EADDRINUSE";
    case ENOENT: return "ENOENT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EPIPE: return "EPIPE";
    case EINTR: return "EINTR";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case EINPROGRESS: return "EINPROGRESS";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    default: return "other";
    }
}

/* Print "what: ok" or "what: ERRNO" for a call returning -1 on error. */
#define T(what, expr)                                                                                                  \
    do {                                                                                                               \
        errno = 0;                                                                                                     \
        long r_ = (long)(expr);                                                                                        \
        printf("%s: %s\n", what, r_ < 0 ? ename(errno) : "ok");                                                       \
    } while (0)

#define DIE(msg)                                                                                                       \
    do {                                                                                                               \
        printf("FAIL %s: %s\n", msg, strerror(errno));                                                                 \
        exit(1);                                                                                                       \
    } while (0)

static void send_fds(int s, int *fds, int n, const char *data) {
    char ctl[CMSG_SPACE(sizeof(int) * 8)];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    if (sendmsg(s, &m, 0) != (ssize_t)strlen(data))
        DIE("sendmsg fds");
}

static void test_socketpair_rights(void) {
    int sv[2], p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        DIE("socketpair");
    printf("socketpair cloexec: %d %d\n", fcntl(sv[0], F_GETFD) & FD_CLOEXEC, fcntl(sv[1], F_GETFD) & FD_CLOEXEC);
    if (pipe(p) < 0)
        DIE("pipe");
    send_fds(sv[0], &p[1], 1, "fd!");
    char buf[16] = {0};
    char ctl[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = sizeof ctl;
    ssize_t n = recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    printf("recvmsg rights: n=%zd data=%s flags=%d controllen=%zu\n", n, buf, m.msg_flags, (size_t)m.msg_controllen);
    if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
        DIE("no SCM_RIGHTS");
    int got;
    memcpy(&got, CMSG_DATA(c), sizeof got);
    printf("received fd is new: %d, cloexec: %d\n", got != p[1], fcntl(got, F_GETFD) & FD_CLOEXEC);
    close(p[1]);
    if (write(got, "through", 7) != 7)
        DIE("write received fd");
    close(got);
    memset(buf, 0, sizeof buf);
    printf("pipe read: %zd %s\n", read(p[0], buf, sizeof buf), buf);
    printf("pipe eof: %zd\n", read(p[0], buf, sizeof buf));
    close(p[0]);

    /* Three fds, room for one: MSG_CTRUNC, one installed, the rest closed. */
    int three[3];
    for (int i = 0; i < 3; i++)
        three[i] = dup(1);
    send_fds(sv[0], three, 3, "x");
    char small[CMSG_SPACE(sizeof(int))];
    m.msg_control = small;
    m.msg_controllen = sizeof small;
    m.msg_flags = 0;
    n = recvmsg(sv[1], &m, 0);
    c = CMSG_FIRSTHDR(&m);
    printf("truncated: n=%zd ctrunc=%d controllen=%zu cmsg_len=%zu\n", n, !!(m.msg_flags & MSG_CTRUNC),
           (size_t)m.msg_controllen, c ? (size_t)c->cmsg_len : 0);
    if (c) {
        memcpy(&got, CMSG_DATA(c), sizeof got);
        printf("truncated fd valid: %d cloexec: %d\n", fcntl(got, F_GETFD) >= 0, fcntl(got, F_GETFD) & FD_CLOEXEC);
        close(got);
    }
    for (int i = 0; i < 3; i++)
        close(three[i]);

    /* SO_PASSCRED: the sender's credentials as the receiver sees them. */
    int on = 1;
    T("setsockopt SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    if (write(sv[0], "c", 1) != 1)
        DIE("write creds");
    char cctl[CMSG_SPACE(sizeof(struct ucred))];
    m.msg_control = cctl;
    m.msg_controllen = sizeof cctl;
    n = recvmsg(sv[1], &m, 0);
    c = CMSG_FIRSTHDR(&m);
    if (c && c->cmsg_type == SCM_CREDENTIALS) {
        struct ucred u;
        memcpy(&u, CMSG_DATA(c), sizeof u);
        printf("SCM_CREDENTIALS: pid=%d uid=%d gid=%d\n", u.pid == getpid(), u.uid == getuid(), u.gid == getgid());
    } else {
        printf("SCM_CREDENTIALS missing\n");
    }
    /* Sending explicit credentials: one's own are accepted, others EPERM
     * (unprivileged). */
    struct ucred mine = {getpid(), getuid(), getgid()};
    struct msghdr sm = {0};
    struct iovec siov = {"k", 1};
    sm.msg_iov = &siov;
    sm.msg_iovlen = 1;
    char sctl[CMSG_SPACE(sizeof mine)];
    sm.msg_control = sctl;
    sm.msg_controllen = sizeof sctl;
    c = CMSG_FIRSTHDR(&sm);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof mine);
    memcpy(CMSG_DATA(c), &mine, sizeof mine);
    T("sendmsg own creds", sendmsg(sv[0], &sm, 0));
    n = recv(sv[1], buf, sizeof buf, 0);

    struct ucred pc;
    socklen_t pl = sizeof pc;
    T("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &pc, &pl));
    printf("peercred: len=%u pid=%d uid=%d gid=%d\n", pl, pc.pid == getpid(), pc.uid == getuid(), pc.gid == getgid());
    close(sv[0]);
    close(sv[1]);
}

static void test_unix_stream(const char *dir) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/elfuse-net.sock", dir);
    unlink(a.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    T("bind unix path", bind(l, (struct sockaddr *)&a, sizeof a));
    T("bind again", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, sizeof a));
    T("listen", listen(l, 4));
    struct sockaddr_un g;
    socklen_t gl = sizeof g;
    T("getsockname", getsockname(l, (struct sockaddr *)&g, &gl));
    printf("getsockname same path: %d len ok: %d\n", strcmp(g.sun_path, a.sun_path) == 0,
           gl == offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1);
    /* A too-small buffer: truncated copy, full length returned. */
    char tiny[4] = {0};
    gl = sizeof tiny;
    getsockname(l, (struct sockaddr *)tiny, &gl);
    printf("short getsockname: len=%d truncated=%d\n", gl == offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1,
           tiny[2] == a.sun_path[0]);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
            _exit(10);
        char b[32] = {0};
        if (read(c, b, sizeof b) <= 0)
            _exit(11);
        if (write(c, "pong", 4) != 4)
            _exit(12);
        _exit(strcmp(b, "ping") == 0 ? 0 : 13);
    }
    int s = accept(l, NULL, NULL);
    if (s < 0)
        DIE("accept");
    gl = sizeof g;
    memset(&g, 0, sizeof g);
    T("getsockname accepted", getsockname(s, (struct sockaddr *)&g, &gl));
    printf("accepted has listener's name: %d\n", strcmp(g.sun_path, a.sun_path) == 0);
    gl = sizeof g;
    T("getpeername accepted", getpeername(s, (struct sockaddr *)&g, &gl));
    printf("unnamed peer len: %u\n", gl);
    if (write(s, "ping", 5) != 5)
        DIE("write ping");
    char b[8] = {0};
    printf("read: %zd %s\n", read(s, b, sizeof b), b);
    int st;
    waitpid(pid, &st, 0);
    printf("child status: %d\n", WEXITSTATUS(st));
    /* The peer is gone: recv gives EOF. */
    printf("recv after close: %zd\n", recv(s, b, sizeof b, 0));
    close(s);
    close(l);
    /* A path with no listener. */
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    T("connect to bound, not listening", connect(c, (struct sockaddr *)&a, sizeof a));
    close(c);
    struct sockaddr_un nx = {.sun_family = AF_UNIX};
    snprintf(nx.sun_path, sizeof nx.sun_path, "%s/no-such.sock", dir);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    T("connect to missing path", connect(c, (struct sockaddr *)&nx, sizeof nx));
    close(c);
}

static void test_unix_dgram(const char *dir) {
    struct sockaddr_un a = {.sun_family = AF_UNIX}, b = {.sun_family = AF_UNIX}, from;
    snprintf(a.sun_path, sizeof a.sun_path, "%s/elfuse-net-a.dgram", dir);
    snprintf(b.sun_path, sizeof b.sun_path, "%s/elfuse-net-b.dgram", dir);
    unlink(a.sun_path);
    unlink(b.sun_path);
    int x = socket(AF_UNIX, SOCK_DGRAM, 0), y = socket(AF_UNIX, SOCK_DGRAM, 0);
    mode_t old = umask(077);
    T("bind dgram a", bind(x, (struct sockaddr *)&a, sizeof a));
    umask(old);
    struct stat st;
    stat(a.sun_path, &st);
    printf("socket file: sock=%d mode=%o\n", S_ISSOCK(st.st_mode), st.st_mode & 0777);
    T("bind dgram b", bind(y, (struct sockaddr *)&b, sizeof b));
    T("sendto", sendto(x, "datagram", 8, 0, (struct sockaddr *)&b, sizeof b));
    char buf[4] = {0};
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(y, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("recvfrom truncated: %zd %.4s from a: %d\n", n, buf, strcmp(from.sun_path, a.sun_path) == 0);
    /* MSG_TRUNC reports the real length; recvmsg sets MSG_TRUNC. */
    sendto(x, "datagram", 8, 0, (struct sockaddr *)&b, sizeof b);
    printf("MSG_TRUNC length: %zd\n", recv(y, buf, sizeof buf, MSG_TRUNC));
    sendto(x, "datagram", 8, 0, (struct sockaddr *)&b, sizeof b);
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    n = recvmsg(y, &m, 0);
    printf("recvmsg: %zd trunc flag: %d\n", n, !!(m.msg_flags & MSG_TRUNC));
    T("send unconnected", send(x, "z", 1, 0));
    unlink(a.sun_path);
    unlink(b.sun_path);
    close(x);
    close(y);

    /* sendmmsg/recvmmsg on a datagram pair. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    struct mmsghdr mm[3];
    struct iovec iv[3];
    const char *msgs[3] = {"one", "two", "three"};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        iv[i].iov_base = (void *)msgs[i];
        iv[i].iov_len = strlen(msgs[i]);
        mm[i].msg_hdr.msg_iov = &iv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    printf("sendmmsg: %d lens %u %u %u\n", sendmmsg(sv[0], mm, 3, 0), mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
    char bufs[4][8];
    struct mmsghdr rm[4];
    struct iovec riv[4];
    memset(rm, 0, sizeof rm);
    memset(bufs, 0, sizeof bufs);
    for (int i = 0; i < 4; i++) {
        riv[i].iov_base = bufs[i];
        riv[i].iov_len = 7;
        rm[i].msg_hdr.msg_iov = &riv[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    int k = recvmmsg(sv[1], rm, 4, MSG_WAITFORONE, NULL);
    printf("recvmmsg: %d %s %s %s len2=%u\n", k, bufs[0], bufs[1], bufs[2], rm[2].msg_len);
    close(sv[0]);
    close(sv[1]);

    /* seqpacket keeps boundaries. */
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    write(sv[0], "ab", 2);
    write(sv[0], "cde", 3);
    char sb[8];
    ssize_t r1 = read(sv[1], sb, sizeof sb);
    ssize_t r2 = read(sv[1], sb, sizeof sb);
    printf("seqpacket: %zd %zd\n", r1, r2);
    int ty;
    socklen_t tl = sizeof ty;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &ty, &tl);
    printf("SO_TYPE seqpacket: %d\n", ty == SOCK_SEQPACKET);
    close(sv[0]);
    close(sv[1]);
}

static void test_abstract(void) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    char name[64];
    int len = snprintf(name, sizeof name, "elfuse-net-test-%d", getpid());
    memcpy(a.sun_path + 1, name, len);
    socklen_t al = offsetof(struct sockaddr_un, sun_path) + 1 + len;
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    T("bind abstract", bind(l, (struct sockaddr *)&a, al));
    listen(l, 1);
    struct sockaddr_un g;
    socklen_t gl = sizeof g;
    getsockname(l, (struct sockaddr *)&g, &gl);
    printf("abstract name: len=%d lead-nul=%d same=%d\n", gl == al, g.sun_path[0] == 0,
           memcmp(g.sun_path + 1, name, len) == 0);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    T("connect abstract", connect(c, (struct sockaddr *)&a, al));
    int s = accept(l, NULL, NULL);
    gl = sizeof g;
    getpeername(c, (struct sockaddr *)&g, &gl);
    printf("abstract peer: %d\n", gl == al && memcmp(g.sun_path + 1, name, len) == 0);
    close(s);
    close(c);
    close(l);
    /* Autobind: bind with the family only gives an abstract name. */
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    T("autobind", bind(d, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    gl = sizeof g;
    getsockname(d, (struct sockaddr *)&g, &gl);
    printf("autobind: len=%u abstract=%d\n", gl, g.sun_path[0] == 0);
    close(d);
}

static void test_inet(void) {
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int on = 1;
    T("SO_REUSEADDR", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    T("bind 127.0.0.1:0", bind(l, (struct sockaddr *)&a, sizeof a));
    socklen_t al = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &al);
    printf("bound port nonzero: %d len=%u family=%d addr=%s\n", a.sin_port != 0, al, a.sin_family, inet_ntoa(a.sin_addr));
    T("listen", listen(l, 8));
    T("accept4 nonblocking, nothing pending", accept4(l, NULL, NULL, SOCK_CLOEXEC));
    struct pollfd pf = {l, POLLIN, 0};
    printf("poll listener idle: %d\n", poll(&pf, 1, 0));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    T("connect loopback", connect(c, (struct sockaddr *)&a, sizeof a));
    printf("poll listener ready: %d revents=%#x\n", poll(&pf, 1, 1000), pf.revents);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int s = accept4(l, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
    printf("accept4: ok=%d cloexec=%d nonblock=%d\n", s >= 0, fcntl(s, F_GETFD) & FD_CLOEXEC,
           !!(fcntl(s, F_GETFL) & O_NONBLOCK));
    struct sockaddr_in cn;
    socklen_t cl = sizeof cn;
    getsockname(c, (struct sockaddr *)&cn, &cl);
    printf("accept peer == client name: %d\n", pl == sizeof peer && peer.sin_port == cn.sin_port &&
                                                 peer.sin_addr.s_addr == cn.sin_addr.s_addr);
    T("TCP_NODELAY", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on));
    int v = 0;
    socklen_t vl = sizeof v;
    getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
    printf("TCP_NODELAY get: %d\n", v != 0);
    int idle = 30;
    T("TCP_KEEPIDLE", setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle));
    T("SO_KEEPALIVE", setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on));
    vl = sizeof v;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
    printf("SO_ACCEPTCONN: %d\n", v);
    vl = sizeof v;
    getsockopt(c, SOL_SOCKET, SO_DOMAIN, &v, &vl);
    printf("SO_DOMAIN: %d\n", v);
    vl = sizeof v;
    getsockopt(c, SOL_SOCKET, SO_PROTOCOL, &v, &vl);
    printf("SO_PROTOCOL: %d\n", v);
    vl = sizeof v;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &vl);
    printf("SO_ERROR: %d\n", v);
    struct linger lg = {1, 5};
    T("SO_LINGER", setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    memset(&lg, 0, sizeof lg);
    vl = sizeof lg;
    getsockopt(c, SOL_SOCKET, SO_LINGER, &lg, &vl);
    printf("SO_LINGER get: %d %d len=%u\n", lg.l_onoff, lg.l_linger, vl);
    T("unknown option", setsockopt(c, SOL_SOCKET, 9999, &on, sizeof on));
    T("short optlen", setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &on, 2));

    T("send", send(c, "hello tcp", 9, 0));
    char buf[32] = {0};
    printf("recv: %zd %s\n", recv(s, buf, sizeof buf, MSG_WAITALL == 0 ? 0 : 0), buf);
    /* epoll sees the socket readable. */
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
    write(s, "back", 4);
    struct epoll_event out;
    printf("epoll: %d fd-match=%d\n", epoll_wait(ep, &out, 1, 1000), out.data.fd == c);
    memset(buf, 0, sizeof buf);
    printf("read: %zd %s\n", read(c, buf, sizeof buf), buf);
    close(ep);
    /* MSG_WAITALL gathers two writes. */
    write(s, "ab", 2);
    write(s, "cd", 2);
    memset(buf, 0, sizeof buf);
    printf("MSG_WAITALL: %zd %s\n", recv(c, buf, 4, MSG_WAITALL), buf);
    /* SO_RCVTIMEO bounds a blocking recv. */
    struct timeval tv = {0, 100000};
    T("SO_RCVTIMEO", setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    memset(&tv, 0, sizeof tv);
    vl = sizeof tv;
    getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, &vl);
    printf("SO_RCVTIMEO get: %ld.%06ld len=%u\n", (long)tv.tv_sec, (long)tv.tv_usec, vl);
    T("recv timeout", recv(c, buf, sizeof buf, 0));
    T("recv MSG_DONTWAIT", recv(c, buf, sizeof buf, MSG_DONTWAIT));
    /* shutdown(SHUT_WR): the peer reads EOF. */
    T("shutdown", shutdown(c, SHUT_WR));
    printf("read after peer shutdown: %zd\n", read(s, buf, sizeof buf));
    T("shutdown bad how", shutdown(c, 7));
    close(c);
    /* Writing to a closed peer: EPIPE, no SIGPIPE with MSG_NOSIGNAL. */
    usleep(20000);
    send(s, "x", 1, MSG_NOSIGNAL);
    usleep(20000);
    T("send to closed peer MSG_NOSIGNAL", send(s, "x", 1, MSG_NOSIGNAL));
    close(s);

    /* EADDRINUSE: the listener's port again. */
    int d = socket(AF_INET, SOCK_STREAM, 0);
    T("bind in-use port", bind(d, (struct sockaddr *)&a, sizeof a));
    close(d);
    close(l);
    /* ECONNREFUSED: the port is closed now. */
    d = socket(AF_INET, SOCK_STREAM, 0);
    T("connect closed port", connect(d, (struct sockaddr *)&a, sizeof a));
    int e = 0;
    vl = sizeof e;
    getsockopt(d, SOL_SOCKET, SO_ERROR, &e, &vl);
    printf("SO_ERROR after refused: %s\n", ename(e));
    close(d);
    /* Non-blocking connect: EINPROGRESS or done, then SO_ERROR. */
    l = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = 0;
    bind(l, (struct sockaddr *)&a, sizeof a);
    al = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &al);
    listen(l, 1);
    d = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(d, (struct sockaddr *)&a, sizeof a);
    printf("nonblocking connect: %s\n", r == 0 || errno == EINPROGRESS ? "ok" : ename(errno));
    pf.fd = d;
    pf.events = POLLOUT;
    poll(&pf, 1, 1000);
    vl = sizeof e;
    getsockopt(d, SOL_SOCKET, SO_ERROR, &e, &vl);
    printf("nonblocking connect done: %s\n", ename(e));
    T("connect again", connect(d, (struct sockaddr *)&a, sizeof a));
    close(d);
    close(l);

    /* UDP loopback. */
    int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)}, ub = ua, src;
    bind(u1, (struct sockaddr *)&ua, sizeof ua);
    al = sizeof ua;
    getsockname(u1, (struct sockaddr *)&ua, &al);
    bind(u2, (struct sockaddr *)&ub, sizeof ub);
    al = sizeof ub;
    getsockname(u2, (struct sockaddr *)&ub, &al);
    T("udp sendto", sendto(u2, "udp!", 4, 0, (struct sockaddr *)&ua, sizeof ua));
    socklen_t sl = sizeof src;
    memset(buf, 0, sizeof buf);
    ssize_t n = recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr *)&src, &sl);
    printf("udp recvfrom: %zd %s from-u2=%d len=%u\n", n, buf, src.sin_port == ub.sin_port, sl);
    T("udp send unconnected", send(u1, "x", 1, 0));
    T("udp connect", connect(u1, (struct sockaddr *)&ub, sizeof ub));
    T("udp send connected", send(u1, "back", 4, 0));
    memset(buf, 0, sizeof buf);
    printf("udp recv: %zd %s\n", recv(u2, buf, sizeof buf, 0), buf);
    int bc = 1;
    T("SO_BROADCAST", setsockopt(u1, SOL_SOCKET, SO_BROADCAST, &bc, sizeof bc));
    close(u1);
    close(u2);

    /* IPv6 loopback. */
    int v6 = socket(AF_INET6, SOCK_STREAM, 0);
    if (v6 >= 0) {
        T("IPV6_V6ONLY", setsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on));
        struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
        int b6 = bind(v6, (struct sockaddr *)&s6, sizeof s6);
        if (b6 == 0) {
            listen(v6, 1);
            socklen_t l6 = sizeof s6;
            getsockname(v6, (struct sockaddr *)&s6, &l6);
            int c6 = socket(AF_INET6, SOCK_STREAM, 0);
            T("connect ::1", connect(c6, (struct sockaddr *)&s6, sizeof s6));
            int a6 = accept(v6, NULL, NULL);
            write(c6, "six", 3);
            memset(buf, 0, sizeof buf);
            printf("ipv6 read: %zd %s len=%u\n", read(a6, buf, sizeof buf), buf, l6);
            close(a6);
            close(c6);
        } else {
            printf("bind ::1: %s\n", ename(errno));
        }
        close(v6);
    }
}

static void test_errors(const char *dir) {
    int f = open(dir, O_RDONLY | O_DIRECTORY);
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t al = sizeof a;
    T("getsockname on a directory fd", getsockname(f, (struct sockaddr *)&a, &al));
    T("listen on a directory fd", listen(f, 1));
    close(f);
    T("getsockname bad fd", getsockname(999, (struct sockaddr *)&a, &al));
    T("socket family 100", socket(100, SOCK_STREAM, 0));
    T("socket bad type flags", socket(AF_INET, SOCK_STREAM | 0x10000000, 0));
    T("socketpair AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){0}));
    T("socketpair bad pointer", socketpair(AF_UNIX, SOCK_STREAM, 0, (int *)8));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    T("bind bad pointer", bind(s, (struct sockaddr *)8, sizeof a));
    T("bind addrlen 200", bind(s, (struct sockaddr *)&a, 200));
    T("bind short addrlen", bind(s, (struct sockaddr *)&a, 4));
    struct sockaddr_in6 six = {.sin6_family = AF_INET6};
    T("bind AF_INET6 addr on AF_INET", bind(s, (struct sockaddr *)&six, sizeof six));
    T("getsockname bad len pointer", getsockname(s, (struct sockaddr *)&a, (socklen_t *)8));
    T("getpeername unconnected", getpeername(s, (struct sockaddr *)&a, &al));
    T("send unconnected tcp", send(s, "x", 1, MSG_NOSIGNAL));
    int dummy;
    T("getsockopt unknown level", getsockopt(s, 12345, 1, &dummy, &al));
    close(s);
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_INET};
    strcpy(un.sun_path, "x");
    T("connect unix wrong family", connect(u, (struct sockaddr *)&un, sizeof un));
    close(u);
}

static volatile int got_alarm;
static void on_alarm(int s) {
    (void)s;
    got_alarm++;
}

static void *acceptor(void *arg) {
    int l = *(int *)arg;
    int s = accept(l, NULL, NULL);
    char b[8] = {0};
    read(s, b, sizeof b);
    close(s);
    return strcmp(b, "thr") == 0 ? (void *)1 : NULL;
}

static void test_blocking(void) {
    /* A thread blocked in accept does not stop the main thread. */
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    bind(l, (struct sockaddr *)&fam, sizeof(sa_family_t));
    listen(l, 1);
    struct sockaddr_un an;
    socklen_t anl = sizeof an;
    getsockname(l, (struct sockaddr *)&an, &anl);
    pthread_t t;
    pthread_create(&t, NULL, acceptor, &l);
    usleep(50000);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    T("connect to thread's listener", connect(c, (struct sockaddr *)&an, anl));
    write(c, "thr", 4);
    void *ok;
    pthread_join(t, &ok);
    printf("thread accept: %d\n", ok != NULL);
    close(c);
    close(l);

    /* A signal interrupts a blocking recv: EINTR without SA_RESTART... */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    char b[8];
    T("recv interrupted", recv(sv[0], b, sizeof b, 0));
    printf("handler ran: %d\n", got_alarm);
    /* ... and restarted with SA_RESTART (data arrives later from a child). */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(200000);
        write(sv[1], "late", 4);
        _exit(0);
    }
    setitimer(ITIMER_REAL, &it, NULL);
    memset(b, 0, sizeof b);
    ssize_t n = recv(sv[0], b, sizeof b, 0);
    printf("restarted recv: %zd %s handler ran: %d\n", n, b, got_alarm);
    waitpid(pid, NULL, 0);
    close(sv[0]);
    close(sv[1]);

    /* EPIPE raises SIGPIPE without MSG_NOSIGNAL. */
    signal(SIGPIPE, SIG_IGN);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    T("send to closed socketpair", send(sv[0], "x", 1, 0));
    close(sv[0]);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: net DIR [ESCAPE_PATH]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 2) {
        struct sockaddr_un e = {.sun_family = AF_UNIX};
        snprintf(e.sun_path, sizeof e.sun_path, "%s", argv[2]);
        T("bind escape path", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&e, sizeof e));
        return 0;
    }
    test_socketpair_rights();
    test_unix_stream(argv[1]);
    test_unix_dgram(argv[1]);
    test_abstract();
    test_inet();
    test_errors(argv[1]);
    test_blocking();
    printf("done\n");
    return 0;
}
