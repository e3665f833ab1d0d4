//! The `tug` commands, one module each.

mod config;
pub mod container;
pub mod image;

use crate::args::{Cli, Command};
use anyhow::Result;

/// Runs a command and returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Config(args) => config::run(&cli.global, &args),
        Command::Image(cmd) => image::run(&cli.global, &cmd),
        Command::Images(args) => image::run_images(&cli.global, &args),
        Command::Pull(args) => image::run_pull(&cli.global, &args),
        Command::Push(args) => image::run_push(&cli.global, &args),
        Command::Login(args) => image::run_login(&cli.global.root, &args),
        Command::Logout(args) => image::run_logout(&cli.global.root, &args),
        Command::Container(cmd) => container::run(&cli.global, &cmd),
        Command::Exec(args) => container::exec::run(&cli.global.root, &args),
        Command::Ps(args) => container::run(&cli.global, &container::ContainerCommand::Ls(args)),
    }
}
