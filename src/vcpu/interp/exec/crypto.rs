//! Cryptographic extension (ARM ARM C4.1 "Cryptographic AES",
//! "Cryptographic three-register SHA", "Cryptographic two-register SHA"):
//! FEAT_AES (AESE, AESD, AESMC, AESIMC), FEAT_SHA1 (SHA1C/P/M/H/SU0/SU1) and
//! FEAT_SHA256 (SHA256H/H2/SU0/SU1). PMULL (FEAT_PMULL) lives with the
//! three-different forms in `simd.rs`.

use crate::vcpu::interp::cpu::Cpu;
use crate::vcpu::interp::decode::{bits, insn, rd, rm, rn, Insn};
use crate::vcpu::interp::exception::{Exception, ExecResult};

/// Encodings of this class.
pub const TABLE: &[Insn] = &[
    insn("01001110 00 10100 001 oo 10 nnnnn ddddd", "AESE/AESD/AESMC/AESIMC", aes),
    insn("01011110 00 0 mmmmm 0 ooo 00 nnnnn ddddd", "SHA three-register", sha3),
    insn("01011110 00 10100 000 oo 10 nnnnn ddddd", "SHA two-register", sha2),
];

const SBOX: [u8; 256] = {
    // Generated from the AES affine map over GF(2^8) at compile time.
    let mut s = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let inv = gf_inv(i as u8);
        let mut x = inv;
        let mut r = inv;
        let mut k = 0;
        while k < 4 {
            x = x.rotate_left(1);
            r ^= x;
            k += 1;
        }
        s[i] = r ^ 0x63;
        i += 1;
    }
    s
};

const INV_SBOX: [u8; 256] = {
    let mut s = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        s[SBOX[i] as usize] = i as u8;
        i += 1;
    }
    s
};

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
const fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut r = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            r ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    r
}

/// Multiplicative inverse (0 for 0): a^254.
const fn gf_inv(a: u8) -> u8 {
    let mut r = 1u8;
    let mut k = 0;
    while k < 254 {
        r = gf_mul(r, a);
        k += 1;
    }
    if a == 0 {
        0
    } else {
        r
    }
}

fn bytes(v: u128) -> [u8; 16] {
    v.to_le_bytes()
}

/// AESE/AESD: AddRoundKey, (Inv)ShiftRows, (Inv)SubBytes; AESMC/AESIMC:
/// (Inv)MixColumns. The state is column-major: byte `r + 4c`.
fn aes(c: &mut Cpu, i: u32) -> ExecResult {
    let (d, n) = (rd(i), rn(i));
    let out = match bits(i, 12, 2) {
        op @ (0 | 1) => {
            let s = bytes(c.vreg(d) ^ c.vreg(n));
            let mut o = [0u8; 16];
            for col in 0..4 {
                for row in 0..4 {
                    if op == 0 {
                        o[row + 4 * col] = SBOX[s[row + 4 * ((col + row) % 4)] as usize];
                    } else {
                        o[row + 4 * ((col + row) % 4)] = INV_SBOX[s[row + 4 * col] as usize];
                    }
                }
            }
            o
        }
        op => {
            let s = bytes(c.vreg(n));
            let m: [u8; 4] = if op == 2 { [2, 3, 1, 1] } else { [14, 11, 13, 9] };
            let mut o = [0u8; 16];
            for col in 0..4 {
                for row in 0..4 {
                    let mut acc = 0u8;
                    for k in 0..4 {
                        acc ^= gf_mul(m[(k + 4 - row) % 4], s[k + 4 * col]);
                    }
                    o[row + 4 * col] = acc;
                }
            }
            o
        }
    };
    c.set_vreg(d, u128::from_le_bytes(out));
    Ok(())
}

fn elem(v: u128, e: u32) -> u32 {
    (v >> (32 * e)) as u32
}

fn choose(x: u32, y: u32, z: u32) -> u32 {
    ((y ^ z) & x) ^ z
}

fn majority(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | ((x | y) & z)
}

/// SHA1C/P/M, SHA1SU0, SHA256H, SHA256H2, SHA256SU1.
fn sha3(c: &mut Cpu, i: u32) -> ExecResult {
    let (d, n, m) = (rd(i), rn(i), rm(i));
    let (vd, vn, vm) = (c.vreg(d), c.vreg(n), c.vreg(m));
    let r = match bits(i, 12, 3) {
        op @ 0..=2 => {
            let mut x = vd;
            let mut y = elem(vn, 0);
            for e in 0..4 {
                let (b, cc, dd) = (elem(x, 1), elem(x, 2), elem(x, 3));
                let t = match op {
                    0 => choose(b, cc, dd),
                    1 => b ^ cc ^ dd,
                    _ => majority(b, cc, dd),
                };
                y = y.wrapping_add(elem(x, 0).rotate_left(5)).wrapping_add(t).wrapping_add(elem(vm, e));
                x = (x & !(0xffff_ffffu128 << 32)) | (u128::from(elem(x, 1).rotate_left(30)) << 32);
                // <Y, X> = ROL(Y:X, 32)
                let ny = elem(x, 3);
                x = (x << 32) | u128::from(y);
                y = ny;
            }
            x
        }
        3 => ((vn << 64) | (vd >> 64)) ^ vd ^ vm,
        op @ (4 | 5) => {
            let (mut x, mut y) = if op == 4 { (vd, vn) } else { (vn, vd) };
            for e in 0..4 {
                let chs = choose(elem(y, 0), elem(y, 1), elem(y, 2));
                let maj = majority(elem(x, 0), elem(x, 1), elem(x, 2));
                let y0 = elem(y, 0);
                let s1 = y0.rotate_right(6) ^ y0.rotate_right(11) ^ y0.rotate_right(25);
                let t = elem(y, 3).wrapping_add(s1).wrapping_add(chs).wrapping_add(elem(vm, e));
                let x0 = elem(x, 0);
                let s0 = x0.rotate_right(2) ^ x0.rotate_right(13) ^ x0.rotate_right(22);
                let x3 = t.wrapping_add(elem(x, 3));
                let y3 = t.wrapping_add(s0).wrapping_add(maj);
                x = (x & !(0xffff_ffffu128 << 96)) | (u128::from(x3) << 96);
                y = (y & !(0xffff_ffffu128 << 96)) | (u128::from(y3) << 96);
                // <Y, X> = ROL(Y:X, 32) over 256 bits.
                let (nx, ny) = ((x << 32) | (y >> 96), (y << 32) | (x >> 96));
                x = nx;
                y = ny;
            }
            if op == 4 {
                x
            } else {
                y
            }
        }
        6 => {
            let t0 = (vm << 96) | (vn >> 32);
            let sig1 = |x: u32| x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10);
            let mut r = 0u128;
            for e in 0..2 {
                let v = sig1(elem(vm, 2 + e)).wrapping_add(elem(vd, e)).wrapping_add(elem(t0, e));
                r |= u128::from(v) << (32 * e);
            }
            for e in 2..4 {
                let v = sig1(elem(r, e - 2)).wrapping_add(elem(vd, e)).wrapping_add(elem(t0, e));
                r |= u128::from(v) << (32 * e);
            }
            r
        }
        _ => return Err(Exception::Undefined),
    };
    c.set_vreg(d, r);
    Ok(())
}

/// SHA1H, SHA1SU1, SHA256SU0.
fn sha2(c: &mut Cpu, i: u32) -> ExecResult {
    let (d, n) = (rd(i), rn(i));
    let (vd, vn) = (c.vreg(d), c.vreg(n));
    let r = match bits(i, 12, 2) {
        0 => u128::from(elem(vn, 0).rotate_left(30)),
        1 => {
            let t = vd ^ (vn >> 32);
            let w3 = elem(t, 3).rotate_left(1) ^ elem(t, 0).rotate_left(2);
            (0..3).fold(u128::from(w3) << 96, |r, e| r | (u128::from(elem(t, e).rotate_left(1)) << (32 * e)))
        }
        2 => {
            let t = (vn << 96) | (vd >> 32);
            (0..4).fold(0u128, |r, e| {
                let x = elem(t, e);
                let v = (x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)).wrapping_add(elem(vd, e));
                r | (u128::from(v) << (32 * e))
            })
        }
        _ => return Err(Exception::Undefined),
    };
    c.set_vreg(d, r);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vcpu::interp::testing::TestCpu;

    #[test]
    fn sbox() {
        assert_eq!(SBOX[0], 0x63);
        assert_eq!(SBOX[0x53], 0xed);
        assert_eq!(INV_SBOX[0x63], 0);
    }

    /// FIPS-197 appendix B, round 1: AESE with the round key then AESMC.
    #[test]
    fn aes_round() {
        let mut t = TestCpu::new();
        let input = u128::from_be_bytes([
            0x32, 0x43, 0xf6, 0xa8, 0x88, 0x5a, 0x30, 0x8d, 0x31, 0x31, 0x98, 0xa2, 0xe0, 0x37, 0x07, 0x34,
        ]);
        let key = u128::from_be_bytes([
            0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
        ]);
        t.cpu.v[0] = u128::from_le_bytes(input.to_be_bytes());
        t.cpu.v[1] = u128::from_le_bytes(key.to_be_bytes());
        t.exec(&[0x4e28_4820, 0x4e28_6800]); // aese v0.16b, v1.16b ; aesmc v0.16b, v0.16b
                                             // Start of round 2 minus its AddRoundKey: mixcolumns output.
        let want = [0x04, 0x66, 0x81, 0xe5, 0xe0, 0xcb, 0x19, 0x9a, 0x48, 0xf8, 0xd3, 0x7a, 0x28, 0x06, 0x26, 0x4c];
        assert_eq!(t.cpu.v[0].to_le_bytes(), want);
    }
}
