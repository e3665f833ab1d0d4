//! Pseudo-terminals for `exec -t`: the pty pair is allocated inside the container (its own
//! devpts instance, so `tty` and `ttyname` work there), the master is handed to the caller
//! over a unix socket, and the caller copies bytes between its terminal and the master.

use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt};
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use nix::sys::stat::Mode;
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg, Termios};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use thiserror::Error;

/// Why a terminal could not be set up or served.
#[derive(Debug, Error)]
pub enum PtyError {
    /// A terminal or socket syscall failed.
    #[error("{what}: {source}")]
    Sys {
        /// The call.
        what: &'static str,
        /// The kernel's answer.
        source: nix::Error,
    },
    /// The other side closed the socket without sending the pty master.
    #[error("no pty master was received")]
    NoMaster,
}

fn sys(what: &'static str) -> impl FnOnce(nix::Error) -> PtyError {
    move |source| PtyError::Sys { what, source }
}

/// Allocates a pty pair from `/dev/ptmx` of the current mount namespace and returns
/// (master, slave), both close-on-exec and without becoming the controlling terminal.
pub fn open_pair() -> Result<(OwnedFd, OwnedFd), PtyError> {
    let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)
        .map_err(sys("posix_openpt"))?;
    grantpt(&master).map_err(sys("grantpt"))?;
    unlockpt(&master).map_err(sys("unlockpt"))?;
    let name = ptsname_r(&master).map_err(sys("ptsname"))?;
    let slave = open(
        name.as_str(),
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(sys("open pty slave"))?;
    // SAFETY: PtyMaster owns a valid fd; into_raw_fd gives up that ownership to OwnedFd.
    let master = unsafe { OwnedFd::from_raw_fd(std::os::fd::IntoRawFd::into_raw_fd(master)) };
    Ok((master, slave))
}

/// Makes the calling process a session leader whose controlling terminal is `slave`.
pub fn make_controlling(slave: BorrowedFd<'_>) -> Result<(), PtyError> {
    nix::unistd::setsid().map_err(sys("setsid"))?;
    // SAFETY: TIOCSCTTY takes an int argument; slave is a valid open terminal fd.
    let rc = unsafe { nix::libc::ioctl(slave.as_raw_fd(), nix::libc::TIOCSCTTY, 0) };
    Errno::result(rc).map_err(sys("ioctl(TIOCSCTTY)"))?;
    Ok(())
}

/// Sends `fd` over the unix socket `sock` (SCM_RIGHTS).
pub fn send_fd(sock: BorrowedFd<'_>, fd: BorrowedFd<'_>) -> Result<(), PtyError> {
    let fds = [fd.as_raw_fd()];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    sendmsg::<()>(
        sock.as_raw_fd(),
        &[IoSlice::new(b"m")],
        &cmsg,
        MsgFlags::empty(),
        None,
    )
    .map_err(sys("sendmsg(SCM_RIGHTS)"))?;
    Ok(())
}

/// Receives one fd sent by [`send_fd`]; [`PtyError::NoMaster`] when the peer closed first.
pub fn recv_fd(sock: BorrowedFd<'_>) -> Result<OwnedFd, PtyError> {
    let mut byte = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let msg = recvmsg::<()>(
        sock.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .map_err(sys("recvmsg(SCM_RIGHTS)"))?;
    let cmsgs = msg.cmsgs().map_err(sys("recvmsg control data"))?;
    for c in cmsgs {
        if let ControlMessageOwned::ScmRights(fds) = c {
            if let Some(fd) = fds.first() {
                // SAFETY: the kernel just installed this fd in our table; we own it.
                return Ok(unsafe { OwnedFd::from_raw_fd(*fd) });
            }
        }
    }
    Err(PtyError::NoMaster)
}

/// Copies the window size of the terminal `from` to `to` (TIOCGWINSZ/TIOCSWINSZ); false
/// when `from` is not a terminal.
pub fn copy_window_size(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<bool, PtyError> {
    let mut size = nix::libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize into the valid struct passed.
    let rc = unsafe { nix::libc::ioctl(from.as_raw_fd(), nix::libc::TIOCGWINSZ, &mut size) };
    if rc < 0 {
        return Ok(false);
    }
    // SAFETY: TIOCSWINSZ reads one winsize from the valid struct passed.
    let rc = unsafe { nix::libc::ioctl(to.as_raw_fd(), nix::libc::TIOCSWINSZ, &size) };
    Errno::result(rc).map_err(sys("ioctl(TIOCSWINSZ)"))?;
    Ok(true)
}

/// The caller's terminal in raw mode (keys go to the container unprocessed); the previous
/// mode is restored on drop.
pub struct RawMode<'fd> {
    fd: BorrowedFd<'fd>,
    saved: Termios,
}

impl<'fd> RawMode<'fd> {
    /// Puts `fd` in raw mode; `None` when it is not a terminal.
    pub fn enter(fd: BorrowedFd<'fd>) -> Result<Option<RawMode<'fd>>, PtyError> {
        let saved = match tcgetattr(fd) {
            Ok(t) => t,
            Err(Errno::ENOTTY) | Err(Errno::EINVAL) => return Ok(None),
            Err(e) => {
                return Err(PtyError::Sys {
                    what: "tcgetattr",
                    source: e,
                })
            }
        };
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        tcsetattr(fd, SetArg::TCSANOW, &raw).map_err(sys("tcsetattr"))?;
        Ok(Some(RawMode { fd, saved }))
    }
}

impl Drop for RawMode<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.fd, SetArg::TCSANOW, &self.saved);
    }
}

fn write_all(fd: BorrowedFd<'_>, mut buf: &[u8]) -> nix::Result<()> {
    while !buf.is_empty() {
        match nix::unistd::write(fd, buf) {
            Ok(n) => buf = &buf[n..],
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Copies `input` to `master` and `master` to `output` until the pty closes (every slave
/// fd gone: read gives EIO or EOF). End of `input` stops copying it but keeps reading.
pub fn pump(
    master: BorrowedFd<'_>,
    input: BorrowedFd<'_>,
    output: BorrowedFd<'_>,
) -> Result<(), PtyError> {
    let mut buf = [0u8; 8192];
    let mut input_open = true;
    loop {
        let mut fds = vec![PollFd::new(master, PollFlags::POLLIN)];
        if input_open {
            fds.push(PollFd::new(input, PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(e) => {
                return Err(PtyError::Sys {
                    what: "poll",
                    source: e,
                })
            }
        }
        let master_ready = fds[0].any().unwrap_or(false);
        let input_ready = input_open && fds.get(1).and_then(|f| f.any()).unwrap_or(false);
        if master_ready {
            match nix::unistd::read(master.as_fd(), &mut buf) {
                Ok(0) | Err(Errno::EIO) => return Ok(()),
                Ok(n) => write_all(output, &buf[..n]).map_err(sys("write to terminal"))?,
                Err(Errno::EINTR) | Err(Errno::EAGAIN) => {}
                Err(e) => {
                    return Err(PtyError::Sys {
                        what: "read pty master",
                        source: e,
                    })
                }
            }
        }
        if input_ready {
            match nix::unistd::read(input, &mut buf) {
                Ok(0) => input_open = false,
                Ok(n) => write_all(master, &buf[..n]).map_err(sys("write to pty master"))?,
                Err(Errno::EINTR) | Err(Errno::EAGAIN) => {}
                Err(e) => {
                    return Err(PtyError::Sys {
                        what: "read terminal",
                        source: e,
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_pair_carries_bytes_and_window_size() {
        let (master, slave) = open_pair().expect("pty pair");
        let mut size = nix::libc::winsize {
            ws_row: 33,
            ws_col: 101,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads the valid struct passed.
        let rc = unsafe { nix::libc::ioctl(slave.as_raw_fd(), nix::libc::TIOCSWINSZ, &size) };
        assert_eq!(rc, 0);
        let (other_master, other_slave) = open_pair().expect("second pair");
        assert!(copy_window_size(slave.as_fd(), other_master.as_fd()).expect("copy"));
        size.ws_row = 0;
        // SAFETY: TIOCGWINSZ writes into the valid struct passed.
        let rc =
            unsafe { nix::libc::ioctl(other_slave.as_raw_fd(), nix::libc::TIOCGWINSZ, &mut size) };
        assert_eq!((rc, size.ws_row, size.ws_col), (0, 33, 101));
        write_all(slave.as_fd(), b"hi").expect("write");
        let mut buf = [0u8; 8];
        let n = nix::unistd::read(master.as_fd(), &mut buf).expect("read");
        assert_eq!(&buf[..n], b"hi");
    }

    #[test]
    fn fds_travel_over_a_socket_and_a_closed_peer_is_reported() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        let (master, _slave) = open_pair().expect("pty pair");
        send_fd(a.as_fd(), master.as_fd()).expect("send");
        let got = recv_fd(b.as_fd()).expect("recv");
        assert!(tcgetattr(got.as_fd()).is_ok(), "received fd is a terminal");
        drop(a);
        assert!(matches!(recv_fd(b.as_fd()), Err(PtyError::NoMaster)));
    }

    #[test]
    fn raw_mode_is_skipped_for_non_terminals_and_restored_on_drop() {
        let (r, _w) = nix::unistd::pipe().expect("pipe");
        assert!(RawMode::enter(r.as_fd()).expect("enter").is_none());
        let (_master, slave) = open_pair().expect("pty pair");
        let before = tcgetattr(slave.as_fd()).expect("attrs");
        {
            let _raw = RawMode::enter(slave.as_fd())
                .expect("enter")
                .expect("a tty");
            let during = tcgetattr(slave.as_fd()).expect("attrs");
            assert_ne!(during.local_flags, before.local_flags);
        }
        let after = tcgetattr(slave.as_fd()).expect("attrs");
        assert_eq!(after.local_flags, before.local_flags);
    }
}
