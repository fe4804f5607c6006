//! The registry of the instance tree's guest processes: each one writes a
//! small record `pids/<pid>` in the instance directory when it starts, when
//! it execs and when its name changes, and removes it when it ends. Other
//! processes' `/proc/<pid>` entries are built from these records (what a
//! guest process cannot know about another: its memory and CPU time, shown
//! as zero).
//!
//! Record format: `ppid\nuid\ngid\nstart_ticks\nthreads\ncomm\nexe\n`
//! followed by the raw cmdline (NUL-separated arguments).

use crate::process::Process;

/// What one guest process published about itself.
#[derive(Clone, Debug, Default)]
pub struct Record {
    /// Process id.
    pub pid: i32,
    /// Parent process id.
    pub ppid: i32,
    /// Real uid.
    pub uid: u32,
    /// Real gid.
    pub gid: u32,
    /// Start time, in clock ticks since boot.
    pub start_ticks: u64,
    /// Thread count when published.
    pub threads: u64,
    /// Command name (`comm`).
    pub comm: String,
    /// Guest path of the program.
    pub exe: String,
    /// argv, NUL-separated (as /proc/<pid>/cmdline).
    pub cmdline: Vec<u8>,
}

/// Publish (or refresh) this process's record.
pub fn publish(p: &Process) {
    let Some(dir) = super::instance::pids_dir() else { return };
    let comm = super::pid::comm_str(p).replace('\n', "?");
    let cmdline = super::pid::cmdline(p);
    let mut out = format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}\n",
        super::pid::ppid(),
        p.cred.uid[0],
        p.cred.gid[0],
        super::info::start_ticks(p),
        p.threads.len().max(1),
        comm,
        p.exe.replace('\n', "?")
    )
    .into_bytes();
    out.extend_from_slice(&cmdline);
    let pid = p.pid();
    let tmp = dir.join(format!(".{pid}.tmp"));
    if std::fs::write(&tmp, &out).is_ok() {
        let _ = std::fs::rename(&tmp, dir.join(pid.to_string()));
    }
}

/// Whether host process `pid` still exists.
fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn parse(pid: i32, b: &[u8]) -> Option<Record> {
    let mut it = b.splitn(8, |&c| c == b'\n');
    let mut next = || it.next().map(|s| String::from_utf8_lossy(s).into_owned());
    let ppid = next()?.parse().ok()?;
    let uid = next()?.parse().ok()?;
    let gid = next()?.parse().ok()?;
    let start_ticks = next()?.parse().ok()?;
    let threads = next()?.parse().ok()?;
    let comm = next()?;
    let exe = next()?;
    let cmdline = b.splitn(8, |&c| c == b'\n').nth(7).unwrap_or_default().to_vec();
    Some(Record { pid, ppid, uid, gid, start_ticks, threads, comm, exe, cmdline })
}

/// The record of live guest process `pid`, if it published one.
pub fn get(pid: i32) -> Option<Record> {
    let dir = super::instance::pids_dir()?;
    let path = dir.join(pid.to_string());
    let b = std::fs::read(&path).ok()?;
    if !alive(pid) {
        let _ = std::fs::remove_file(&path);
        return None;
    }
    parse(pid, &b)
}

/// The pids of every live guest process of the instance tree, sorted.
pub fn pids() -> Vec<i32> {
    let Some(dir) = super::instance::pids_dir() else { return Vec::new() };
    let Ok(rd) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut v: Vec<i32> = rd
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| {
            let ok = alive(pid);
            if !ok {
                let _ = std::fs::remove_file(dir.join(pid.to_string()));
            }
            ok
        })
        .collect();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn record_round_trip() {
        let r = super::parse(7, b"1\n1000\n1000\n42\n2\nsh\n/bin/sh\nsh\0-c\0echo\nhi\0").unwrap();
        assert_eq!((r.ppid, r.uid, r.start_ticks, r.threads), (1, 1000, 42, 2));
        assert_eq!((r.comm.as_str(), r.exe.as_str()), ("sh", "/bin/sh"));
        assert_eq!(r.cmdline, b"sh\0-c\0echo\nhi\0");
    }
}
