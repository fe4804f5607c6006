//! Building a program image: what both the first launch and a guest
//! `execve` do (Linux `bprm` + `load_elf_binary`): resolve the program in
//! the guest root, follow `#!` interpreters, load the ELF into a fresh
//! address space, lay out the stack and auxv. Nothing of the old image is
//! touched until the new one is complete.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use crate::abi::errno::Errno;
use crate::fs::FsContext;
use crate::loader::stack::{self, AuxInfo};
use crate::loader::{self, LoadError};
use crate::mem::layout;
use crate::mem::phys::PhysMem;
use crate::mem::space::AddressSpace;
use crate::vcpu::{self, Backend, El1Setup};

/// Linux's limit on `#!` nesting (BINPRM_MAX_RECURSION).
const MAX_INTERP_DEPTH: usize = 4;
/// Linux's limit on the `#!` line (BINPRM_BUF_SIZE).
const SHEBANG_MAX: usize = 256;
/// Total size of argv + envp strings Linux accepts (ARG_MAX with an 8 MiB stack).
pub const ARG_MAX: usize = 2 * 1024 * 1024;

/// A complete new program image, ready to run.
pub struct Image {
    /// Its address space.
    pub mm: AddressSpace,
    /// Guest-physical memory behind it.
    pub phys: Arc<PhysMem>,
    /// Initial registers.
    pub setup: El1Setup,
    /// Guest-visible absolute path of the executable (/proc/self/exe).
    pub exe: String,
    /// Name for /proc/self/comm (basename, 15 bytes).
    pub comm: [u8; 16],
}

/// Why an image could not be built.
#[derive(Debug)]
pub enum ExecError {
    /// A loader error (for the first launch: a one-line message).
    Load(LoadError),
    /// A Linux errno (for execve).
    Errno(Errno),
}

impl ExecError {
    /// The errno execve returns for this failure.
    pub fn errno(&self) -> Errno {
        match self {
            ExecError::Errno(e) => *e,
            ExecError::Load(LoadError::Io(_, e)) => Errno::from_io(e),
            ExecError::Load(LoadError::NoMemory(_)) => Errno::ENOMEM,
            ExecError::Load(_) => Errno::ENOEXEC,
        }
    }
}

fn comm_of(path: &str) -> [u8; 16] {
    let mut c = [0u8; 16];
    let name = path.rsplit('/').next().unwrap_or("").as_bytes();
    let n = name.len().min(15);
    c[..n].copy_from_slice(&name[..n]);
    c
}

fn random16() -> [u8; 16] {
    let mut b = [0u8; 16];
    if !matches!(crate::host::getrandom(&mut b), Ok(16)) {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        b.copy_from_slice(&t.to_le_bytes());
    }
    b
}

/// Parse a `#!` line: (interpreter, optional single argument), as Linux's
/// binfmt_script (the rest of the line after the interpreter is one argument).
fn parse_shebang(head: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let line = head.strip_prefix(b"#!")?;
    let line = &line[..line.iter().position(|&c| c == b'\n').unwrap_or(line.len())];
    let trim = |s: &[u8]| -> Vec<u8> {
        let s = &s[s.iter().position(|c| !matches!(c, b' ' | b'\t')).unwrap_or(s.len())..];
        let end = s.iter().rposition(|c| !matches!(c, b' ' | b'\t' | b'\r')).map_or(0, |e| e + 1);
        s[..end].to_vec()
    };
    let line = trim(line);
    if line.is_empty() {
        return None;
    }
    let split = line.iter().position(|c| matches!(c, b' ' | b'\t'));
    Some(match split {
        None => (line, None),
        Some(i) => {
            let arg = trim(&line[i..]);
            (line[..i].to_vec(), if arg.is_empty() { None } else { Some(arg) })
        }
    })
}

/// Open a guest program for execution: it must exist, be a regular file,
/// and (for a guest execve) be executable: EACCES otherwise, as execve(2)
/// says. elfuse's own first launch, like qemu-user, reads any file.
fn open_program(fs: &FsContext, guest_abs: &str, given: &str, need_x: bool) -> Result<File, ExecError> {
    let host = fs.host_path(guest_abs);
    let file = File::open(&host).map_err(|e| ExecError::Load(LoadError::Io(given.to_string(), e)))?;
    let meta = file.metadata().map_err(|e| ExecError::Load(LoadError::Io(given.to_string(), e)))?;
    use std::os::unix::fs::PermissionsExt;
    if !meta.is_file() || (need_x && meta.permissions().mode() & 0o111 == 0) {
        return Err(ExecError::Load(LoadError::Io(given.to_string(), std::io::Error::from_raw_os_error(libc::EACCES))));
    }
    Ok(file)
}

/// Build the image for running `path` (a guest path, as given) with
/// `argv`/`envp` in the root/cwd of `fs`. `guest_exec`: an execve from the
/// guest (the execute permission is required).
pub fn build(
    fs: &FsContext,
    path: &[u8],
    mut argv: Vec<Vec<u8>>,
    envp: &[Vec<u8>],
    backend: Backend,
    guest_exec: bool,
) -> Result<Image, ExecError> {
    let total: usize = argv.iter().chain(envp.iter()).map(|s| s.len() + 1).sum();
    if total > ARG_MAX {
        return Err(ExecError::Errno(Errno::E2BIG));
    }
    let execfn = path.to_vec();
    let mut path = path.to_vec();
    for depth in 0..=MAX_INTERP_DEPTH {
        let given = String::from_utf8_lossy(&path).into_owned();
        if path.is_empty() {
            return Err(ExecError::Errno(Errno::ENOENT));
        }
        let guest_abs = fs.absolute(&path);
        let mut file = open_program(fs, &guest_abs, &given, guest_exec || depth > 0)?;
        let mut head = vec![0u8; SHEBANG_MAX];
        let n = file.read(&mut head).map_err(|e| ExecError::Load(LoadError::Io(given.clone(), e)))?;
        head.truncate(n);
        if head.starts_with(b"#!") {
            if depth == MAX_INTERP_DEPTH {
                return Err(ExecError::Errno(Errno::ELOOP));
            }
            let (interp, arg) = parse_shebang(&head).ok_or(ExecError::Errno(Errno::ENOEXEC))?;
            // argv becomes: interp [arg] path argv[1..]
            let mut new = vec![interp.clone()];
            new.extend(arg);
            new.push(path.clone());
            new.extend(argv.iter().skip(1).cloned());
            argv = new;
            path = interp;
            continue;
        }
        return load(fs, &file, &given, guest_abs, &argv, envp, &execfn, backend);
    }
    Err(ExecError::Errno(Errno::ELOOP))
}

#[allow(clippy::too_many_arguments)]
fn load(
    fs: &FsContext,
    file: &File,
    given: &str,
    guest_abs: String,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    backend: Backend,
) -> Result<Image, ExecError> {
    let phys = Arc::new(PhysMem::new(layout::PHYS_SIZE).map_err(|_| ExecError::Errno(Errno::ENOMEM))?);
    let mut mm = AddressSpace::new(Arc::clone(&phys)).map_err(ExecError::Errno)?;
    let elf = loader::load_elf(&mut mm, file, given, &resolved(fs, &guest_abs), Some(loader::elf::ET_DYN_BASE))
        .map_err(ExecError::Load)?;
    mm.init_brk(elf.end);
    // PT_INTERP: the dynamic linker, loaded at a base of its own (AT_BASE);
    // it starts first and finds the program through AT_PHDR/AT_ENTRY.
    let (entry, base) = match &elf.interp {
        Some(interp) => {
            let ld = load_interp(fs, &mut mm, interp)?;
            (ld.entry, ld.bias)
        }
        None => (elf.entry, 0),
    };
    let vdso = crate::vdso::map(&mut mm, vcpu::guest_counter(backend)).map_err(ExecError::Errno)?;
    // SAFETY: these id getters cannot fail and touch no memory.
    let ids = unsafe { [libc::getuid(), libc::geteuid(), libc::getgid(), libc::getegid()] };
    let aux = AuxInfo {
        phdr: elf.phdr,
        phnum: elf.phnum,
        entry: elf.entry,
        base,
        hwcap: vcpu::hwcap(backend),
        hwcap2: 0,
        ids,
        sysinfo_ehdr: Some(vdso),
        random: random16(),
    };
    let sp = stack::build(&mut mm, argv, envp, execfn, &aux, elf.exec_stack).map_err(ExecError::Errno)?;
    let setup = El1Setup { ttbr0: mm.ttbr0(), ttbr1: mm.ttbr1(), entry, sp };
    let comm = comm_of(&guest_abs);
    Ok(Image { mm, phys, setup, exe: guest_abs, comm })
}

/// The guest path of the file `guest_abs` names, symlinks resolved (what
/// Linux shows for a mapping in /proc/self/maps).
fn resolved(fs: &FsContext, guest_abs: &str) -> String {
    fs.guest_path(&fs.host_path(guest_abs)).unwrap_or_else(|| guest_abs.to_string())
}

/// Load the ELF interpreter named by PT_INTERP, resolved in the guest root
/// (as Linux's `open_exec` of the interpreter: it must be a regular file,
/// and another level of PT_INTERP is refused with ELIBBAD).
fn load_interp(fs: &FsContext, mm: &mut AddressSpace, interp: &str) -> Result<loader::LoadedElf, ExecError> {
    let guest_abs = fs.absolute(interp.as_bytes());
    let file = open_program(fs, &guest_abs, interp, false)?;
    let ld = loader::load_elf(mm, &file, interp, &resolved(fs, &guest_abs), None).map_err(|e| match e {
        // A missing or unreadable interpreter is the program's failure: the
        // shell's "cannot execute: required file not found" is ENOENT.
        LoadError::Io(..) => ExecError::Load(e),
        _ => ExecError::Errno(Errno::ELIBBAD),
    })?;
    if ld.interp.is_some() {
        return Err(ExecError::Errno(Errno::ELIBBAD));
    }
    Ok(ld)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_lines_as_linux_parses_them() {
        assert_eq!(parse_shebang(b"#!/bin/sh\necho"), Some((b"/bin/sh".to_vec(), None)));
        assert_eq!(
            parse_shebang(b"#! /usr/bin/env  python3 -u \n"),
            Some((b"/usr/bin/env".to_vec(), Some(b"python3 -u".to_vec())))
        );
        assert_eq!(parse_shebang(b"#!\n"), None);
        assert_eq!(parse_shebang(b"#!/bin/awk -f\r\n"), Some((b"/bin/awk".to_vec(), Some(b"-f".to_vec()))));
    }
}
