//! docker's `--sig-proxy` for a foreground `run`: signals the CLI receives (Ctrl-C, `kill`)
//! are recorded by a handler and passed on to the container's init by the attach loop,
//! instead of killing the CLI and leaving the container running unattended.

use std::sync::atomic::{AtomicU64, Ordering};

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

/// The signals proxied, as docker's CLI does for the common ones.
const PROXIED: [Signal; 6] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
];

static PENDING: AtomicU64 = AtomicU64::new(0);

extern "C" fn record(signal: nix::libc::c_int) {
    if (1..64).contains(&signal) {
        PENDING.fetch_or(1 << signal, Ordering::SeqCst);
    }
}

/// Installs the recording handler for the proxied signals in this process.
pub fn install_signal_proxy() -> Result<(), nix::Error> {
    let action = SigAction::new(
        SigHandler::Handler(record),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for s in PROXIED {
        // SAFETY: the handler only does an atomic fetch_or, which is async-signal-safe.
        unsafe { sigaction(s, &action)? };
    }
    Ok(())
}

/// The signals received since the last call, lowest number first.
pub fn take_signals() -> Vec<Signal> {
    let bits = PENDING.swap(0, Ordering::SeqCst);
    (1..64)
        .filter(|n| bits & (1 << n) != 0)
        .filter_map(|n| Signal::try_from(n).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_signals_are_taken_once_in_order() {
        record(Signal::SIGUSR2 as i32);
        record(Signal::SIGINT as i32);
        record(Signal::SIGINT as i32);
        assert_eq!(take_signals(), [Signal::SIGINT, Signal::SIGUSR2]);
        assert!(take_signals().is_empty());
    }
}
