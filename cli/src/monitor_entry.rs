//! The hidden `tug --root R __monitor ID` command: a container's monitor. It is dispatched
//! from `main` before clap, tracing or anything else that could start a thread, because the
//! runtime clones the container's init from this process and refuses a multi-threaded one.

use std::ffi::OsString;
use std::path::PathBuf;

/// The hidden subcommand's name.
pub const SUBCOMMAND: &str = "__monitor";

/// `Some((root, id))` when the arguments are exactly `--root R __monitor ID`.
pub fn parse(args: &[OsString]) -> Option<(PathBuf, String)> {
    match args {
        [_, flag, root, sub, id] if flag == "--root" && sub == SUBCOMMAND => {
            Some((PathBuf::from(root), id.to_str()?.to_string()))
        }
        _ => None,
    }
}

/// Runs the monitor; returns the process exit code (its errors are also recorded in the
/// container's state, since stderr is /dev/null).
pub fn run(root: &std::path::Path, id: &str) -> i32 {
    match engine::monitor::process::run(root, id) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("tug monitor: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_hidden_form_is_a_monitor() {
        let args: Vec<OsString> = ["tug", "--root", "/r", "__monitor", "abc"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(parse(&args), Some((PathBuf::from("/r"), "abc".into())));
        assert_eq!(parse(&args[..4]), None);
    }
}
