//! The signal dispositions of a process, read from `SigCgt`/`SigIgn` in /proc/PID/status,
//! and `--stop-signal` parsing.

use std::path::Path;
use std::str::FromStr;

use nix::sys::signal::Signal;

use super::StopError;

/// The caught and ignored signal sets of a process (bit `n-1` is signal `n`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignalMasks {
    pub caught: u64,
    pub ignored: u64,
}

impl SignalMasks {
    /// Parses the `SigIgn:` and `SigCgt:` lines of a /proc/PID/status text.
    pub fn parse(pid: i32, status: &str) -> Result<SignalMasks, StopError> {
        let field = |name: &'static str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
                .ok_or(StopError::Malformed { pid, field: name })
        };
        Ok(SignalMasks {
            caught: field("SigCgt:")?,
            ignored: field("SigIgn:")?,
        })
    }

    /// Reads the masks of a live process.
    pub fn read(pid: i32) -> Result<SignalMasks, StopError> {
        let path = Path::new("/proc").join(pid.to_string()).join("status");
        let text =
            std::fs::read_to_string(path).map_err(|source| StopError::Status { pid, source })?;
        SignalMasks::parse(pid, &text)
    }

    fn bit(signal: i32) -> u64 {
        if (1..=64).contains(&signal) {
            1u64 << (signal - 1)
        } else {
            0
        }
    }

    /// The process has a handler for `signal`.
    pub fn catches(&self, signal: i32) -> bool {
        self.caught & Self::bit(signal) != 0
    }

    /// The process set `signal` to SIG_IGN.
    pub fn ignores(&self, signal: i32) -> bool {
        self.ignored & Self::bit(signal) != 0
    }
}

/// Parses `--stop-signal`: `SIGTERM`, `TERM` or `15`; empty means SIGTERM.
pub fn parse_signal(s: &str) -> Result<i32, StopError> {
    if s.is_empty() {
        return Ok(Signal::SIGTERM as i32);
    }
    if let Ok(n) = s.parse::<i32>() {
        return Signal::try_from(n)
            .map(|sig| sig as i32)
            .map_err(|_| StopError::InvalidSignal(s.to_string()));
    }
    let upper = s.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    Signal::from_str(&name)
        .map(|sig| sig as i32)
        .map_err(|_| StopError::InvalidSignal(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tsh\nSigQ:\t0/31\nSigPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000004000\nSigCgt:\t0000000000010002\n";

    #[test]
    fn masks_parse_and_map_bits_to_signals() {
        let m = SignalMasks::parse(1, STATUS).unwrap();
        assert!(m.ignores(15)); // 0x4000 = bit 14 = SIGTERM
        assert!(m.catches(2) && m.catches(17)); // SIGINT, SIGCHLD
        assert!(!m.catches(15));
        assert!(SignalMasks::parse(1, "SigIgn:\t0\n").is_err());
        assert!(SignalMasks::parse(1, "SigIgn:\tzz\nSigCgt:\t0\n").is_err());
    }

    #[test]
    fn signals_parse_by_name_or_number() {
        assert_eq!(parse_signal("").unwrap(), 15);
        assert_eq!(parse_signal("SIGINT").unwrap(), 2);
        assert_eq!(parse_signal("quit").unwrap(), 3);
        assert_eq!(parse_signal("9").unwrap(), 9);
        assert!(parse_signal("SIGNOPE").is_err());
        assert!(parse_signal("99").is_err());
    }
}
