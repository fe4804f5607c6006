//! Terminal and generic fd ioctls. `struct termios` is translated field
//! by field (`abi::termios`); request numbers are Linux's, mapped to the
//! host's by name.

use super::sys_fs::host_ret_i;
use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::termios;
use crate::process::Process;

/// ioctl(2): terminal requests and generic fd ones.
pub fn ioctl(p: &mut Process, a: &Args) -> SysResult {
    let (fd, req, arg) = (a.int(0), a.u(1) & 0xffff_ffff, a.u(2));
    let h = p.fds.host(fd)?;
    match req {
        termios::TCGETS => {
            let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
            // SAFETY: tcgetattr fills `t` on success.
            if unsafe { libc::tcgetattr(h, t.as_mut_ptr()) } < 0 {
                return Err(Errno::last_host());
            }
            // SAFETY: tcgetattr succeeded.
            let lt = termios::from_host(unsafe { &t.assume_init() });
            p.mm.write_obj(arg, &lt)?;
            Ok(0)
        }
        termios::TCSETS | termios::TCSETSW | termios::TCSETSF => {
            let lt: termios::Termios = p.mm.read_obj(arg)?;
            let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
            // SAFETY: tcgetattr fills `t` on success.
            if unsafe { libc::tcgetattr(h, t.as_mut_ptr()) } < 0 {
                return Err(Errno::last_host());
            }
            // SAFETY: tcgetattr succeeded.
            let mut t = unsafe { t.assume_init() };
            termios::to_host_termios(&lt, &mut t);
            let act = match req {
                termios::TCSETS => libc::TCSANOW,
                termios::TCSETSW => libc::TCSADRAIN,
                _ => libc::TCSAFLUSH,
            };
            // SAFETY: `t` is a valid termios.
            host_ret_i(unsafe { libc::tcsetattr(h, act, &t) }).map(|_| 0)
        }
        termios::TIOCGWINSZ => {
            let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
            // SAFETY: TIOCGWINSZ writes a winsize into `ws`.
            if unsafe { libc::ioctl(h, libc::TIOCGWINSZ, &mut ws) } < 0 {
                return Err(Errno::last_host());
            }
            let l = termios::Winsize {
                ws_row: ws.ws_row,
                ws_col: ws.ws_col,
                ws_xpixel: ws.ws_xpixel,
                ws_ypixel: ws.ws_ypixel,
            };
            p.mm.write_obj(arg, &l)?;
            Ok(0)
        }
        termios::TIOCSWINSZ => {
            let l: termios::Winsize = p.mm.read_obj(arg)?;
            let ws =
                libc::winsize { ws_row: l.ws_row, ws_col: l.ws_col, ws_xpixel: l.ws_xpixel, ws_ypixel: l.ws_ypixel };
            // SAFETY: TIOCSWINSZ reads a winsize from `ws`.
            host_ret_i(unsafe { libc::ioctl(h, libc::TIOCSWINSZ, &ws) }).map(|_| 0)
        }
        termios::FIONREAD => {
            let mut n: libc::c_int = 0;
            // SAFETY: FIONREAD writes an int.
            if unsafe { libc::ioctl(h, libc::FIONREAD, &mut n) } < 0 {
                return Err(Errno::last_host());
            }
            p.mm.write(arg, &n.to_le_bytes())?;
            Ok(0)
        }
        termios::FIONBIO => {
            let mut b = [0u8; 4];
            p.mm.read(arg, &mut b)?;
            let on = i32::from_le_bytes(b) != 0;
            // SAFETY: fcntl on an fd we own.
            let fl = unsafe { libc::fcntl(h, libc::F_GETFL) };
            let nf = if on { fl | libc::O_NONBLOCK } else { fl & !libc::O_NONBLOCK };
            // SAFETY: as above.
            host_ret_i(unsafe { libc::fcntl(h, libc::F_SETFL, nf) }).map(|_| 0)
        }
        termios::FIOCLEX | termios::FIONCLEX => {
            p.fds.get_mut(fd)?.cloexec = req == termios::FIOCLEX;
            Ok(0)
        }
        termios::TIOCGPGRP => {
            // SAFETY: tcgetpgrp has no memory effects.
            let g = unsafe { libc::tcgetpgrp(h) };
            if g < 0 {
                return Err(Errno::last_host());
            }
            p.mm.write(arg, &g.to_le_bytes())?;
            Ok(0)
        }
        termios::TIOCSPGRP => {
            let mut b = [0u8; 4];
            p.mm.read(arg, &mut b)?;
            let pg = i32::from_le_bytes(b);
            if pg < 0 {
                return Err(Errno::EINVAL);
            }
            // SAFETY: no memory effects.
            host_ret_i(unsafe { libc::tcsetpgrp(h, pg) }).map(|_| 0)
        }
        termios::TIOCGSID => {
            // SAFETY: no memory effects.
            let s = unsafe { libc::tcgetsid(h) };
            if s < 0 {
                return Err(Errno::last_host());
            }
            p.mm.write(arg, &s.to_le_bytes())?;
            Ok(0)
        }
        termios::TIOCSCTTY => {
            // SAFETY: TIOCSCTTY takes an int by value.
            host_ret_i(unsafe { libc::ioctl(h, libc::TIOCSCTTY as _, arg as libc::c_int) }).map(|_| 0)
        }
        termios::TIOCNOTTY => {
            // SAFETY: TIOCNOTTY takes no argument.
            host_ret_i(unsafe { libc::ioctl(h, libc::TIOCNOTTY as _) }).map(|_| 0)
        }
        termios::TIOCEXCL | termios::TIOCNXCL => {
            let r = if req == termios::TIOCEXCL { libc::TIOCEXCL } else { libc::TIOCNXCL };
            // SAFETY: no argument.
            host_ret_i(unsafe { libc::ioctl(h, r as _) }).map(|_| 0)
        }
        termios::TIOCOUTQ => {
            let mut n: libc::c_int = 0;
            // SAFETY: TIOCOUTQ writes an int.
            if unsafe { libc::ioctl(h, libc::TIOCOUTQ as _, &mut n) } < 0 {
                return Err(Errno::last_host());
            }
            p.mm.write(arg, &n.to_le_bytes())?;
            Ok(0)
        }
        termios::TCFLSH => {
            let q = match arg {
                termios::TCIFLUSH => libc::TCIFLUSH,
                termios::TCOFLUSH => libc::TCOFLUSH,
                termios::TCIOFLUSH => libc::TCIOFLUSH,
                _ => return Err(Errno::EINVAL),
            };
            // SAFETY: no memory effects.
            host_ret_i(unsafe { libc::tcflush(h, q) }).map(|_| 0)
        }
        termios::TCXONC => {
            let act = match arg {
                termios::TCOOFF => libc::TCOOFF,
                termios::TCOON => libc::TCOON,
                termios::TCIOFF => libc::TCIOFF,
                termios::TCION => libc::TCION,
                _ => return Err(Errno::EINVAL),
            };
            // SAFETY: no memory effects.
            host_ret_i(unsafe { libc::tcflow(h, act) }).map(|_| 0)
        }
        termios::TCSBRK => {
            // Linux: a zero argument sends a break, others only drain.
            // SAFETY: no memory effects.
            let r = if arg == 0 { unsafe { libc::tcsendbreak(h, 0) } } else { unsafe { libc::tcdrain(h) } };
            host_ret_i(r).map(|_| 0)
        }
        termios::FIOASYNC => {
            let mut b = [0u8; 4];
            p.mm.read(arg, &mut b)?;
            // SAFETY: fcntl on an fd we own.
            let fl = unsafe { libc::fcntl(h, libc::F_GETFL) };
            let nf = if i32::from_le_bytes(b) != 0 { fl | libc::O_ASYNC } else { fl & !libc::O_ASYNC };
            // SAFETY: as above.
            host_ret_i(unsafe { libc::fcntl(h, libc::F_SETFL, nf) }).map(|_| 0)
        }
        #[cfg(target_os = "linux")]
        termios::TIOCGPTN => {
            let mut n: libc::c_uint = 0;
            // SAFETY: TIOCGPTN writes an unsigned int.
            if unsafe { libc::ioctl(h, libc::TIOCGPTN as _, &mut n) } < 0 {
                return Err(Errno::last_host());
            }
            p.mm.write(arg, &n.to_le_bytes())?;
            Ok(0)
        }
        #[cfg(target_os = "linux")]
        termios::TIOCSPTLCK => {
            let mut b = [0u8; 4];
            p.mm.read(arg, &mut b)?;
            let v = libc::c_int::from_le_bytes(b);
            // SAFETY: TIOCSPTLCK reads an int.
            host_ret_i(unsafe { libc::ioctl(h, libc::TIOCSPTLCK as _, &v) }).map(|_| 0)
        }
        termios::TIOCGPTPEER => {
            // The slave of this master, opened with `arg` as open flags.
            let n = crate::procfs::dev::master_number(h).ok_or(Errno::ENOTTY)?;
            let flags = (arg as u32) & !crate::abi::fcntl::O_CLOEXEC;
            let hflags = super::sys_fs::open_flags_to_host(flags)? | libc::O_NOCTTY;
            let host = crate::procfs::dev::open_pts(n, hflags)?;
            let cloexec = arg as u32 & crate::abi::fcntl::O_CLOEXEC != 0;
            let e = crate::fdtable::FdEntry { host, cloexec, path: Some(format!("/dev/pts/{n}")) };
            Ok(p.fds.install(e, 0)? as u64)
        }
        #[cfg(not(target_os = "linux"))]
        termios::TIOCGPTN => {
            let n = crate::procfs::dev::master_number(h).ok_or(Errno::ENOTTY)?;
            p.mm.write(arg, &n.to_le_bytes())?;
            Ok(0)
        }
        #[cfg(not(target_os = "linux"))]
        termios::TIOCSPTLCK => {
            let mut b = [0u8; 4];
            p.mm.read(arg, &mut b)?;
            // macOS: unlockpt unlocks; there is no relock.
            if libc::c_int::from_le_bytes(b) == 0 {
                // SAFETY: unlockpt on the guest's own master.
                host_ret_i(unsafe { libc::unlockpt(h) }).map(|_| 0)
            } else {
                Ok(0)
            }
        }
        _ => Err(Errno::ENOTTY),
    }
}
