//! The `tug` commands, one module each.

mod config;

use crate::args::{Cli, Command};
use anyhow::Result;

/// Runs a command and returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Config(args) => config::run(&cli.global, &args),
    }
}
