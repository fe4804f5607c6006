//! The vDSO every guest gets (AT_SYSINFO_EHDR), as Linux/arm64's:
//! `__kernel_rt_sigreturn`, `__kernel_clock_gettime`,
//! `__kernel_gettimeofday` and `__kernel_clock_getres`, version
//! LINUX_2.6.39, soname `linux-vdso.so.1`.
//!
//! The image is a real shared object built from `vdso.S` + `vdso.lds` by
//! `build.sh` (checked in as `vdso.so`; a test rebuilds it and compares).
//! It sits at the top of the user address space, with its data page
//! (`[vvar]`) just below it:
//!
//! | VA            | what |
//! |---------------|------|
//! | [`VVAR_VA`]   | `[vvar]`: clock reference (read-only to the guest) |
//! | [`VDSO_VA`]   | `[vdso]`: the image (read + execute) |
//!
//! Clock reads that the vvar page can answer (CLOCK_REALTIME/MONOTONIC and
//! their COARSE forms) need no exit from the guest: the image reads
//! CNTVCT_EL0 and scales it from the reference elfuse wrote. Everything
//! else is the real system call.

use std::sync::OnceLock;

use crate::abi::errno::Errno;
use crate::mem::layout::{PAGE_SIZE, USER_END};
use crate::mem::pagetable::Perm;
use crate::mem::space::{AddressSpace, Placement};
use crate::vcpu::GuestCounter;

/// The image, built by `build.sh`.
pub static IMAGE: &[u8] = include_bytes!("vdso.so");

/// The `[vvar]` page.
pub const VVAR_VA: u64 = USER_END - 0x8000;
/// Where the image is mapped (AT_SYSINFO_EHDR).
pub const VDSO_VA: u64 = VVAR_VA + PAGE_SIZE;

/// Linux clock ids the vvar page carries a base for (0..=7).
const CLOCK_REALTIME: usize = 0;
const CLOCK_MONOTONIC: usize = 1;
const CLOCK_REALTIME_COARSE: usize = 5;
const CLOCK_MONOTONIC_COARSE: usize = 6;

/// The vvar page's layout (see `vdso.S`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vvar {
    /// Odd while being rewritten.
    pub seq: u32,
    /// Bit n: clock n may be answered in the guest.
    pub fast: u32,
    /// Counter value at the reference point.
    pub cnt0: u64,
    /// ns = ((counter - cnt0) * mult) >> 32.
    pub mult: u64,
    /// Each clock's value (ns) at `cnt0`.
    pub base: [u64; 8],
}

impl Vvar {
    const SIZE: usize = 24 + 8 * 8;

    fn to_bytes(self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        b[0..4].copy_from_slice(&self.seq.to_le_bytes());
        b[4..8].copy_from_slice(&self.fast.to_le_bytes());
        b[8..16].copy_from_slice(&self.cnt0.to_le_bytes());
        b[16..24].copy_from_slice(&self.mult.to_le_bytes());
        for (i, v) in self.base.iter().enumerate() {
            b[24 + 8 * i..32 + 8 * i].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// The reference for the backend's guest `counter`: each clock's host
    /// value at `cnt0`. `None` (the backend cannot relate its counter to
    /// host time): every clock read is a syscall.
    ///
    /// On interp the counter *is* CLOCK_MONOTONIC, so in-guest MONOTONIC
    /// reads equal the syscall's exactly; REALTIME is taken between two
    /// counter reads (a few ns of skew). Host slewing moves the counter
    /// and the clocks alike, but a host clock *step* while the program runs
    /// is not seen by in-guest reads: Linux updates its vvar every tick,
    /// elfuse writes it once per exec.
    pub fn new(counter: Option<GuestCounter>) -> Vvar {
        let (cnt0, hz, mono, real) = match counter {
            None | Some(GuestCounter::Ticks { hz: 0, .. }) => return Vvar::default(),
            Some(GuestCounter::HostMonotonicNs) => {
                let m1 = host_ns(libc::CLOCK_MONOTONIC);
                let real = host_ns(libc::CLOCK_REALTIME);
                let m2 = host_ns(libc::CLOCK_MONOTONIC);
                // REALTIME is read between m1 and m2: anchor it at the midpoint.
                let cnt0 = m1 + (m2 - m1) / 2;
                (cnt0, 1_000_000_000, cnt0, real)
            }
            Some(GuestCounter::Ticks { read, hz }) => {
                let c1 = read();
                let mono = host_ns(libc::CLOCK_MONOTONIC);
                let real = host_ns(libc::CLOCK_REALTIME);
                let c2 = read();
                (c1 + (c2.saturating_sub(c1)) / 2, hz, mono, real)
            }
        };
        let mut base = [0u64; 8];
        base[CLOCK_MONOTONIC] = mono;
        base[CLOCK_MONOTONIC_COARSE] = mono;
        base[CLOCK_REALTIME] = real;
        base[CLOCK_REALTIME_COARSE] = real;
        let fast = [CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE]
            .iter()
            .fold(0u32, |m, &c| m | 1 << c);
        let mult = ((1_000_000_000u128 << 32) / u128::from(hz)).min(u128::from(u64::MAX)) as u64;
        Vvar { seq: 0, fast, cnt0, mult, base }
    }
}

fn host_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into `ts`.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    (ts.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64)
}

/// Offsets of the exported symbols inside the image.
#[derive(Debug)]
struct Symbols {
    rt_sigreturn: u64,
}

fn symbols() -> &'static Symbols {
    static SYMS: OnceLock<Symbols> = OnceLock::new();
    SYMS.get_or_init(|| {
        let elf = goblin::elf::Elf::parse(IMAGE).expect("the embedded vDSO is a valid ELF (tested)");
        let find = |name: &str| {
            elf.dynsyms
                .iter()
                .find(|s| elf.dynstrtab.get_at(s.st_name) == Some(name))
                .map(|s| s.st_value)
                .expect("the embedded vDSO exports every __kernel_ symbol (tested)")
        };
        Symbols { rt_sigreturn: find("__kernel_rt_sigreturn") }
    })
}

/// Guest address of `__kernel_rt_sigreturn`: the return address of signal
/// handlers installed without SA_RESTORER.
pub fn sigreturn_va() -> u64 {
    VDSO_VA + symbols().rt_sigreturn
}

/// Map `[vvar]` and `[vdso]` into a new address space, the clock reference
/// from the backend's `counter` (see [`Vvar::new`]). Returns the image's
/// address (AT_SYSINFO_EHDR).
pub fn map(mm: &mut AddressSpace, counter: Option<GuestCounter>) -> Result<u64, Errno> {
    let len = (IMAGE.len() as u64).next_multiple_of(PAGE_SIZE);
    mm.mmap(Placement::Fixed(VVAR_VA), PAGE_SIZE, Perm::R, false, None, Some("[vvar]"))?;
    mm.write_priv(VVAR_VA, &Vvar::new(counter).to_bytes())?;
    mm.mmap(Placement::Fixed(VDSO_VA), len, Perm::RX, false, None, Some("[vdso]"))?;
    mm.write_priv(VDSO_VA, IMAGE)?;
    Ok(VDSO_VA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_exports_linux_symbols_with_version() {
        let elf = goblin::elf::Elf::parse(IMAGE).unwrap();
        assert_eq!(elf.header.e_machine, goblin::elf::header::EM_AARCH64);
        assert_eq!(elf.header.e_type, goblin::elf::header::ET_DYN);
        assert_eq!(elf.soname, Some("linux-vdso.so.1"));
        for name in
            ["__kernel_rt_sigreturn", "__kernel_clock_gettime", "__kernel_gettimeofday", "__kernel_clock_getres"]
        {
            let (i, s) = elf
                .dynsyms
                .iter()
                .enumerate()
                .find(|(_, s)| elf.dynstrtab.get_at(s.st_name) == Some(name))
                .unwrap_or_else(|| panic!("{name} missing"));
            assert!(s.is_function() && s.st_value > 0 && s.st_value < IMAGE.len() as u64, "{name}");
            let ver = elf.versym.as_ref().unwrap().get_at(i).unwrap();
            assert_eq!(ver.version(), 2, "{name} is LINUX_2.6.39");
        }
        assert!(elf.dynamic.unwrap().info.hash.is_some(), "musl needs DT_HASH or DT_GNU_HASH");
        // No relocations: nobody relocates the vDSO.
        assert!(elf.dynrelas.is_empty() && elf.dynrels.is_empty() && elf.pltrelocs.is_empty());
        // The sigreturn trampoline is Linux's two instructions.
        let off = symbols().rt_sigreturn as usize;
        assert_eq!(&IMAGE[off..off + 8], &[0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4]);
        assert!(IMAGE.len() as u64 <= 7 * PAGE_SIZE);
    }

    /// `vdso.so` is what `build.sh` makes from the sources beside it.
    #[test]
    fn image_is_built_from_source() {
        let out = std::env::temp_dir().join(format!("elfuse-vdso-{}.so", std::process::id()));
        let st = std::process::Command::new("bash")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/src/vdso/build.sh"))
            .arg(&out)
            .status()
            .expect("bash runs");
        assert!(st.success(), "src/vdso/build.sh failed (needs aarch64-linux-gnu binutils: make deps)");
        let built = std::fs::read(&out).unwrap();
        let _ = std::fs::remove_file(&out);
        assert!(built == IMAGE, "src/vdso/vdso.so is stale: run src/vdso/build.sh");
    }

    #[test]
    fn vvar_layout_matches_the_assembly() {
        let v = Vvar { seq: 2, fast: 3, cnt0: 5, mult: 7, base: [11, 13, 0, 0, 0, 0, 0, 17] };
        let b = v.to_bytes();
        assert_eq!(u32::from_le_bytes(b[0..4].try_into().unwrap()), 2);
        assert_eq!(u32::from_le_bytes(b[4..8].try_into().unwrap()), 3);
        assert_eq!(u64::from_le_bytes(b[8..16].try_into().unwrap()), 5);
        assert_eq!(u64::from_le_bytes(b[16..24].try_into().unwrap()), 7);
        assert_eq!(u64::from_le_bytes(b[24..32].try_into().unwrap()), 11);
        assert_eq!(u64::from_le_bytes(b[80..88].try_into().unwrap()), 17);
    }

    #[test]
    fn counter_scaling() {
        // 1 GHz: ns = ticks; 24 MHz (Apple's CNTFRQ): 41.67 ns per tick.
        assert_eq!(Vvar::new(Some(GuestCounter::HostMonotonicNs)).mult, 1 << 32);
        let m = Vvar::new(Some(GuestCounter::Ticks { read: || 7, hz: 24_000_000 })).mult;
        assert_eq!(((24_000_000u128 * u128::from(m)) >> 32) as u64, 999_999_999);
        // No counter relation: nothing is answered in the guest.
        assert_eq!(Vvar::new(None).fast, 0);
        assert_eq!(Vvar::new(Some(GuestCounter::Ticks { read: || 7, hz: 0 })).fast, 0);
    }
}
