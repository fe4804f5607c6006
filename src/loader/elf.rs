//! ELF64 AArch64 loading (ET_EXEC and ET_DYN), as Linux's `load_elf_binary`.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;

use goblin::elf::header::{self, Header};
use goblin::elf::program_header::{self, ProgramHeader};

use crate::mem::layout::{self, PAGE_SIZE};
use crate::mem::pagetable::Perm;
use crate::mem::space::{page_up, AddressSpace, FileMap, Placement};

/// Load bias for ET_DYN main programs (static-pie or PIE run directly).
pub const ET_DYN_BASE: u64 = 0x5_5555_0000;

/// Why a program could not be loaded. Each variant is one line for the user.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be opened or read.
    Io(String, std::io::Error),
    /// Not an ELF file (and not a script).
    NotElf(String),
    /// An ELF file for another machine or class.
    WrongArch(String, String),
    /// The file ends before the data its headers describe.
    Truncated(String),
    /// The program headers are inconsistent.
    BadSegments(String, &'static str),
    /// Guest memory could not hold the image.
    NoMemory(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io(p, e) => {
                // io::Error's Display appends " (os error N)"; say it as a shell would.
                let msg = e.to_string();
                let msg = msg.split(" (os error").next().unwrap_or(&msg).to_string();
                write!(f, "{p}: {msg}")
            }
            LoadError::NotElf(p) => write!(f, "{p}: not an ELF executable"),
            LoadError::WrongArch(p, what) => write!(f, "{p}: not an AArch64 Linux program ({what})"),
            LoadError::Truncated(p) => write!(f, "{p}: truncated ELF file"),
            LoadError::BadSegments(p, why) => write!(f, "{p}: malformed ELF: {why}"),
            LoadError::NoMemory(p) => write!(f, "{p}: cannot map program segments"),
        }
    }
}

impl LoadError {
    /// Exit status a shell would give: 127 for a missing file, 126 otherwise.
    pub fn exit_status(&self) -> i32 {
        match self {
            LoadError::Io(_, e) if e.kind() == std::io::ErrorKind::NotFound => 127,
            _ => 126,
        }
    }
}

/// What the loader placed in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedElf {
    /// Entry point (with load bias).
    pub entry: u64,
    /// Load bias (0 for ET_EXEC).
    pub bias: u64,
    /// Virtual address of the program headers (AT_PHDR).
    pub phdr: u64,
    /// Number of program headers.
    pub phnum: u64,
    /// End of the highest segment (start of brk).
    pub end: u64,
    /// PT_INTERP path, if any.
    pub interp: Option<String>,
    /// PT_GNU_STACK asks for an executable stack.
    pub exec_stack: bool,
}

fn read_at(file: &File, path: &str, off: u64, len: usize) -> Result<Vec<u8>, LoadError> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; len];
    let mut done = 0;
    while done < len {
        match file.read_at(&mut buf[done..], off + done as u64) {
            Ok(0) => return Err(LoadError::Truncated(path.to_string())),
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LoadError::Io(path.to_string(), e)),
        }
    }
    Ok(buf)
}

/// Parse and validate the ELF header and program headers of `file`.
pub fn parse_headers(file: &File, path: &str) -> Result<(Header, Vec<ProgramHeader>), LoadError> {
    let size = file.metadata().map_err(|e| LoadError::Io(path.to_string(), e))?.len();
    if size < 4 {
        return Err(LoadError::NotElf(path.to_string()));
    }
    let ident = read_at(file, path, 0, 4)?;
    if ident != b"\x7fELF" {
        return Err(LoadError::NotElf(path.to_string()));
    }
    if size < header::header64::SIZEOF_EHDR as u64 {
        return Err(LoadError::Truncated(path.to_string()));
    }
    let hb = read_at(file, path, 0, header::header64::SIZEOF_EHDR)?;
    if hb[header::EI_CLASS] != header::ELFCLASS64 {
        return Err(LoadError::WrongArch(path.to_string(), "32-bit ELF".into()));
    }
    if hb[header::EI_DATA] != header::ELFDATA2LSB {
        return Err(LoadError::WrongArch(path.to_string(), "big-endian ELF".into()));
    }
    let h = goblin::elf::Elf::parse_header(&hb).map_err(|_| LoadError::NotElf(path.to_string()))?;
    if h.e_machine != header::EM_AARCH64 {
        return Err(LoadError::WrongArch(path.to_string(), format!("machine {}", header::machine_to_str(h.e_machine))));
    }
    if h.e_type != header::ET_EXEC && h.e_type != header::ET_DYN {
        return Err(LoadError::WrongArch(path.to_string(), format!("type {}", header::et_to_str(h.e_type))));
    }
    if usize::from(h.e_phentsize) != program_header::program_header64::SIZEOF_PHDR || h.e_phnum == 0 || h.e_phnum > 1024
    {
        return Err(LoadError::BadSegments(path.to_string(), "bad program header table"));
    }
    let phlen = usize::from(h.e_phnum) * program_header::program_header64::SIZEOF_PHDR;
    if h.e_phoff.checked_add(phlen as u64).is_none_or(|end| end > size) {
        return Err(LoadError::Truncated(path.to_string()));
    }
    let pb = read_at(file, path, h.e_phoff, phlen)?;
    let ctx = goblin::container::Ctx::new(goblin::container::Container::Big, goblin::container::Endian::Little);
    let phdrs = ProgramHeader::parse(&pb, 0, usize::from(h.e_phnum), ctx)
        .map_err(|_| LoadError::BadSegments(path.to_string(), "unreadable program headers"))?;
    // Validate PT_LOAD segments the way Linux does, plus overlap.
    let mut loads: Vec<&ProgramHeader> = phdrs.iter().filter(|p| p.p_type == program_header::PT_LOAD).collect();
    if loads.is_empty() {
        return Err(LoadError::BadSegments(path.to_string(), "no loadable segments"));
    }
    for p in &loads {
        if p.p_filesz > p.p_memsz {
            return Err(LoadError::BadSegments(path.to_string(), "segment file size exceeds memory size"));
        }
        if p.p_offset.checked_add(p.p_filesz).is_none_or(|e| e > size) {
            return Err(LoadError::Truncated(path.to_string()));
        }
        if p.p_vaddr % PAGE_SIZE != p.p_offset % PAGE_SIZE {
            return Err(LoadError::BadSegments(path.to_string(), "segment offset and address not congruent"));
        }
        if p.p_vaddr.checked_add(p.p_memsz).is_none_or(|e| e > layout::LOW_END) {
            return Err(LoadError::BadSegments(path.to_string(), "segment outside the address space"));
        }
    }
    loads.sort_by_key(|p| p.p_vaddr);
    for w in loads.windows(2) {
        if w[0].p_vaddr + w[0].p_memsz > w[1].p_vaddr {
            return Err(LoadError::BadSegments(path.to_string(), "overlapping segments"));
        }
    }
    Ok((h, phdrs))
}

/// Load `file` into `space`. `path` names it in errors, `guest_path` in
/// the mappings (/proc/self/maps). `dyn_base`: where an ET_DYN image goes
/// (`None` = pick a free range, as for an interpreter).
pub fn load_elf(
    space: &mut AddressSpace,
    file: &File,
    path: &str,
    guest_path: &str,
    dyn_base: Option<u64>,
) -> Result<LoadedElf, LoadError> {
    let (h, phdrs) = parse_headers(file, path)?;
    let meta = file.metadata().map_err(|e| LoadError::Io(path.to_string(), e))?;
    let size = meta.len();
    let loads: Vec<&ProgramHeader> = phdrs.iter().filter(|p| p.p_type == program_header::PT_LOAD).collect();
    let lo = loads.iter().map(|p| p.p_vaddr & !(PAGE_SIZE - 1)).min().unwrap_or(0);
    let hi = loads.iter().map(|p| p.p_vaddr + p.p_memsz).max().unwrap_or(0);
    let align = loads.iter().map(|p| p.p_align.max(PAGE_SIZE)).max().unwrap_or(PAGE_SIZE);
    let nomem = || LoadError::NoMemory(path.to_string());
    let bias = if h.e_type == header::ET_DYN {
        let span = page_up(hi - lo).ok_or_else(nomem)?;
        let base = match dyn_base {
            Some(b) => b,
            None => {
                // Reserve a span (over-allocated for alignment), then release it.
                let r =
                    space.mmap(Placement::Hint(0), span + align, Perm::NONE, false, None, None).map_err(|_| nomem())?;
                space.munmap(r, span + align).map_err(|_| nomem())?;
                r.next_multiple_of(align)
            }
        };
        base.next_multiple_of(align) - lo
    } else {
        0
    };
    let fd = file.as_raw_fd();
    for p in &loads {
        let perm = Perm::new(
            p.p_flags & program_header::PF_R != 0,
            p.p_flags & program_header::PF_W != 0,
            p.p_flags & program_header::PF_X != 0,
        );
        let va = bias + p.p_vaddr;
        let start = va & !(PAGE_SIZE - 1);
        let file_end = va + p.p_filesz;
        let mem_end = page_up(va + p.p_memsz).ok_or_else(nomem)?;
        if p.p_filesz > 0 {
            let off = p.p_offset & !(PAGE_SIZE - 1);
            let len = page_up(file_end).ok_or_else(nomem)? - start;
            let backing = Some(FileMap {
                fd,
                offset: off,
                size,
                path: guest_path.to_string(),
                dev_ino: (meta.dev(), meta.ino()),
            });
            space.mmap(Placement::Fixed(start), len, perm, false, backing, None).map_err(|_| nomem())?;
            // Zero the tail of the last file page past p_filesz (.bss start).
            let tail_end = page_up(file_end).ok_or_else(nomem)?;
            if p.p_memsz > p.p_filesz || tail_end > file_end {
                let zeros = vec![0u8; (tail_end - file_end) as usize];
                space.write_priv(file_end, &zeros).map_err(|_| nomem())?;
            }
            let anon_start = tail_end;
            if mem_end > anon_start {
                space
                    .mmap(Placement::Fixed(anon_start), mem_end - anon_start, perm, false, None, None)
                    .map_err(|_| nomem())?;
            }
        } else if mem_end > start {
            space.mmap(Placement::Fixed(start), mem_end - start, perm, false, None, None).map_err(|_| nomem())?;
        }
    }
    // AT_PHDR: from PT_PHDR, else the load segment containing e_phoff.
    let phdr = phdrs
        .iter()
        .find(|p| p.p_type == program_header::PT_PHDR)
        .map(|p| p.p_vaddr + bias)
        .or_else(|| {
            loads
                .iter()
                .find(|p| p.p_offset <= h.e_phoff && h.e_phoff < p.p_offset + p.p_filesz)
                .map(|p| h.e_phoff - p.p_offset + p.p_vaddr + bias)
        })
        .unwrap_or(0);
    let interp = match phdrs.iter().find(|p| p.p_type == program_header::PT_INTERP) {
        Some(p) if p.p_filesz > 1 && p.p_filesz < 4096 => {
            let b = read_at(file, path, p.p_offset, p.p_filesz as usize)?;
            let s = b.split(|&c| c == 0).next().unwrap_or(&[]);
            Some(String::from_utf8_lossy(s).into_owned())
        }
        Some(_) => return Err(LoadError::BadSegments(path.to_string(), "bad PT_INTERP")),
        None => None,
    };
    let exec_stack = phdrs
        .iter()
        .find(|p| p.p_type == program_header::PT_GNU_STACK)
        .is_some_and(|p| p.p_flags & program_header::PF_X != 0);
    Ok(LoadedElf {
        entry: h.e_entry + bias,
        bias,
        phdr,
        phnum: u64::from(h.e_phnum),
        end: page_up(bias + hi).ok_or_else(nomem)?,
        interp,
        exec_stack,
    })
}
