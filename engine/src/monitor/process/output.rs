//! The container's stdout and stderr: two pipes whose write ends become the init's fds 1 and
//! 2, and whose read ends the monitor drains into the json-file log without blocking.

use std::io::{ErrorKind, Read};
use std::os::fd::OwnedFd;

use chrono::Utc;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::unistd::pipe2;

use crate::monitor::log::{LogError, LogWriter, Stream};
use crate::runtime::linux::Stdio;

/// The monitor's ends of the output pipes; `None` once a stream reached end of file.
#[derive(Debug)]
pub struct Output {
    streams: [(Stream, Option<std::fs::File>); 2],
}

/// Makes the pipes: the monitor keeps the read ends, the returned [`Stdio`] holds the write
/// ends for the init (stdin stays the monitor's /dev/null).
pub fn pipes() -> Result<(Output, Stdio), nix::Error> {
    let (out_r, out_w) = pipe2(OFlag::O_CLOEXEC)?;
    let (err_r, err_w) = pipe2(OFlag::O_CLOEXEC)?;
    for fd in [&out_r, &err_r] {
        nonblocking(fd)?;
    }
    let output = Output {
        streams: [
            (Stream::Stdout, Some(std::fs::File::from(out_r))),
            (Stream::Stderr, Some(std::fs::File::from(err_r))),
        ],
    };
    let stdio = Stdio {
        stdin: None,
        stdout: Some(out_w),
        stderr: Some(err_w),
    };
    Ok((output, stdio))
}

fn nonblocking(fd: &OwnedFd) -> Result<(), nix::Error> {
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok(())
}

impl Output {
    /// Copies whatever is readable now into `log`; returns true when both streams ended.
    pub fn drain(&mut self, log: &mut LogWriter) -> Result<bool, LogError> {
        let mut buf = [0u8; 32 * 1024];
        for (stream, slot) in &mut self.streams {
            let Some(file) = slot else { continue };
            loop {
                match file.read(&mut buf) {
                    Ok(0) => {
                        log.flush_partial(*stream, Utc::now())?;
                        *slot = None;
                        break;
                    }
                    Ok(n) => log.write(*stream, &buf[..n], Utc::now())?,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading container output");
                        log.flush_partial(*stream, Utc::now())?;
                        *slot = None;
                        break;
                    }
                }
            }
        }
        Ok(self.streams.iter().all(|(_, s)| s.is_none()))
    }

    /// Writes out unfinished lines and closes the pipes.
    pub fn finish(mut self, log: &mut LogWriter) -> Result<(), LogError> {
        for (stream, slot) in &mut self.streams {
            if slot.take().is_some() {
                log.flush_partial(*stream, Utc::now())?;
            }
        }
        Ok(())
    }
}
