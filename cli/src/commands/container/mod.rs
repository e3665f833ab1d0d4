//! `tug container …` (and the `tug ps` shortcut): docker's container commands on the
//! embedded engine. Each command reads the container files; running containers are owned by
//! their monitor process (see `monitor_entry.rs`).

mod control;
mod create;
pub mod exec;
mod health_flags;
mod inspect;
mod logs;
mod ps;
mod run;
mod top;

pub use ps::PsArgs;

use crate::args::GlobalArgs;
use anyhow::Result;
use clap::{Args, Subcommand};
use engine::lifecycle::{self, MonitorCommand};
use std::path::Path;

/// Docker's exit code for an error of tug itself, before the container ran.
pub const EXIT_TUG_ERROR: i32 = 125;

/// The `tug container` subcommands.
#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// Create and run a new container from an image.
    Run(run::RunArgs),
    /// Create a new container.
    Create(create::CreateArgs),
    /// Start one or more stopped containers.
    Start(NamesArgs),
    /// Stop one or more running containers.
    Stop(StopArgs),
    /// Kill one or more running containers.
    Kill(KillArgs),
    /// Remove one or more containers.
    #[command(name = "rm", visible_alias = "remove")]
    Rm(RmArgs),
    /// List containers.
    #[command(name = "ls", visible_alias = "ps", alias = "list")]
    Ls(ps::PsArgs),
    /// Fetch the logs of a container.
    Logs(logs::LogsArgs),
    /// Display detailed information on one or more containers.
    Inspect(NamesArgs),
    /// Block until one or more containers stop, then print their exit codes.
    Wait(NamesArgs),
    /// Execute a command in a running container.
    Exec(exec::ExecArgs),
    /// Restart one or more containers.
    Restart(StopArgs),
    /// Pause all processes within one or more containers.
    Pause(NamesArgs),
    /// Unpause all processes within one or more containers.
    Unpause(NamesArgs),
    /// List port mappings of a container (none until containers have networks).
    Port(control::PortArgs),
    /// Display the running processes of a container.
    Top(top::TopArgs),
}

/// Containers named on the command line.
#[derive(Debug, Args, Clone)]
pub struct NamesArgs {
    /// Container names or ids.
    #[arg(required = true)]
    pub containers: Vec<String>,
}

/// `stop` flags.
#[derive(Debug, Args, Clone)]
pub struct StopArgs {
    /// Seconds to wait before killing the container.
    #[arg(short = 't', long = "time")]
    pub time: Option<u32>,
    /// Container names or ids.
    #[arg(required = true)]
    pub containers: Vec<String>,
}

/// `kill` flags.
#[derive(Debug, Args, Clone)]
pub struct KillArgs {
    /// Signal to send to the container.
    #[arg(short = 's', long = "signal", default_value = "KILL")]
    pub signal: String,
    /// Container names or ids.
    #[arg(required = true)]
    pub containers: Vec<String>,
}

/// `rm` flags.
#[derive(Debug, Args, Clone)]
pub struct RmArgs {
    /// Force the removal of a running container (uses SIGKILL).
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Container names or ids.
    #[arg(required = true)]
    pub containers: Vec<String>,
}

/// How this binary re-runs itself as a container's monitor.
pub fn monitor_command(root: &Path) -> Result<MonitorCommand> {
    let program = std::env::current_exe()?;
    Ok(MonitorCommand {
        program,
        args: vec![
            "--root".into(),
            root.as_os_str().to_owned(),
            crate::monitor_entry::SUBCOMMAND.into(),
        ],
    })
}

/// Runs one `tug container` subcommand; returns the exit code.
pub fn run(global: &GlobalArgs, cmd: &ContainerCommand) -> Result<i32> {
    let root = global.root.as_path();
    match cmd {
        ContainerCommand::Run(args) => run::run(root, args),
        ContainerCommand::Create(args) => run::create(root, args),
        ContainerCommand::Start(args) => each(&args.containers, |c| {
            lifecycle::start(root, c, &monitor_command(root)?)?;
            Ok(())
        }),
        ContainerCommand::Stop(args) => each(&args.containers, |c| {
            lifecycle::stop(root, c, args.time)?;
            Ok(())
        }),
        ContainerCommand::Kill(args) => each(&args.containers, |c| {
            lifecycle::kill(root, c, &args.signal)?;
            Ok(())
        }),
        ContainerCommand::Rm(args) => each(&args.containers, |c| {
            lifecycle::remove(root, c, args.force)?;
            Ok(())
        }),
        ContainerCommand::Ls(args) => ps::run(root, args),
        ContainerCommand::Logs(args) => logs::run(root, args),
        ContainerCommand::Inspect(args) => inspect::run(root, &args.containers),
        ContainerCommand::Exec(args) => exec::run(root, args),
        ContainerCommand::Restart(args) => {
            each(&args.containers, |c| control::restart(root, c, args.time))
        }
        ContainerCommand::Pause(args) => each(&args.containers, |c| {
            lifecycle::pause(root, c)?;
            Ok(())
        }),
        ContainerCommand::Unpause(args) => each(&args.containers, |c| {
            lifecycle::unpause(root, c)?;
            Ok(())
        }),
        ContainerCommand::Port(args) => control::port(root, args),
        ContainerCommand::Top(args) => top::run(root, args),
        ContainerCommand::Wait(args) => {
            let mut failed = false;
            for c in &args.containers {
                match lifecycle::wait(root, c) {
                    Ok(code) => println!("{code}"),
                    Err(e) => {
                        eprintln!("Error response from daemon: {e}");
                        failed = true;
                    }
                }
            }
            Ok(i32::from(failed))
        }
    }
}

/// Runs `op` on each container, printing its name as docker does, and errors per container
/// on stderr; exit code 1 when any failed.
fn each(containers: &[String], op: impl Fn(&str) -> Result<()>) -> Result<i32> {
    let mut failed = false;
    for c in containers {
        match op(c) {
            Ok(()) => println!("{c}"),
            Err(e) => {
                eprintln!("Error response from daemon: {}", crate::render_error(&e));
                failed = true;
            }
        }
    }
    Ok(i32::from(failed))
}
