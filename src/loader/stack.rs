//! The initial process stack, laid out as Linux's `create_elf_tables`:
//!
//! ```text
//! STACK_TOP ->  [8 zero bytes] execfn string, envp strings, argv strings
//!               "aarch64" platform string, 16 random bytes (AT_RANDOM)
//!               (16-byte alignment)
//!               auxv pairs ... AT_NULL, envp[] NULL, argv[] NULL, argc  <- sp
//! ```

use crate::abi::auxv::*;
use crate::abi::errno::Errno;
use crate::mem::layout::{STACK_MAX, STACK_TOP};
use crate::mem::pagetable::Perm;
use crate::mem::space::{AddressSpace, Placement};

/// Values the auxiliary vector reports.
#[derive(Clone, Debug, Default)]
pub struct AuxInfo {
    /// AT_PHDR.
    pub phdr: u64,
    /// AT_PHNUM.
    pub phnum: u64,
    /// AT_ENTRY (the program's, not the interpreter's).
    pub entry: u64,
    /// AT_BASE (interpreter load address, 0 without one).
    pub base: u64,
    /// AT_HWCAP.
    pub hwcap: u64,
    /// AT_HWCAP2.
    pub hwcap2: u64,
    /// AT_UID/AT_EUID/AT_GID/AT_EGID.
    pub ids: [u32; 4],
    /// AT_SYSINFO_EHDR (vDSO), if mapped.
    pub sysinfo_ehdr: Option<u64>,
    /// The 16 bytes AT_RANDOM points to.
    pub random: [u8; 16],
}

/// Map the main thread's stack and write argc/argv/envp/auxv. Returns sp.
pub fn build(
    space: &mut AddressSpace,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    aux: &AuxInfo,
    exec_stack: bool,
) -> Result<u64, Errno> {
    let perm = if exec_stack { Perm::RWX } else { Perm::RW };
    space.mmap(Placement::Fixed(STACK_TOP - STACK_MAX), STACK_MAX, perm, false, None, Some("[stack]"))?;

    // Strings, from the top down.
    let mut p = STACK_TOP - 8;
    let mut push_str = |space: &mut AddressSpace, s: &[u8]| -> Result<u64, Errno> {
        let len = s.len() as u64 + 1;
        p = p.checked_sub(len).ok_or(Errno::E2BIG)?;
        if p < STACK_TOP - STACK_MAX / 4 {
            return Err(Errno::E2BIG);
        }
        let mut b = s.to_vec();
        b.push(0);
        space.write_priv(p, &b)?;
        Ok(p)
    };
    let execfn_ptr = push_str(space, execfn)?;
    let mut env_ptrs = Vec::with_capacity(envp.len());
    for e in envp.iter().rev() {
        env_ptrs.push(push_str(space, e)?);
    }
    env_ptrs.reverse();
    let mut arg_ptrs = Vec::with_capacity(argv.len());
    for a in argv.iter().rev() {
        arg_ptrs.push(push_str(space, a)?);
    }
    arg_ptrs.reverse();
    let platform = push_str(space, b"aarch64")?;
    let mut p = p & !15;
    p -= 16;
    let random = p;
    space.write_priv(random, &aux.random)?;

    let mut auxv: Vec<(u64, u64)> = vec![
        (AT_HWCAP, aux.hwcap),
        (AT_PAGESZ, 4096),
        (AT_CLKTCK, 100),
        (AT_PHDR, aux.phdr),
        (AT_PHENT, 56),
        (AT_PHNUM, aux.phnum),
        (AT_BASE, aux.base),
        (AT_FLAGS, 0),
        (AT_ENTRY, aux.entry),
        (AT_UID, u64::from(aux.ids[0])),
        (AT_EUID, u64::from(aux.ids[1])),
        (AT_GID, u64::from(aux.ids[2])),
        (AT_EGID, u64::from(aux.ids[3])),
        (AT_SECURE, 0),
        (AT_RANDOM, random),
        (AT_HWCAP2, aux.hwcap2),
        (AT_EXECFN, execfn_ptr),
        (AT_PLATFORM, platform),
        (AT_MINSIGSTKSZ, 5120),
    ];
    if let Some(vdso) = aux.sysinfo_ehdr {
        auxv.insert(0, (AT_SYSINFO_EHDR, vdso));
    }
    auxv.push((AT_NULL, 0));

    let words = 1 + arg_ptrs.len() + 1 + env_ptrs.len() + 1 + 2 * auxv.len();
    let sp = (p - 8 * words as u64) & !15;
    let mut table: Vec<u64> = Vec::with_capacity(words);
    table.push(argv.len() as u64);
    table.extend_from_slice(&arg_ptrs);
    table.push(0);
    table.extend_from_slice(&env_ptrs);
    table.push(0);
    for (k, v) in auxv {
        table.push(k);
        table.push(v);
    }
    let bytes: Vec<u8> = table.iter().flat_map(|w| w.to_le_bytes()).collect();
    space.write_priv(sp, &bytes)?;
    Ok(sp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::phys::PhysMem;
    use std::sync::Arc;

    #[test]
    fn layout_matches_linux() {
        let mut s = AddressSpace::new(Arc::new(PhysMem::new(crate::mem::layout::PHYS_SIZE).unwrap())).unwrap();
        let aux = AuxInfo { phdr: 0x400040, phnum: 6, entry: 0x400100, random: [7; 16], ..Default::default() };
        let argv = vec![b"prog".to_vec(), b"-x".to_vec()];
        let envp = vec![b"A=1".to_vec()];
        let sp = build(&mut s, &argv, &envp, b"/bin/prog", &aux, false).unwrap();
        assert_eq!(sp % 16, 0);
        assert_eq!(s.read_u64(sp).unwrap(), 2);
        let a0 = s.read_u64(sp + 8).unwrap();
        assert_eq!(s.read_cstr(a0, 100).unwrap(), b"prog");
        assert_eq!(s.read_cstr(s.read_u64(sp + 16).unwrap(), 100).unwrap(), b"-x");
        assert_eq!(s.read_u64(sp + 24).unwrap(), 0);
        assert_eq!(s.read_cstr(s.read_u64(sp + 32).unwrap(), 100).unwrap(), b"A=1");
        assert_eq!(s.read_u64(sp + 40).unwrap(), 0);
        // Walk auxv.
        let mut at = sp + 48;
        let mut seen = std::collections::HashMap::new();
        loop {
            let k = s.read_u64(at).unwrap();
            let v = s.read_u64(at + 8).unwrap();
            seen.insert(k, v);
            at += 16;
            if k == AT_NULL {
                break;
            }
        }
        assert_eq!(seen[&AT_PAGESZ], 4096);
        assert_eq!(seen[&AT_ENTRY], 0x400100);
        assert_eq!(s.read_cstr(seen[&AT_EXECFN], 100).unwrap(), b"/bin/prog");
        assert_eq!(s.read_cstr(seen[&AT_PLATFORM], 100).unwrap(), b"aarch64");
        let mut r = [0u8; 16];
        s.read(seen[&AT_RANDOM], &mut r).unwrap();
        assert_eq!(r, [7; 16]);
    }
}
