//! Advanced SIMD load/store multiple structures and single structure (ARM
//! ARM C4.1.66-69): LD1-LD4/ST1-ST4 (multiple), LD1-LD4/ST1-ST4 to one lane,
//! LD1R-LD4R, each without offset or post-indexed by an immediate (the
//! transfer size) or a register.
//!
//! Loads read all of memory before writing any register, so a fault leaves
//! the registers untouched. Register numbers wrap modulo 32. Writeback of
//! the base happens after the transfer.

use crate::vcpu::interp::cpu::Cpu;
use crate::vcpu::interp::decode::{bit, bits, insn, rd, rm, rn, Insn};
use crate::vcpu::interp::exception::{Exception, ExecResult};

/// Encodings of this class.
pub const TABLE: &[Insn] = &[
    insn("0 q 0011000 l 000000 oooo ss nnnnn ttttt", "LD/ST multiple structures", multiple),
    insn("0 q 0011001 l 0 mmmmm oooo ss nnnnn ttttt", "LD/ST multiple structures (post-index)", multiple),
    insn("0 q 0011010 l r 00000 ooo s ss nnnnn ttttt", "LD/ST single structure", single),
    insn("0 q 0011011 l r mmmmm ooo s ss nnnnn ttttt", "LD/ST single structure (post-index)", single),
];

/// Post-index writeback: bit 23 set means post-indexed, by `Xm`, or by
/// the transfer size when `Rm` is 31.
#[inline(always)]
fn writeback(c: &mut Cpu, i: u32, base: u64, size: u64) {
    if bit(i, 23) {
        let m = rm(i);
        let off = if m == 31 { size } else { c.x(m) };
        c.set_xsp(rn(i), base.wrapping_add(off));
    }
}

/// Read `len` (<= 64) bytes at `va` into `buf`, 16 at a time.
fn read_block(c: &mut Cpu, va: u64, buf: &mut [u8; 64], len: usize) -> ExecResult {
    let mut off = 0;
    while off < len {
        let a = va.wrapping_add(off as u64);
        let n = (len - off).min(16);
        match n {
            16 => buf[off..off + 16].copy_from_slice(&c.read_bytes::<16>(a)?),
            8 => buf[off..off + 8].copy_from_slice(&c.read_bytes::<8>(a)?),
            _ => {
                for k in 0..n {
                    buf[off + k] = c.read_u8(a.wrapping_add(k as u64))?;
                }
            }
        }
        off += n;
    }
    Ok(())
}

/// Write `len` (<= 64) bytes of `buf` at `va`, 16 at a time.
fn write_block(c: &mut Cpu, va: u64, buf: &[u8; 64], len: usize) -> ExecResult {
    let mut off = 0;
    while off < len {
        let a = va.wrapping_add(off as u64);
        let n = (len - off).min(16);
        match n {
            16 => {
                let mut b = [0u8; 16];
                b.copy_from_slice(&buf[off..off + 16]);
                c.write_bytes(a, b)?;
            }
            8 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&buf[off..off + 8]);
                c.write_bytes(a, b)?;
            }
            _ => {
                for k in 0..n {
                    c.write_u8(a.wrapping_add(k as u64), buf[off + k])?;
                }
            }
        }
        off += n;
    }
    Ok(())
}

/// LD1/ST1 (1-4 registers), LD2/ST2, LD3/ST3, LD4/ST4 (multiple structures).
fn multiple(c: &mut Cpu, i: u32) -> ExecResult {
    let q = bit(i, 30);
    let load = bit(i, 22);
    let size = bits(i, 10, 2);
    let (rpt, selem) = match bits(i, 12, 4) {
        0b0000 => (1, 4),
        0b0010 => (4, 1),
        0b0100 => (1, 3),
        0b0110 => (3, 1),
        0b0111 => (1, 1),
        0b1000 => (1, 2),
        0b1010 => (2, 1),
        _ => return Err(Exception::Undefined),
    };
    if size == 3 && !q && selem != 1 {
        return Err(Exception::Undefined);
    }
    let ebytes = 1usize << size;
    let regbytes = if q { 16 } else { 8 };
    let elements = regbytes / ebytes;
    let total = rpt * selem * regbytes;
    let t = rd(i);
    let base = c.xsp(rn(i));
    let mut buf = [0u8; 64];
    // Register r's bytes live at regs[r * 16..]; structures interleave
    // selem registers element by element.
    let mut regs = [0u8; 64];
    let nregs = rpt * selem;
    if load {
        read_block(c, base, &mut buf, total)?;
        let mut off = 0;
        for r in 0..rpt {
            for e in 0..elements {
                for s in 0..selem {
                    let reg = r + s;
                    let dst = reg * 16 + e * ebytes;
                    regs[dst..dst + ebytes].copy_from_slice(&buf[off..off + ebytes]);
                    off += ebytes;
                }
            }
        }
        for k in 0..nregs {
            let mut b = [0u8; 16];
            b[..regbytes].copy_from_slice(&regs[k * 16..k * 16 + regbytes]);
            c.set_vreg((t + k as u32) % 32, u128::from_le_bytes(b));
        }
    } else {
        for k in 0..nregs {
            regs[k * 16..k * 16 + 16].copy_from_slice(&c.vreg((t + k as u32) % 32).to_le_bytes());
        }
        let mut off = 0;
        for r in 0..rpt {
            for e in 0..elements {
                for s in 0..selem {
                    let src = (r + s) * 16 + e * ebytes;
                    buf[off..off + ebytes].copy_from_slice(&regs[src..src + ebytes]);
                    off += ebytes;
                }
            }
        }
        write_block(c, base, &buf, total)?;
    }
    writeback(c, i, base, total as u64);
    Ok(())
}

/// LD1-LD4/ST1-ST4 (single structure, one lane) and LD1R-LD4R.
fn single(c: &mut Cpu, i: u32) -> ExecResult {
    let q = bit(i, 30);
    let load = bit(i, 22);
    let opcode = bits(i, 13, 3);
    let s = bits(i, 12, 1);
    let size = bits(i, 10, 2);
    let selem = (((opcode & 1) << 1) | bits(i, 21, 1)) as usize + 1;
    let qb = u32::from(q);
    let (scale, index, replicate) = match opcode >> 1 {
        0 => (0, (qb << 3) | (s << 2) | size, false),
        1 => {
            if size & 1 != 0 {
                return Err(Exception::Undefined);
            }
            (1, (qb << 2) | (s << 1) | (size >> 1), false)
        }
        2 => {
            if size & 2 != 0 {
                return Err(Exception::Undefined);
            }
            if size == 0 {
                (2, (qb << 1) | s, false)
            } else {
                if s != 0 {
                    return Err(Exception::Undefined);
                }
                (3, qb, false)
            }
        }
        _ => {
            if !load || s != 0 {
                return Err(Exception::Undefined);
            }
            (size, 0, true)
        }
    };
    let ebytes = 1usize << scale;
    let esize = 8 * ebytes as u32;
    let total = selem * ebytes;
    let t = rd(i);
    let base = c.xsp(rn(i));
    let mut buf = [0u8; 64];
    let emask = if esize == 64 { u128::from(u64::MAX) } else { (1u128 << esize) - 1 };
    if load {
        read_block(c, base, &mut buf, total)?;
        for k in 0..selem {
            let mut b = [0u8; 16];
            b[..ebytes].copy_from_slice(&buf[k * ebytes..(k + 1) * ebytes]);
            let elem = u128::from_le_bytes(b);
            let reg = (t + k as u32) % 32;
            let v = if replicate {
                let mut v = 0u128;
                let count = if q { 128 / esize } else { 64 / esize };
                for e in 0..count {
                    v |= elem << (e * esize);
                }
                v
            } else {
                let sh = index * esize;
                (c.vreg(reg) & !(emask << sh)) | (elem << sh)
            };
            c.set_vreg(reg, v);
        }
    } else {
        for k in 0..selem {
            let v = (c.vreg((t + k as u32) % 32) >> (index * esize)) & emask;
            buf[k * ebytes..(k + 1) * ebytes].copy_from_slice(&v.to_le_bytes()[..ebytes]);
        }
        write_block(c, base, &buf, total)?;
    }
    writeback(c, i, base, total as u64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::vcpu::interp::exception::Exception;
    use crate::vcpu::interp::testing::{TestCpu, DATA, DATA_SIZE};

    /// A CPU with bytes 0, 1, 2, ... 127 at DATA and x0 = x1 = DATA.
    fn setup() -> TestCpu {
        let mut t = TestCpu::new();
        let bytes: Vec<u8> = (0..128u8).collect();
        t.cpu.phys.write_bytes(DATA, &bytes).unwrap();
        t.cpu.set_x(0, DATA);
        t.cpu.set_x(1, DATA + 0x1000);
        t
    }

    /// The 16 bytes `f(0), f(1), ...` as a register value.
    fn bytes(f: impl Fn(u8) -> u8) -> u128 {
        u128::from_le_bytes(std::array::from_fn(|k| f(k as u8)))
    }

    #[test]
    fn ld1_st1_multiple() {
        let mut t = setup();
        t.cpu.v[1] = u128::MAX;
        t.exec(&[
            0x4c40_7000, // ld1 {v0.16b}, [x0]
            0x0cdf_a001, // ld1 {v1.8b, v2.8b}, [x0], #16
        ]);
        assert_eq!(t.cpu.v[0], bytes(|k| k));
        assert_eq!(t.cpu.v[1], bytes(|k| k) & u128::from(u64::MAX)); // 64-bit form zeroes the top
        assert_eq!(t.cpu.v[2], bytes(|k| k + 8) & u128::from(u64::MAX));
        assert_eq!(t.cpu.x(0), DATA + 16);
        // Register list wraps from v31 to v0; post-index by register.
        t.cpu.set_x(2, 100);
        t.exec(&[0x4cc2_681e]); // ld1 {v30.4s, v31.4s, v0.4s}, [x0], x2
        assert_eq!(t.cpu.v[30], bytes(|k| k + 16));
        assert_eq!(t.cpu.v[31], bytes(|k| k + 32));
        assert_eq!(t.cpu.v[0], bytes(|k| k + 48));
        assert_eq!(t.cpu.x(0), DATA + 116);
        // SP as base; four registers.
        t.cpu.sp_el0 = DATA;
        t.exec(&[0x4c40_2fe4]); // ld1 {v4.2d-v7.2d}, [sp]
        assert_eq!(t.cpu.v[7], bytes(|k| k + 48));
        // Store round trip with writeback.
        t.exec(&[0x4c9f_ac20]); // st1 {v0.2d, v1.2d}, [x1], #32
        assert_eq!(t.cpu.x(1), DATA + 0x1000 + 32);
        let mut m = [0u8; 32];
        t.cpu.phys.read_bytes(DATA + 0x1000, &mut m).unwrap();
        assert_eq!(&m[..16], &bytes(|k| k + 48).to_le_bytes());
        assert_eq!(&m[16..24], &bytes(|k| k).to_le_bytes()[..8]);
        assert_eq!(&m[24..], &[0; 8]);
        t.exec(&[0x0c40_7c00]); // ld1 {v0.1d}, [x0]
        assert_eq!(t.cpu.v[0], u128::from(u64::from_le_bytes(std::array::from_fn(|k| k as u8 + 116))));
    }

    #[test]
    fn ld2_ld3_ld4_deinterleave() {
        let mut t = setup();
        t.exec(&[0x4c40_8000]); // ld2 {v0.16b, v1.16b}, [x0]
        assert_eq!(t.cpu.v[0], bytes(|k| 2 * k));
        assert_eq!(t.cpu.v[1], bytes(|k| 2 * k + 1));
        t.exec(&[0x0cdf_8400]); // ld2 {v0.4h, v1.4h}, [x0], #16
        let h = |v: u128, k: u32| (v >> (16 * k)) as u16;
        assert_eq!((h(t.cpu.v[0], 0), h(t.cpu.v[0], 1), h(t.cpu.v[1], 0)), (0x0100, 0x0504, 0x0302));
        assert_eq!(t.cpu.v[0] >> 64, 0);
        assert_eq!(t.cpu.x(0), DATA + 16);
        t.cpu.set_x(0, DATA);
        t.exec(&[0x4c40_4800]); // ld3 {v0.4s-v2.4s}, [x0]
        let w = |v: u128, k: u32| (v >> (32 * k)) as u32;
        assert_eq!((w(t.cpu.v[0], 1), w(t.cpu.v[1], 0), w(t.cpu.v[2], 3)), (0x0f0e_0d0c, 0x0706_0504, 0x2f2e_2d2c));
        t.exec(&[0x4cdf_0000]); // ld4 {v0.16b-v3.16b}, [x0], #64
        assert_eq!(t.cpu.v[0], bytes(|k| 4 * k));
        assert_eq!(t.cpu.v[3], bytes(|k| 4 * k + 3));
        assert_eq!(t.cpu.x(0), DATA + 64);
    }

    #[test]
    fn st2_st3_st4_interleave() {
        let mut t = setup();
        t.cpu.v[2] = bytes(|k| k);
        t.cpu.v[3] = bytes(|k| 0x80 | k);
        t.cpu.set_x(3, 7);
        t.exec(&[0x4c83_8422]); // st2 {v2.8h, v3.8h}, [x1], x3
        let mut m = [0u8; 32];
        t.cpu.phys.read_bytes(DATA + 0x1000, &mut m).unwrap();
        assert_eq!(&m[..8], &[0, 1, 0x80, 0x81, 2, 3, 0x82, 0x83]);
        assert_eq!(t.cpu.x(1), DATA + 0x1007);
        t.cpu.set_x(1, DATA + 0x1000);
        for r in 0..3 {
            t.cpu.v[r] = bytes(|k| (r as u8) << 4 | k);
        }
        t.exec(&[0x0c00_4020]); // st3 {v0.8b-v2.8b}, [x1]
        let mut m = [0u8; 24];
        t.cpu.phys.read_bytes(DATA + 0x1000, &mut m).unwrap();
        assert_eq!(&m[..7], &[0x00, 0x10, 0x20, 0x01, 0x11, 0x21, 0x02]);
        assert_eq!(m[23], 0x27);
        for r in 28..32 {
            t.cpu.v[r] = (u128::from(r as u64) << 64) | u128::from(r as u64 + 100);
        }
        t.exec(&[0x4c00_0c3c]); // st4 {v28.2d-v31.2d}, [x1]
        let mut m = [0u8; 64];
        t.cpu.phys.read_bytes(DATA + 0x1000, &mut m).unwrap();
        let d = |k: usize| u64::from_le_bytes(m[8 * k..8 * k + 8].try_into().unwrap());
        assert_eq!((0..8).map(d).collect::<Vec<_>>(), vec![128, 129, 130, 131, 28, 29, 30, 31]);
    }

    #[test]
    fn single_lane_and_replicate() {
        let mut t = setup();
        t.cpu.v[0] = u128::MAX;
        t.exec(&[0x4d40_1400]); // ld1 {v0.b}[13], [x0]
        assert_eq!(t.cpu.v[0], !(0xffu128 << 104));
        t.cpu.v[0] = 0;
        t.exec(&[0x4ddf_4800]); // ld1 {v0.h}[5], [x0], #2
        assert_eq!(t.cpu.v[0], 0x0100u128 << 80);
        assert_eq!(t.cpu.x(0), DATA + 2);
        t.cpu.set_x(2, 0x10);
        t.exec(&[0x4dc2_9000]); // ld1 {v0.s}[3], [x0], x2
        assert_eq!(t.cpu.v[0] >> 96, 0x0504_0302);
        assert_eq!(t.cpu.x(0), DATA + 0x12);
        t.exec(&[0x4d40_8400]); // ld1 {v0.d}[1], [x0]
        assert_eq!(t.cpu.v[0] >> 64, 0x1918_1716_1514_1312);
        t.cpu.set_x(0, DATA);
        t.exec(&[0x4d60_5800]); // ld2 {v0.h, v1.h}[7], [x0]
        assert_eq!((t.cpu.v[0] >> 112, (t.cpu.v[1] >> 112) & 0xffff), (0x0100, 0x0302));
        t.cpu.v[2] = u128::MAX;
        t.exec(&[0x0ddf_b000]); // ld3 {v0.s-v2.s}[1], [x0], #12
        assert_eq!((t.cpu.v[2] >> 32) as u32, 0x0b0a_0908);
        assert_eq!(t.cpu.v[2] >> 64, u128::from(u64::MAX)); // other lanes kept, even for Q = 0
        assert_eq!(t.cpu.x(0), DATA + 12);
        // Stores.
        for r in 0..4 {
            t.cpu.v[r] = bytes(|k| (r as u8) << 4 | k);
        }
        t.exec(&[0x4d20_3c20]); // st4 {v0.b-v3.b}[15], [x1]
        let mut m = [0u8; 4];
        t.cpu.phys.read_bytes(DATA + 0x1000, &mut m).unwrap();
        assert_eq!(m, [0x0f, 0x1f, 0x2f, 0x3f]);
        t.cpu.v[31] = 0xaaaa_u128 << 64;
        t.exec(&[0x4dbf_843f]); // st2 {v31.d, v0.d}[1], [x1], #16
        let mut m = [0u8; 16];
        t.cpu.phys.read_bytes(DATA + 0x1000, &mut m).unwrap();
        assert_eq!(u64::from_le_bytes(m[..8].try_into().unwrap()), 0xaaaa);
        assert_eq!(m[8], 8);
        assert_eq!(t.cpu.x(1), DATA + 0x1010);
        // Replicate.
        t.cpu.set_x(0, DATA + 5);
        t.cpu.v[0] = u128::MAX;
        t.exec(&[0x0d40_c000]); // ld1r {v0.8b}, [x0]
        assert_eq!(t.cpu.v[0], 0x0505_0505_0505_0505);
        t.exec(&[0x4ddf_c800]); // ld1r {v0.4s}, [x0], #4
        assert_eq!(t.cpu.v[0], 0x0807_0605_0807_0605_0807_0605_0807_0605);
        assert_eq!(t.cpu.x(0), DATA + 9);
        t.exec(&[0x4d60_cc00]); // ld2r {v0.2d, v1.2d}, [x0]
        assert_eq!(t.cpu.v[1], (0x1817_1615_1413_1211u128 << 64) | 0x1817_1615_1413_1211);
        t.exec(&[0x0dff_e800]); // ld4r {v0.2s-v3.2s}, [x0], #16
        assert_eq!(t.cpu.v[3], 0x1817_1615_1817_1615);
        assert_eq!(t.cpu.x(0), DATA + 25);
    }

    #[test]
    fn faults_leave_registers_alone_and_reserved_forms() {
        let mut t = setup();
        let end = DATA + DATA_SIZE;
        t.cpu.set_x(0, end - 32);
        t.cpu.v[0] = 1;
        t.cpu.v[3] = 3;
        let e = t.run(&[0x4cdf_0000]); // ld4 {v0.16b-v3.16b}, [x0], #64 (runs off the mapping)
        assert!(matches!(e, Exception::DataAbort { write: false, .. }), "{e:?}");
        assert_eq!((t.cpu.v[0], t.cpu.v[3], t.cpu.x(0)), (1, 3, end - 32));
        // LD2 {Vt.1D, Vt2.1D} is reserved; LD1R needs L = 1; ST with S = 1 for D is reserved.
        assert_eq!(t.run(&[0x0c40_8c00]), Exception::Undefined); // ld2 {v0.1d, v1.1d}, [x0]
        assert_eq!(t.run(&[0x0d00_c000]), Exception::Undefined); // "st1r" (L = 0)
        assert_eq!(t.run(&[0x4d40_9400]), Exception::Undefined); // ld1 {v0.d}[?] with S = 1
        assert_eq!(t.run(&[0x4c40_1000]), Exception::Undefined); // opcode 0001 unallocated
    }
}
