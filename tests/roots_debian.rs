//! Real Debian bookworm arm64 programs (dynamically linked against glibc)
//! in the root `make sysroot` assembles (tests/sysroot/debian.sh), each
//! checked against the output it gives on Linux. Every guest starts with
//! the environment cleared to `ROOT_ENV` and works in a scratch directory
//! under the root's /tmp. The expected outputs were checked with
//! qemu-aarch64-static -L where qemu can run the case (single process, or
//! children that exist on the host too), with the host's git and make
//! otherwise; see the notes per test.

mod common;
use common::*;

fn debian() -> std::path::PathBuf {
    sysroot("debian")
}

/// Run `script` with `shell -c` in a fresh scratch directory of the root.
fn script(shell: &str, name: &str, env: &[&str], script: &str, want: &str) {
    let root = debian();
    let tmp = GuestTmp::new(&root, name);
    expect_in_root(&root, &tmp.guest, env, &[shell, "-c", script], b"", want, 0);
}

#[test]
fn bash_functions_arrays_substitutions_heredocs() {
    let s = r#"
sq() { local x=$1; echo "sq($x)=$((x * x))"; }
for i in 1 2 3; do sq "$i"; done
arr=(zero one two three)
arr+=(four)
echo "${#arr[@]} ${arr[2]} ${arr[*]:1:2} ${arr[-1]}"
declare -A m=([b]=2 [a]=1 [c]=3)
for k in a b c; do printf '%s=%s ' "$k" "${m[$k]}"; done; echo
s=$(echo hello world)
echo "${s^^} ${s/world/bash} ${#s}"
n=$(( $(printf '%s+' 1 2 3 4) 0 ))
echo "sum=$n"
while read -r a b; do echo "[$b:$a]"; done <<EOT
1 one
2 two
EOT
cat <<'EOT' | tr a-z A-Z
here-doc via $(pipe)
EOT
false | true; echo "pipestatus=${PIPESTATUS[*]}"
[[ abc123 =~ ^([a-z]+)([0-9]+)$ ]] && echo "match ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
printf '%05.1f|%-4s|%x\n' 3.14159 ab 255
echo "$(echo "$(echo nested)")"
(exit 7); echo "subshell=$?"
"#;
    let want = "sq(1)=1\nsq(2)=4\nsq(3)=9\n5 two one two four\na=1 b=2 c=3 \nHELLO WORLD hello bash 11\nsum=10\n\
                [one:1]\n[two:2]\nHERE-DOC VIA $(PIPE)\npipestatus=1 0\nmatch abc 123\n003.1|ab  |ff\nnested\nsubshell=7\n";
    // qemu -L agrees (its children run as host programs: tr).
    script("/bin/bash", "bash", &[], s, want);
}

#[test]
fn coreutils_ls_sort_sha256sum_date_seq_printf() {
    let s = r#"set -e
mkdir d
printf 'hello\n' > d/a.txt
printf '12345678' > d/b.bin
ln -s a.txt d/link
chmod 644 d/a.txt d/b.bin
touch -h -d '2024-01-02 03:04:05' d/a.txt d/b.bin d/link
ls --color=never d
ls -lgG --color=never d/a.txt d/b.bin d/link
stat -c '%n %s %Y %A' d/a.txt
printf '10\n9\n100\n-1\n2.5\n' | sort -n | tr '\n' ' '; echo
printf abc | sha256sum
sha256sum d/a.txt
date -d '2024-02-29 12:34:56' '+%Y-%m-%d %H:%M:%S %Z %s %A %j'
date -u -d @0
seq -w 8 11 | tr '\n' ' '; echo
seq -s, 1 2 10
/usr/bin/printf '%s=%04d %.3e %q\n' x 42 12345.678 'a b'
echo 'one two three' | cut -d' ' -f2
wc -c < d/a.txt
"#;
    // ls -l without owner and group (-gG): those are the host user's.
    let want = "a.txt\nb.bin\nlink\n\
                -rw-r--r-- 1 6 Jan  2  2024 d/a.txt\n\
                -rw-r--r-- 1 8 Jan  2  2024 d/b.bin\n\
                lrwxrwxrwx 1 5 Jan  2  2024 d/link -> a.txt\n\
                d/a.txt 6 1704164645 -rw-r--r--\n\
                -1 2.5 9 10 100 \n\
                ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n\
                5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  d/a.txt\n\
                2024-02-29 12:34:56 UTC 1709210096 Thursday 060\n\
                Thu Jan  1 00:00:00 UTC 1970\n\
                08 09 10 11 \n\
                1,3,5,7,9\n\
                x=0042 1.235e+04 'a b'\n\
                two\n\
                6\n";
    // Each command checked one by one under qemu -L.
    script("/bin/bash", "coreutils", &["TZ=UTC"], s, want);
}

const PYTHON: &str = r#"
import json, sqlite3, hashlib, ssl, decimal, ctypes, threading, subprocess, multiprocessing, asyncio

print(json.dumps({"b": [1, 2.5, None, True], "a": "\u00e9"}, sort_keys=True))
print(json.loads('{"x": [1, {"y": "z"}]}')["x"][1]["y"])

db = sqlite3.connect(":memory:")
db.execute("create table t (x integer)")
db.executemany("insert into t values (?)", [(i,) for i in range(10)])
print("sqlite", db.execute("select sum(x), count(*), max(x) from t").fetchone())

print(hashlib.sha256(b"abc").hexdigest())
print(hashlib.md5(b"").hexdigest(), hashlib.sha1(b"elfuse").hexdigest()[:12])

ctx = ssl.create_default_context()
print("ssl", ctx.protocol == ssl.PROTOCOL_TLS_CLIENT, ctx.verify_mode == ssl.CERT_REQUIRED,
      ssl.OPENSSL_VERSION.startswith("OpenSSL 3."))

decimal.getcontext().prec = 30
print("decimal", decimal.Decimal(1) / decimal.Decimal(7), decimal.Decimal("0.1") + decimal.Decimal("0.2"))

libc = ctypes.CDLL("libc.so.6")
buf = ctypes.create_string_buffer(32)
libc.snprintf(buf, 32, b"%d-%s", 42, b"ctypes")
print("ctypes", libc.strlen(b"elfuse"), libc.abs(-5), buf.value.decode())

results = [0] * 4
lock = threading.Lock()
counter = [0]
def work(i):
    results[i] = sum(range(i * 1000))
    for _ in range(1000):
        with lock:
            counter[0] += 1
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print("threads", results, counter[0])

print("subprocess", subprocess.run(["echo", "from", "echo"], capture_output=True, text=True).stdout.strip(),
      subprocess.check_output("printf %s $((6*7))", shell=True).decode(),
      subprocess.run(["sh", "-c", "exit 3"]).returncode)

def square(x):
    return x * x

def child(q):
    q.put(sum(range(101)))

with multiprocessing.Pool(2) as pool:
    print("pool", pool.map(square, range(6)))
q = multiprocessing.Queue()
p = multiprocessing.Process(target=child, args=(q,))
p.start()
print("process", q.get(), end=" ")
p.join()
print(p.exitcode)

async def job(n, delay):
    await asyncio.sleep(delay)
    return n * 10
async def main():
    return await asyncio.gather(job(1, 0.03), job(2, 0.01), job(3, 0.02))
print("asyncio", asyncio.run(main()))
"#;

#[test]
fn python3_stdlib_modules() {
    let want = r#"{"a": "\u00e9", "b": [1, 2.5, null, true]}
z
sqlite (45, 10, 9)
ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
d41d8cd98f00b204e9800998ecf8427e fc36c25e6f90
ssl True True True
decimal 0.142857142857142857142857142857 0.3
ctypes 6 5 42-ctypes
threads [0, 499500, 1999000, 4498500] 4000
subprocess from echo 42 3
pool [0, 1, 4, 9, 16, 25]
process 5050 0
asyncio [10, 20, 30]
"#;
    // qemu -L and the host's python3 print the same.
    let root = debian();
    let tmp = GuestTmp::new(&root, "python3");
    expect_in_root(&root, &tmp.guest, &[], &["python3", "-c", PYTHON], b"", want, 0);
}

/// multiprocessing's shared state: a Queue (POSIX semaphores: sem_open,
/// then sem_unlink, then fork), a Value under a Lock that three processes
/// increment, and an Array a child writes (MAP_SHARED memory a fork child
/// must share).
const PYTHON_SHARED: &str = r#"
import multiprocessing as m

def work(v, lock, n):
    for _ in range(n):
        with lock:
            v.value += 1

q = m.Queue()
p = m.Process(target=q.put, args=(42,))
p.start()
print("queue", q.get(), end=" ")
p.join()
print(p.exitcode)
v = m.Value("i", 0)
lock = m.Lock()
ps = [m.Process(target=work, args=(v, lock, 200)) for _ in range(3)]
for p in ps:
    p.start()
for p in ps:
    p.join()
print("value", v.value)
a = m.Array("d", 4)
p = m.Process(target=a.__setitem__, args=(2, 1.5))
p.start()
p.join()
print("array", list(a))
"#;

#[test]
fn python3_multiprocessing_shared_memory() {
    // The host's python3 prints the same.
    let root = debian();
    let tmp = GuestTmp::new(&root, "python3-mp");
    let want = "queue 42 0\nvalue 600\narray [0.0, 0.0, 1.5, 0.0]\n";
    expect_in_root(&root, &tmp.guest, &[], &["python3", "-c", PYTHON_SHARED], b"", want, 0);
}

#[test]
fn perl_regexes_xs_modules_fork() {
    let s = r#"use strict; use warnings;
use List::Util qw(sum max first);
use POSIX qw(floor);
my $s = "2024-02-29 key=value other=thing n=42";
my %h = $s =~ /(\w+)=(\w+)/g;
print join(",", map { "$_:$h{$_}" } sort keys %h), "\n";
print "date $3/$2/$1\n" if $s =~ /^(\d{4})-(\d\d)-(\d\d)/;
(my $t = "aaa bb c") =~ s/(\w+)/length($1) * 2/ge;
print "$t\n";
my @w = split /\s*,\s*/, "x , y,z ,  w";
print scalar(@w), " [@w]\n";
(my $u = "hello perl world") =~ s/\b(\w)/\U$1/g;
print "$u\n";
print "named $+{word}\n" if "say hi!" =~ /(?<word>h\w+)/;
my @n = sort { $a <=> $b } (10, 9, 100, -1);
print "@n sum=", sum(@n), " max=", max(@n), " first>9=", first { $_ > 9 } @n; print "\n";
printf "%.4f %d\n", atan2(1, 1) * 4, floor(-2.5);
pipe(my $r, my $w) or die "pipe: $!";
my $pid = fork() // die "fork: $!";
if ($pid == 0) {
    close $r;
    print $w "child says ", join("-", map { $_ ** 2 } 1 .. 4), "\n";
    close $w;
    exit 7;
}
close $w;
my $line = <$r>;
waitpid($pid, 0);
print "parent got: $line";
print "child status: ", $? >> 8, "\n";
my $out = `echo backticks`;
print "qx: $out";
"#;
    let want = "key:value,n:42,other:thing\ndate 29/02/2024\n6 4 2\n4 [x y z w]\nHello Perl World\nnamed hi\n\
                -1 9 10 100 sum=118 max=100 first>9=10\n3.1416 -3\n\
                parent got: child says 1-4-9-16\nchild status: 7\nqx: backticks\n";
    // qemu -L agrees.
    let root = debian();
    let tmp = GuestTmp::new(&root, "perl");
    expect_in_root(&root, &tmp.guest, &[], &["perl", "-e", s], b"", want, 0);
}

#[test]
fn sqlite3_file_database() {
    let s = r#"set -e
sqlite3 test.db "create table t (id integer primary key, name text, n real);
  insert into t (name, n) values ('a', 1.5), ('b', 2.25), ('c', NULL); create index t_name on t(name);"
sqlite3 test.db "select id, name, n from t order by id; select count(*), total(n), group_concat(name, '+') from t;
  pragma journal_mode=wal;"
printf "update t set n = 10 where name = 'c';\n.mode csv\n.headers on\nselect * from t where n > 2 order by name;\n" |
  sqlite3 test.db
sqlite3 -line test.db "select sqlite_version() like '3.%' as v3, (select count(*) from sqlite_master) as objects"
head -c 15 test.db; echo
ls
"#;
    let want =
        "1|a|1.5\n2|b|2.25\n3|c|\n3|3.75|a+b+c\nwal\nid,name,n\r\n2,b,2.25\r\n3,c,10.0\r\n     v3 = 1\nobjects = 2\n\
                SQLite format 3\ntest.db\n";
    // Each sqlite3 run checked under qemu -L.
    script("/bin/sh", "sqlite3", &[], s, want);
}

#[test]
fn git_init_add_commit_log_diff() {
    let s = r#"
export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL=author@example.com
export GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL=committer@example.com
export GIT_AUTHOR_DATE='2024-01-02T03:04:05+0000' GIT_COMMITTER_DATE='2024-01-02T03:04:05+0000'
export GIT_CONFIG_NOSYSTEM=1 GIT_PAGER=cat
git init -q -b main repo && cd repo || exit 1
printf 'one\ntwo\nthree\n' > f.txt
mkdir sub && echo nested > sub/g.txt
git add f.txt sub
git commit -q -m 'first commit'
printf 'one\n2\nthree\nfour\n' > f.txt
git rm -q sub/g.txt
export GIT_AUTHOR_DATE='2024-01-03T00:00:00+0000' GIT_COMMITTER_DATE='2024-01-03T00:00:00+0000'
git commit -q -am 'second commit'
echo untracked > new.txt
git log --format='%H %an <%ae> %ad %s' --date=iso-strict
git diff HEAD~1 HEAD
git status --short
git ls-files
git rev-parse HEAD^{tree}
git cat-file -p HEAD~1:sub/g.txt
"#;
    let want =
        "b69c2d342e8c52bf9f2942dc6d7fa9047585c97b A U Thor <author@example.com> 2024-01-03T00:00:00+00:00 second commit
a6aee33db254198d070803ca01371163f88e6058 A U Thor <author@example.com> 2024-01-02T03:04:05+00:00 first commit
diff --git a/f.txt b/f.txt
index 4cb29ea..ea14db2 100644
--- a/f.txt
+++ b/f.txt
@@ -1,3 +1,4 @@
 one
-two
+2
 three
+four
diff --git a/sub/g.txt b/sub/g.txt
deleted file mode 100644
index 79c5395..0000000
--- a/sub/g.txt
+++ /dev/null
@@ -1 +0,0 @@
-nested
?? new.txt
f.txt
b0ae89ab556dc2661ad6a90faf6363ee014fe126
nested
";
    // The host's git and the root's git under qemu -L (one git command at a
    // time) print the same.
    script("/bin/bash", "git", &[], s, want);
}

#[test]
fn file_identifies_types() {
    let s = r#"set -e
file -b /bin/bash | sed 's/BuildID\[sha1\]=[0-9a-f]*, //'
file /etc/passwd
file -b /bin/sh
printf '#!/bin/sh\necho hi\n' > s.sh
printf '{"a": 1}\n' > j.json
file -b s.sh
file -b --mime-type j.json s.sh
"#;
    let want = "ELF 64-bit LSB pie executable, ARM aarch64, version 1 (SYSV), dynamically linked, \
                interpreter /lib/ld-linux-aarch64.so.1, for GNU/Linux 3.7.0, stripped\n\
                /etc/passwd: ASCII text\nsymbolic link to dash\nPOSIX shell script, ASCII text executable\n\
                application/json\ntext/x-shellscript\n";
    // qemu -L agrees.
    script("/bin/sh", "file", &[], s, want);
}

/// A small tree for rg and fd: matches at several depths, a directory the
/// `.ignore` file excludes, a hidden file.
fn search_tree(root: &std::path::Path, name: &str) -> GuestTmp {
    let tmp = GuestTmp::new(root, name);
    let h = &tmp.host;
    for d in ["a/b/c", "skipped", "d"] {
        std::fs::create_dir_all(h.join(d)).unwrap();
    }
    for (f, text) in [
        ("a/f1.txt", "alpha\nneedle one\nbeta\n"),
        ("a/b/f2.txt", "no match here\n"),
        ("a/b/c/f3.txt", "x\ny\nNEEDLE two\nneedle three\n"),
        ("skipped/f4.txt", "needle hidden\n"),
        ("d/code.rs", "fn needle() {}\n"),
        (".ignore", "skipped/\n"),
        (".hidden.txt", "needle in dotfile\n"),
    ] {
        std::fs::write(h.join(f), text).unwrap();
    }
    tmp
}

#[test]
fn ripgrep_parallel_search() {
    let root = debian();
    let tmp = search_tree(&root, "rg");
    let s = r#"
rg -j8 -n needle </dev/null | sort
echo ---
rg -j8 -i -c needle </dev/null | sort
echo ---
rg -j8 --files </dev/null | sort
echo ---
rg -j8 -t rust -o 'fn \w+' </dev/null; echo "rc=$?"
rg -j8 nosuchthing </dev/null; echo "rc=$?"
"#;
    let want = "a/b/c/f3.txt:4:needle three\na/f1.txt:2:needle one\nd/code.rs:1:fn needle() {}\n---\n\
                a/b/c/f3.txt:2\na/f1.txt:1\nd/code.rs:1\n---\n\
                a/b/c/f3.txt\na/b/f2.txt\na/f1.txt\nd/code.rs\n---\n\
                d/code.rs:fn needle\nrc=0\nrc=1\n";
    // Each rg run checked under qemu -L (ripgrep 13.0.0).
    expect_in_root(&root, &tmp.guest, &[], &["/bin/sh", "-c", s], b"", want, 0);
}

#[test]
fn fd_find() {
    let root = debian();
    let tmp = search_tree(&root, "fd");
    let s = r#"
fd -e txt | sort
echo ---
fd -t d | sort
echo ---
fd '^f[0-9]' a | sort
echo ---
fd -H -I -t f | sort
"#;
    // fd 8.6 prints directories with a trailing slash.
    let want = "a/b/c/f3.txt\na/b/f2.txt\na/f1.txt\n---\na/\na/b/\na/b/c/\nd/\n---\n\
                a/b/c/f3.txt\na/b/f2.txt\na/f1.txt\n---\n\
                .hidden.txt\n.ignore\na/b/c/f3.txt\na/b/f2.txt\na/f1.txt\nd/code.rs\nskipped/f4.txt\n";
    // Each fdfind run checked under qemu -L.
    expect_in_root(&root, &tmp.guest, &[], &["/bin/sh", "-c", s], b"", want, 0);
}

#[test]
fn make_builds_a_makefile() {
    let root = debian();
    let tmp = GuestTmp::new(&root, "make");
    let makefile = "SRCS := one.txt two.txt
OUTS := $(SRCS:.txt=.up)
all: joined.txt
\t@echo \"built $(words $(OUTS)) parts: $(OUTS)\"
\t@cat joined.txt
%.up: %.txt
\ttr a-z A-Z < $< > $@
joined.txt: $(OUTS)
\tcat $^ > $@
one.txt:
\tprintf 'first line\\n' > $@
two.txt:
\techo \"second line, shell $$((6 * 7))\" > $@
clean:
\trm -f *.up joined.txt one.txt two.txt
.PHONY: all clean
.SECONDARY:
";
    std::fs::write(tmp.host.join("Makefile"), makefile).unwrap();
    let s = "make; echo \"rc=$?\"; make; make clean; make -j2 -s; ls";
    let want = "printf 'first line\\n' > one.txt
tr a-z A-Z < one.txt > one.up
echo \"second line, shell $((6 * 7))\" > two.txt
tr a-z A-Z < two.txt > two.up
cat one.up two.up > joined.txt
built 2 parts: one.up two.up
FIRST LINE
SECOND LINE, SHELL 42
rc=0
built 2 parts: one.up two.up
FIRST LINE
SECOND LINE, SHELL 42
rm -f *.up joined.txt one.txt two.txt
built 2 parts: one.up two.up
FIRST LINE
SECOND LINE, SHELL 42
Makefile
joined.txt
one.txt
one.up
two.txt
two.up
";
    // The host's GNU Make 4.3 (the root's version) prints the same.
    expect_in_root(&root, &tmp.guest, &[], &["/bin/sh", "-c", s], b"", want, 0);
}

#[test]
fn gcc_compiles_links_and_runs_hello() {
    let root = debian();
    let tmp = GuestTmp::new(&root, "gcc");
    let hello = r#"#include <math.h>
#include <stdio.h>

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char **argv) {
    printf("hello from gcc inside elfuse: fib(20)=%d sqrt(2)=%.6f argc=%d\n", fib(20), sqrt(2.0), argc);
    return 0;
}
"#;
    std::fs::write(tmp.host.join("hello.c"), hello).unwrap();
    // gcc runs cc1, as and collect2 -> ld, each through execve.
    let s = r#"set -e
gcc -O2 -Wall -o hello hello.c -lm
./hello a b
gcc -c -o hello.o hello.c
cc -o hello2 hello.o -lm
./hello2
file -b hello | cut -d, -f1-2
"#;
    let want = "hello from gcc inside elfuse: fib(20)=6765 sqrt(2)=1.414214 argc=3\n\
                hello from gcc inside elfuse: fib(20)=6765 sqrt(2)=1.414214 argc=1\n\
                ELF 64-bit LSB pie executable, ARM aarch64\n";
    // The root's cc1, as and ld run one by one under qemu -L build a
    // program that prints this line.
    expect_in_root(&root, &tmp.guest, &[], &["/bin/sh", "-c", s], b"", want, 0);
}

/// procps, sysvinit-utils and python read elfuse's synthetic /proc: only the
/// guest's own processes, Linux formats, the fd that lists /proc/self/fd.
#[test]
fn proc_tools_see_the_guest_world() {
    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get());
    let s = r#"
ps -o comm=
free | head -n 1 | tr -s ' '
uptime | grep -c 'load average'
top -bn1 | head -n 1 | cut -c1-6
sleep 3 & p=$!
[ "$(pidof sleep)" = "$p" ] && echo "pidof finds the sleeping child"
kill $p; wait $p; echo "killed: $?"
readlink /proc/self/exe
readlink /proc/$$/exe
find /proc/self -maxdepth 2 2>&1 >/dev/null | wc -l
echo "nproc=$(nproc)"
python3 -c 'import os; print(sorted(os.listdir("/proc/self/fd")), os.cpu_count())'
"#;
    let want = format!(
        "bash\nps\n total used free shared buff/cache available\n1\ntop - \npidof finds the sleeping child\n\
         killed: 143\n/usr/bin/readlink\n/usr/bin/bash\n0\nnproc={ncpu}\n['0', '1', '2', '3'] {ncpu}\n"
    );
    script("bash", "proc", &["TERM=dumb"], s, &want);
}

/// util-linux `script` runs a command on a new pty, waiting for the child's
/// SIGCHLD through a signalfd in its poll loop: the command sees a
/// /dev/pts terminal, and its output comes back through the pty (CRLF).
#[test]
fn script_runs_a_command_on_a_pty() {
    let root = debian();
    let o = run_in_root(&root, "/", &["TERM=dumb"], &["/usr/bin/script", "-qec", "tty; echo in-pty", "/dev/null"], b"");
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(status(&o), 0, "stdout:\n{out}\nstderr:\n{err}");
    let (tty, rest) = out.split_once("\r\n").unwrap_or_else(|| panic!("no CRLF line in {out:?}; stderr:\n{err}"));
    let n = tty.strip_prefix("/dev/pts/").unwrap_or_else(|| panic!("tty printed {tty:?}"));
    assert!(!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()), "tty printed {tty:?}");
    assert_eq!(rest, "in-pty\r\n", "after the tty line; stderr:\n{err}");
}
