//! The Alpine-like root `make sysroot` assembles (tests/sysroot/alpine.sh):
//! static busybox as /bin/sh and its applets, and the musl-linked programs
//! of tests/guest/musl, which the kernel would start through their
//! PT_INTERP /lib/ld-musl-aarch64.so.1. Expected outputs are Linux's; each
//! was checked with qemu-aarch64-static -L tests/sysroot/alpine.

mod common;
use common::*;

fn alpine() -> std::path::PathBuf {
    sysroot("alpine")
}

fn in_alpine(name: &str, args: &[&str], want: &str, code: i32) {
    let root = alpine();
    let tmp = GuestTmp::new(&root, name);
    expect_in_root(&root, &tmp.guest, &[], args, b"", want, code);
}

#[test]
fn busybox_sh_script() {
    let s = r#"set -e
echo "machine $(uname -m)"
test -x /lib/ld-musl-aarch64.so.1 && echo "musl loader present"
cut -d: -f1,7 /etc/passwd | head -n 2
for i in 1 2 3; do echo "line $i"; done > f.txt
wc -l < f.txt
grep -c line f.txt
sed -n 's/line /L/p' f.txt | tr '\n' ' '; echo
x=0; while [ $x -lt 1000 ]; do x=$((x+1)); done; echo "counted $x"
echo "sum $(( $(seq -s + 1 100) ))"
printf '%s\n' c a b | sort -r | paste -sd, -
ls -a | sort | tr '\n' ' '; echo
awk 'BEGIN { printf "%.3f\n", 2/3 }'
echo abc | sha256sum
(cd /etc && pwd)
"#;
    let want = "machine aarch64\nmusl loader present\nroot:/bin/sh\nbin:/sbin/nologin\n3\n3\nL1 L2 L3 \n\
                counted 1000\nsum 5050\nc,b,a\n. .. f.txt \n0.667\n\
                edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb  -\n/etc\n";
    in_alpine("sh", &["/bin/sh", "-c", s], want, 0);
}

#[test]
fn musl_hello() {
    let want = "hello from musl\nargv[1]=x\nargv[2]=y z\nHOME=/root\nmachine=aarch64\n-7 0 3 19 42 100\n\
                sqrt(2)=1.414213562\nstrtod=602.210\n";
    in_alpine("hello", &["/usr/local/bin/hello", "x", "y z"], want, 0);
}

#[test]
fn musl_hello_exit_status() {
    let want = "hello from musl\nargv[1]=fail\nHOME=/root\nmachine=aarch64\n-7 0 3 19 42 100\n\
                sqrt(2)=1.414213562\nstrtod=602.210\n";
    in_alpine("hello-fail", &["hello", "fail"], want, 3);
}

#[test]
fn musl_threads_and_tls() {
    let want = "thread 0: 100000\nthread 1: 200000\nthread 2: 300000\nthread 3: 400000\ntotal=1000000 main tls=-1\n";
    in_alpine("threads", &["/usr/local/bin/threads"], want, 0);
}

#[test]
fn musl_shared_library_dlopen_fork_exec() {
    let want = "greetings, linker (call 1)\ngreetings, dlsym (call 2)\nsame instance: yes, calls=2\n\
                child ran echo\nchild exit=0\n";
    in_alpine("dyn", &["/usr/local/bin/dyn"], want, 0);
}

#[test]
fn sh_pipeline_of_musl_programs() {
    let s = "hello a b | grep -c '='; threads | tail -n 1; dyn | sed -n 's/^greetings, //p'; hello fail >/dev/null; \
             echo \"status $?\"";
    let want = "6\ntotal=1000000 main tls=-1\nlinker (call 1)\ndlsym (call 2)\nstatus 3\n";
    in_alpine("pipeline", &["/bin/sh", "-c", s], want, 0);
}
