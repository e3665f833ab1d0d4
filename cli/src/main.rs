//! `tug`: a Compose orchestrator with its own embedded container engine.
//!
//! The binary is short-lived: every command reads the state on disk, does its work and exits.
//! This file only parses the command line, sets up logging and maps errors to exit codes; the
//! commands live in `commands/`.

mod args;
mod commands;
mod monitor_entry;
mod project;
mod table;
mod yaml_out;

use clap::Parser;

fn main() {
    // The container monitor must stay single-threaded: dispatch it before anything else.
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some((root, id)) = monitor_entry::parse(&raw) {
        std::process::exit(monitor_entry::run(&root, &id));
    }
    let mut cli = args::Cli::parse();
    // The state directory is handed to monitors and used by mounts made from other working
    // directories, so a relative `--root` is made absolute once, here.
    if cli.global.root.is_relative() {
        if let Ok(cwd) = std::env::current_dir() {
            cli.global.root = cwd.join(&cli.global.root);
        }
    }
    init_tracing();
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", render_error(&e));
            1
        }
    };
    std::process::exit(code);
}

/// Prints the error chain the way users read it: the outermost context first, then causes.
fn render_error(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TUG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .init();
}
