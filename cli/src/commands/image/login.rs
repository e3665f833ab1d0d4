//! `tug login` and `tug logout`: registry credentials in docker's `~/.docker/config.json`.

use super::registry_flags::RegistryFlags;
use anyhow::{bail, Context, Result};
use clap::Args;
use engine::registry::{self, Credentials, DEFAULT_LOGIN_REGISTRY};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;

/// `tug login` flags, as in `docker login`.
#[derive(Debug, Args, Clone)]
pub struct LoginArgs {
    /// Username.
    #[arg(short, long)]
    pub username: Option<String>,
    /// Password (prefer --password-stdin: arguments show up in `ps`).
    #[arg(short, long, conflicts_with = "password_stdin")]
    pub password: Option<String>,
    /// Take the password from stdin.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// The registry (default: Docker Hub).
    #[arg(value_name = "SERVER")]
    pub server: Option<String>,
}

/// `tug logout` arguments.
#[derive(Debug, Args, Clone)]
pub struct LogoutArgs {
    /// The registry (default: Docker Hub).
    #[arg(value_name = "SERVER")]
    pub server: Option<String>,
}

pub fn run_login(root: &Path, args: &LoginArgs) -> Result<i32> {
    let server =
        registry::normalise_registry(args.server.as_deref().unwrap_or(DEFAULT_LOGIN_REGISTRY));
    let opts = args.registry.options(root)?;
    let creds = read_credentials(args, &server)?;
    let path =
        registry::login(&server, &creds, &opts).with_context(|| format!("login to {server}"))?;
    eprintln!(
        "WARNING! Your password will be stored unencrypted in {}.",
        path.display()
    );
    println!("Login Succeeded");
    Ok(0)
}

pub fn run_logout(root: &Path, args: &LogoutArgs) -> Result<i32> {
    let server =
        registry::normalise_registry(args.server.as_deref().unwrap_or(DEFAULT_LOGIN_REGISTRY));
    let opts = super::registry_flags::RegistryFlags::default().options(root)?;
    if registry::logout(&server, &opts).with_context(|| format!("logout from {server}"))? {
        println!("Removing login credentials for {server}");
    } else {
        println!("Not logged in to {server}");
    }
    Ok(0)
}

/// The user name and password from flags, stdin or prompts, as docker takes them.
fn read_credentials(args: &LoginArgs, server: &str) -> Result<Credentials> {
    let interactive = std::io::stdin().is_terminal();
    if args.password.is_some() {
        eprintln!("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
    }
    let username = match &args.username {
        Some(u) => u.clone(),
        None if args.password_stdin => {
            bail!("must provide --username with --password-stdin")
        }
        None if interactive => {
            eprint!("Username: ");
            std::io::stderr().flush().context("write the prompt")?;
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("read the username")?;
            line.trim().to_string()
        }
        None => bail!(
            "cannot perform an interactive login to {server} from a non-TTY device: \
             pass --username and --password-stdin"
        ),
    };
    if username.is_empty() {
        bail!("login to {server}: username is empty");
    }
    let password = match (&args.password, args.password_stdin) {
        (Some(p), _) => p.clone(),
        (None, true) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("read the password from stdin")?;
            s.trim_end_matches(['\n', '\r']).to_string()
        }
        (None, false) if interactive => {
            rpassword::prompt_password("Password: ").context("read the password")?
        }
        (None, false) => bail!(
            "cannot perform an interactive login to {server} from a non-TTY device: \
             use --password-stdin"
        ),
    };
    if password.is_empty() {
        bail!("login to {server}: password is empty");
    }
    Ok(Credentials { username, password })
}
