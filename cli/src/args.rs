//! Command-line arguments: docker compose's global flags and the subcommands.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// tug: docker compose, without the Docker daemon.
#[derive(Debug, Parser)]
#[command(name = "tug", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every Compose command accepts. Like docker compose, they go before the command
/// (`tug -f a.yaml up`): after it, `-f` and `-p` mean what docker gives them there (`rm -f`
/// is force, `run -p` publishes a port). Only `--root` is accepted anywhere.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Compose configuration files (repeatable; `-` reads stdin).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<String>,
    /// Project name.
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Alternate working directory (default: the directory of the first compose file).
    #[arg(long = "project-directory", value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Enable a profile (repeatable).
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Alternate environment file (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// State directory.
    #[arg(
        long = "root",
        global = true,
        env = "TUG_ROOT",
        default_value = "/var/lib/tug",
        value_name = "DIR"
    )]
    pub root: PathBuf,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and render the compose file in canonical format.
    Config(ConfigArgs),
    /// Manage images.
    #[command(subcommand)]
    Image(crate::commands::image::ImageCommand),
    /// List images (shortcut for `image ls`).
    Images(crate::commands::image::LsArgs),
    /// Download an image from a registry (shortcut for `image pull`).
    Pull(crate::commands::image::PullArgs),
    /// Upload an image to a registry (shortcut for `image push`).
    Push(crate::commands::image::PushArgs),
    /// Log in to a registry.
    Login(crate::commands::image::LoginArgs),
    /// Log out from a registry.
    Logout(crate::commands::image::LogoutArgs),
    /// Manage containers.
    #[command(subcommand)]
    Container(Box<crate::commands::container::ContainerCommand>),
    /// List containers (shortcut for `container ls`).
    Ps(crate::commands::container::PsArgs),
    /// Execute a command in a running container (shortcut for `container exec`).
    Exec(crate::commands::container::exec::ExecArgs),
}

/// `tug config` flags, as in `docker compose config`.
#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArgs {
    /// Format the output: yaml or json.
    #[arg(long, value_name = "FORMAT", default_value = "yaml")]
    pub format: String,
    /// Only validate the configuration, don't print anything.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the service names, one per line.
    #[arg(long = "services", id = "list_services")]
    pub services: bool,
    /// Print the volume names, one per line.
    #[arg(long)]
    pub volumes: bool,
    /// Print the network names, one per line.
    #[arg(long)]
    pub networks: bool,
    /// Print the image names, one per line.
    #[arg(long)]
    pub images: bool,
    /// Print the profile names, one per line.
    #[arg(long = "profiles", id = "list_profiles")]
    pub list_profiles: bool,
    /// Print the service config hash, one per line ("*" for all services).
    #[arg(long, value_name = "SERVICES")]
    pub hash: Option<String>,
    /// Print the model variables and their default values.
    #[arg(long)]
    pub variables: bool,
    /// Print the environment used for interpolation.
    #[arg(long)]
    pub environment: bool,
    /// Don't interpolate environment variables.
    #[arg(long)]
    pub no_interpolate: bool,
    /// Don't normalize the compose model.
    #[arg(long)]
    pub no_normalize: bool,
    /// Don't resolve file paths.
    #[arg(long)]
    pub no_path_resolution: bool,
    /// Don't check model consistency (undefined services, networks, ...).
    #[arg(long)]
    pub no_consistency: bool,
    /// Don't fold env_file values into environment.
    #[arg(long)]
    pub no_env_resolution: bool,
    /// Save to a file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Services to print (default: all).
    pub service_names: Vec<String>,
}
