//! `tug container run` and `create`. `run -d` prints the id; without `-d` it follows the
//! log to the terminal and exits with the container's code (`--rm` removes it afterwards).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use engine::container::{ContainerStore, ProcProcesses};
use engine::lifecycle;
use engine::monitor::log::{read_log, ReadOptions, Stream};

use super::create::CreateArgs;
use super::{monitor_command, EXIT_TUG_ERROR};

/// `run` flags: `create`'s and these.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Run container in background and print container ID.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Automatically remove the container when it exits.
    #[arg(long)]
    pub rm: bool,
    #[command(flatten)]
    pub create: CreateArgs,
}

/// `create`: prints the new container's id.
pub fn create(root: &Path, args: &CreateArgs) -> Result<i32> {
    match args
        .options()
        .and_then(|o| Ok(lifecycle::create(root, &o)?))
    {
        Ok(c) => {
            println!("{}", c.config.id);
            Ok(0)
        }
        Err(e) => {
            eprintln!("tug: {}", crate::render_error(&e));
            Ok(EXIT_TUG_ERROR)
        }
    }
}

/// `run`: create, start, then print the id (`-d`) or attach to the output and wait.
pub fn run(root: &Path, args: &RunArgs) -> Result<i32> {
    let created = args.create.options().and_then(|mut o| {
        // In the foreground this command removes it; detached, the monitor does.
        o.auto_remove = args.rm && args.detach;
        Ok(lifecycle::create(root, &o)?)
    });
    let container = match created {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tug: {}", crate::render_error(&e));
            return Ok(EXIT_TUG_ERROR);
        }
    };
    let id = container.config.id.clone();
    let monitor = match monitor_command(root).and_then(|m| Ok(lifecycle::start(root, &id, &m)?)) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("tug: {}", crate::render_error(&e));
            let _ = lifecycle::remove(root, &id, true);
            return Ok(EXIT_TUG_ERROR);
        }
    };
    if args.detach {
        println!("{id}");
        return Ok(0);
    }
    let code = attach(root, &id)?;
    if let Some(mut child) = monitor {
        let _ = child.wait();
    }
    if args.rm {
        lifecycle::remove(root, &id, true)?;
    }
    Ok(code)
}

/// Copies the container's log to stdout/stderr until it exits; returns its exit code (the
/// runtime's 125/126/127 when it could not start, with its message).
fn attach(root: &Path, id: &str) -> Result<i32> {
    let store = ContainerStore::open(root)?;
    let path = store.load(id)?.log_path();
    if let Err(e) = lifecycle::install_signal_proxy() {
        tracing::warn!(error = %e, "signals will not reach the container");
    }
    let (entries, mut follower) = read_log(&path, ReadOptions::default())?;
    print_entries(&entries);
    loop {
        store.refresh(&ProcProcesses)?;
        let c = store.load(id)?;
        let done =
            !c.state.status.has_monitor() && c.state.status != engine::container::Status::Created;
        print_entries(&follower.poll()?);
        for signal in lifecycle::take_signals() {
            // The container may be exiting already; that is not worth a message.
            let _ = lifecycle::kill(root, id, signal.as_str());
        }
        if done {
            if !c.state.error.is_empty() {
                eprintln!("tug: {}", c.state.error);
            }
            return Ok(c.state.exit_code);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn print_entries(entries: &[engine::monitor::log::LogEntry]) {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    for e in entries {
        let _ = match e.stream {
            Stream::Stdout => out.write_all(e.log.as_bytes()),
            Stream::Stderr => err.write_all(e.log.as_bytes()),
        };
    }
    let _ = out.flush();
}
