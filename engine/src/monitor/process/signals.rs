//! The monitor's stop request: `tug container stop` sends SIGTERM to the monitor, whose
//! handler only sets a flag that the main loop polls (nothing else is async-signal-safe).

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::atomic::{AtomicBool, Ordering};

static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_: nix::libc::c_int) {
    STOP_REQUESTED.store(true, Ordering::SeqCst);
}

/// Installs the SIGTERM/SIGINT handler and ignores SIGHUP and SIGPIPE (the monitor is
/// detached; a closed log reader must not kill it).
pub fn install() -> Result<(), nix::Error> {
    let stop = SigAction::new(
        SigHandler::Handler(on_stop),
        SaFlags::empty(),
        SigSet::empty(),
    );
    let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe; ignoring a
    // signal has no handler at all.
    unsafe {
        sigaction(Signal::SIGTERM, &stop)?;
        sigaction(Signal::SIGINT, &stop)?;
        sigaction(Signal::SIGHUP, &ignore)?;
        sigaction(Signal::SIGPIPE, &ignore)?;
    }
    Ok(())
}

/// Whether a stop was requested since the last [`take`].
pub fn take() -> bool {
    STOP_REQUESTED.swap(false, Ordering::SeqCst)
}

/// Whether a stop was requested (without clearing it).
pub fn pending() -> bool {
    STOP_REQUESTED.load(Ordering::SeqCst)
}
