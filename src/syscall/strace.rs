//! `--strace`: each syscall printed to stderr in strace's format, e.g.
//! `openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3` or
//! `openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)`.

use super::table::Entry;
use super::{Args, Flow};
use crate::abi::errno::Errno;
use crate::abi::fcntl;
use crate::abi::mman;
use crate::process::Process;

/// How an argument is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Signed decimal.
    Int,
    /// Unsigned decimal.
    UInt,
    /// Hexadecimal.
    Hex,
    /// Pointer: NULL or hex.
    Ptr,
    /// File descriptor.
    Fd,
    /// Directory fd of a `*at` call (AT_FDCWD).
    DirFd,
    /// NUL-terminated path, read before the call.
    Path,
    /// open(2) flags.
    OpenFlags,
    /// Octal mode.
    Oct,
    /// Input buffer whose length is argument `n`.
    InBuf(usize),
    /// Output buffer whose length is the return value.
    OutBuf,
    /// Output C string (getcwd).
    OutStr,
    /// lseek whence.
    Whence,
    /// Clock id.
    Clock,
    /// Signal number.
    Signal,
    /// mmap/mprotect protection.
    Prot,
    /// mmap flags.
    MapFlags,
    /// Socket address family.
    Family,
    /// Socket type with SOCK_NONBLOCK/SOCK_CLOEXEC.
    SockType,
    /// Input socket address whose length is argument `n`.
    SockAddr(usize),
    /// Output socket address whose length pointer is argument `n`.
    SockAddrOut(usize),
    /// MSG_* flags.
    MsgFlags,
    /// Socket option level.
    SockLevel,
    /// Socket option name (its level is argument `n`).
    SockOpt(usize),
    /// shutdown(2) how.
    Shutdown,
}

/// How the return value is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    /// Decimal.
    Int,
    /// Hex (addresses).
    Hex,
}

const MAX_STR: usize = 32;

/// Quote bytes as strace does (C escapes, `...` past 32 bytes).
pub fn quote(b: &[u8], more: bool) -> String {
    let mut s = String::from("\"");
    for &c in b.iter().take(MAX_STR) {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\{c:o}")),
        }
    }
    s.push('"');
    if more || b.len() > MAX_STR {
        s.push_str("...");
    }
    s
}

fn flags(v: u64, names: &[(u64, &str)], zero: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = v;
    for &(bit, name) in names {
        if bit != 0 && rest & bit == bit {
            parts.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    if parts.is_empty() {
        zero.to_string()
    } else {
        parts.join("|")
    }
}

fn open_flags(v: u32) -> String {
    let acc = match v & fcntl::O_ACCMODE {
        fcntl::O_RDONLY => "O_RDONLY",
        fcntl::O_WRONLY => "O_WRONLY",
        fcntl::O_RDWR => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let names: Vec<(u64, &str)> = fcntl::OPEN_FLAG_NAMES.iter().map(|&(b, n)| (u64::from(b), n)).collect();
    let rest = flags(u64::from(v & !fcntl::O_ACCMODE), &names, "");
    if rest.is_empty() {
        acc.to_string()
    } else {
        format!("{acc}|{rest}")
    }
}

fn ptr(v: u64) -> String {
    if v == 0 {
        "NULL".into()
    } else {
        format!("{v:#x}")
    }
}

fn fmt_arg(p: &Process, a: Arg, args: &Args, i: usize, ret: Option<i64>) -> String {
    let v = args.u(i);
    match a {
        Arg::Int => (v as i64).to_string(),
        Arg::UInt => v.to_string(),
        Arg::Hex => format!("{v:#x}"),
        Arg::Ptr => ptr(v),
        Arg::Fd => args.int(i).to_string(),
        Arg::DirFd => {
            if args.int(i) == i64::from(fcntl::AT_FDCWD) {
                "AT_FDCWD".into()
            } else {
                args.int(i).to_string()
            }
        }
        Arg::Path => match p.mm.read_cstr(v, 4096) {
            Ok(s) => quote(&s, false),
            Err(_) => ptr(v),
        },
        Arg::OpenFlags => open_flags(args.uint(i)),
        Arg::Oct => format!("{:#o}", args.uint(i)),
        Arg::InBuf(n) => {
            let len = (args.u(n) as usize).min(MAX_STR);
            let mut b = vec![0u8; len];
            match p.mm.read(v, &mut b) {
                Ok(()) => quote(&b, args.u(n) as usize > MAX_STR),
                Err(_) => ptr(v),
            }
        }
        Arg::OutBuf => match ret {
            Some(r) if r >= 0 => {
                let len = (r as usize).min(MAX_STR);
                let mut b = vec![0u8; len];
                match p.mm.read(v, &mut b) {
                    Ok(()) => quote(&b, r as usize > MAX_STR),
                    Err(_) => ptr(v),
                }
            }
            _ => ptr(v),
        },
        Arg::OutStr => match ret {
            Some(r) if r >= 0 => p.mm.read_cstr(v, 4096).map_or_else(|_| ptr(v), |s| quote(&s, false)),
            _ => ptr(v),
        },
        Arg::Whence => match args.uint(i) {
            fcntl::SEEK_SET => "SEEK_SET".into(),
            fcntl::SEEK_CUR => "SEEK_CUR".into(),
            fcntl::SEEK_END => "SEEK_END".into(),
            w => w.to_string(),
        },
        Arg::Clock => {
            const N: [&str; 12] = [
                "CLOCK_REALTIME",
                "CLOCK_MONOTONIC",
                "CLOCK_PROCESS_CPUTIME_ID",
                "CLOCK_THREAD_CPUTIME_ID",
                "CLOCK_MONOTONIC_RAW",
                "CLOCK_REALTIME_COARSE",
                "CLOCK_MONOTONIC_COARSE",
                "CLOCK_BOOTTIME",
                "CLOCK_REALTIME_ALARM",
                "CLOCK_BOOTTIME_ALARM",
                "10",
                "CLOCK_TAI",
            ];
            N.get(v as usize).map_or_else(|| (v as i64).to_string(), |s| s.to_string())
        }
        Arg::Signal => {
            let s = args.int(i) as i32;
            if (1..32).contains(&s) {
                crate::abi::signal::name(s).into()
            } else {
                s.to_string()
            }
        }
        Arg::Prot => flags(
            v,
            &[(mman::PROT_READ, "PROT_READ"), (mman::PROT_WRITE, "PROT_WRITE"), (mman::PROT_EXEC, "PROT_EXEC")],
            "PROT_NONE",
        ),
        Arg::Family => crate::abi::socket::family_name(v).map_or_else(|| args.int(i).to_string(), str::to_string),
        Arg::SockType => crate::abi::socket::type_name(args.uint(i)),
        Arg::SockAddr(n) => read_sockaddr(p, v, args.u(n)),
        Arg::SockAddrOut(n) => match (ret, p.mm.read_u64(args.u(n))) {
            (Some(r), Ok(l)) if r >= 0 && v != 0 => read_sockaddr(p, v, l & 0xffff_ffff),
            _ => ptr(v),
        },
        Arg::MsgFlags => {
            let names: Vec<(u64, &str)> =
                crate::abi::socket::MSG_NAMES.iter().map(|&(b, n)| (u64::from(b), n)).collect();
            flags(u64::from(args.uint(i)), &names, "0")
        }
        Arg::SockLevel => {
            crate::abi::socket::level_name(args.int(i) as i32).map_or_else(|| args.int(i).to_string(), str::to_string)
        }
        Arg::SockOpt(n) => {
            let o = args.int(i) as i32;
            match args.int(n) as i32 {
                crate::abi::socket::SOL_SOCKET => crate::abi::socket::so_name(o).map(str::to_string),
                _ => None,
            }
            .unwrap_or_else(|| o.to_string())
        }
        Arg::Shutdown => match args.uint(i) {
            0 => "SHUT_RD".into(),
            1 => "SHUT_WR".into(),
            2 => "SHUT_RDWR".into(),
            w => w.to_string(),
        },
        Arg::MapFlags => {
            let ty = match v & mman::MAP_TYPE {
                mman::MAP_SHARED => "MAP_SHARED",
                mman::MAP_PRIVATE => "MAP_PRIVATE",
                mman::MAP_SHARED_VALIDATE => "MAP_SHARED_VALIDATE",
                _ => "0",
            };
            let rest = flags(
                v & !mman::MAP_TYPE,
                &[
                    (mman::MAP_FIXED, "MAP_FIXED"),
                    (mman::MAP_ANONYMOUS, "MAP_ANONYMOUS"),
                    (mman::MAP_NORESERVE, "MAP_NORESERVE"),
                    (mman::MAP_STACK, "MAP_STACK"),
                    (mman::MAP_DENYWRITE, "MAP_DENYWRITE"),
                    (mman::MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"),
                    (mman::MAP_POPULATE, "MAP_POPULATE"),
                    (mman::MAP_GROWSDOWN, "MAP_GROWSDOWN"),
                ],
                "",
            );
            if rest.is_empty() {
                ty.to_string()
            } else {
                format!("{ty}|{rest}")
            }
        }
    }
}

/// A Linux socket address as strace shows it.
fn sockaddr(b: &[u8]) -> String {
    use crate::abi::socket as so;
    if b.len() < 2 {
        return "{}".into();
    }
    let fam = u16::from_le_bytes([b[0], b[1]]);
    let fname = so::family_name(u64::from(fam)).map_or_else(|| fam.to_string(), str::to_string);
    match fam {
        so::AF_INET if b.len() >= 16 => format!(
            "{{sa_family=AF_INET, sin_port=htons({}), sin_addr=inet_addr(\"{}.{}.{}.{}\")}}",
            u16::from_be_bytes([b[2], b[3]]),
            b[4],
            b[5],
            b[6],
            b[7]
        ),
        so::AF_INET6 if b.len() >= 24 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[8..24]);
            format!(
                "{{sa_family=AF_INET6, sin6_port=htons({}), sin6_addr=inet_pton(\"{}\")}}",
                u16::from_be_bytes([b[2], b[3]]),
                std::net::Ipv6Addr::from(a)
            )
        }
        so::AF_UNIX if b.len() > 2 && b[2] == 0 => {
            format!("{{sa_family=AF_UNIX, sun_path=@{}}}", quote(&b[3..], false))
        }
        so::AF_UNIX if b.len() > 2 => {
            let path: Vec<u8> = b[2..].iter().copied().take_while(|&c| c != 0).collect();
            format!("{{sa_family=AF_UNIX, sun_path={}}}", quote(&path, false))
        }
        _ => format!("{{sa_family={fname}}}"),
    }
}

fn read_sockaddr(p: &Process, v: u64, len: u64) -> String {
    let mut b = vec![0u8; (len as usize).min(128)];
    match p.mm.read(v, &mut b) {
        Ok(()) if v != 0 => sockaddr(&b),
        _ => ptr(v),
    }
}

/// Arguments formatted before the call (input strings may change).
pub type Pre = Vec<Option<String>>;

/// Format the input arguments before the handler runs.
pub fn format_call_pre(p: &Process, _nr: u64, entry: Option<&Entry>, args: &Args) -> Pre {
    let Some(e) = entry else { return Vec::new() };
    e.args
        .iter()
        .enumerate()
        .map(|(i, &a)| match a {
            Arg::Path | Arg::InBuf(_) | Arg::SockAddr(_) => Some(fmt_arg(p, a, args, i, None)),
            _ => None,
        })
        .collect()
}

/// Print the complete line after the call.
pub fn print_result(
    p: &Process,
    nr: u64,
    entry: Option<&Entry>,
    args: &Args,
    pre: Pre,
    flow: &Flow,
    result: Result<u64, Errno>,
) {
    let ret = result.ok().map(|v| v as i64);
    let (name, body) = match entry {
        Some(e) if e.handler.is_some() => {
            let parts: Vec<String> = e
                .args
                .iter()
                .enumerate()
                .map(|(i, &a)| pre.get(i).cloned().flatten().unwrap_or_else(|| fmt_arg(p, a, args, i, ret)))
                .collect();
            (e.name.to_string(), parts.join(", "))
        }
        other => {
            let name = other.map_or_else(|| format!("syscall_{nr:#x}"), |e| e.name.to_string());
            let parts: Vec<String> = args.0.iter().take(6).map(|v| format!("{v:#x}")).collect();
            (name, parts.join(", "))
        }
    };
    let tail = match (flow, result) {
        (Flow::ExitThread(_) | Flow::ExitGroup(_) | Flow::Resume, _) => "?".to_string(),
        (Flow::Exec, _) => "0".to_string(),
        (Flow::Killed(sig), _) => format!("? <killed by {}>", crate::abi::signal::name(*sig)),
        (_, Err(e)) => format!("-1 {} ({})", e.name(), e.message()),
        (_, Ok(v)) => match entry.map(|e| e.ret) {
            Some(Ret::Hex) => format!("{v:#x}"),
            _ => (v as i64).to_string(),
        },
    };
    eprintln!("{name}({body}) = {tail}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_flags() {
        assert_eq!(quote(b"hi\n", false), "\"hi\\n\"");
        assert_eq!(quote(&[b'a'; 40], false), format!("\"{}\"...", "a".repeat(32)));
        assert_eq!(open_flags(0), "O_RDONLY");
        assert_eq!(open_flags(fcntl::O_WRONLY | fcntl::O_CREAT | fcntl::O_CLOEXEC), "O_WRONLY|O_CREAT|O_CLOEXEC");
        assert_eq!(open_flags(fcntl::O_RDONLY | fcntl::O_DIRECTORY), "O_RDONLY|O_DIRECTORY");
    }
}
