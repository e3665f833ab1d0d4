//! `tug image …` (and the `tug images` shortcut): docker's local image commands.

mod format;
mod import;
mod in_use;
mod inspect;
mod load;
mod login;
mod ls;
mod progress;
mod prune;
mod pull;
mod push;
mod registry_flags;
mod rm;
mod save;
mod tag;

pub use login::{run_login, run_logout, LoginArgs, LogoutArgs};
pub use ls::LsArgs;
pub use pull::PullArgs;
pub use push::PushArgs;

use crate::args::GlobalArgs;
use anyhow::Result;
use clap::Subcommand;

/// The `tug image` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// List images.
    #[command(name = "ls", visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Display detailed information on one or more images.
    Inspect(inspect::InspectArgs),
    /// Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.
    Tag(tag::TagArgs),
    /// Remove one or more images.
    #[command(name = "rm", visible_alias = "remove")]
    Rm(rm::RmArgs),
    /// Remove unused images.
    Prune(prune::PruneArgs),
    /// Import the contents from a tarball to create a filesystem image.
    Import(import::ImportArgs),
    /// Load an image from a tar archive or STDIN.
    Load(load::LoadArgs),
    /// Save one or more images to a tar archive (streamed to STDOUT by default).
    Save(save::SaveArgs),
    /// Download an image from a registry.
    Pull(pull::PullArgs),
    /// Upload an image to a registry.
    Push(push::PushArgs),
}

/// Runs one `tug image` subcommand; returns the exit code.
pub fn run(global: &GlobalArgs, cmd: &ImageCommand) -> Result<i32> {
    let root = &global.root;
    match cmd {
        ImageCommand::Ls(a) => ls::run(root, a),
        ImageCommand::Inspect(a) => inspect::run(root, a),
        ImageCommand::Tag(a) => tag::run(root, a),
        ImageCommand::Rm(a) => rm::run(root, a),
        ImageCommand::Prune(a) => prune::run(root, a),
        ImageCommand::Import(a) => import::run(root, a),
        ImageCommand::Load(a) => load::run(root, a),
        ImageCommand::Save(a) => save::run(root, a),
        ImageCommand::Pull(a) => pull::run(root, a),
        ImageCommand::Push(a) => push::run(root, a),
    }
}

/// `tug images`: the shortcut for `tug image ls`.
pub fn run_images(global: &GlobalArgs, args: &LsArgs) -> Result<i32> {
    ls::run(&global.root, args)
}

/// `tug pull`: the shortcut for `tug image pull`.
pub fn run_pull(global: &GlobalArgs, args: &PullArgs) -> Result<i32> {
    pull::run(&global.root, args)
}

/// `tug push`: the shortcut for `tug image push`.
pub fn run_push(global: &GlobalArgs, args: &PushArgs) -> Result<i32> {
    push::run(&global.root, args)
}
