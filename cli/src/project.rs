//! From global flags to a loaded Compose project.

use crate::args::GlobalArgs;
use anyhow::{Context, Result};
use compose_spec::{discover, load, ConfigDetails, LoadOptions, Loaded, ProjectOptions};
use std::io::Read;

/// Turns the global flags plus the process environment into discovery options.
pub fn project_options(global: &GlobalArgs) -> Result<ProjectOptions> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let stdin = if global.files.iter().any(|f| f == "-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the compose file from stdin")?;
        Some(s)
    } else {
        None
    };
    Ok(ProjectOptions {
        files: global.files.clone(),
        project_name: global.project_name.clone(),
        project_directory: global.project_directory.clone(),
        env_files: global.env_files.clone(),
        profiles: global.profiles.clone(),
        cwd,
        os_env: std::env::vars().collect(),
        stdin,
    })
}

/// Finds the files and environment for the global flags.
pub fn details(global: &GlobalArgs) -> Result<ConfigDetails> {
    let opts = project_options(global)?;
    Ok(discover(&opts)?)
}

/// Loads the project, printing the loader's warnings on stderr as compose does.
pub fn load_project(details: &ConfigDetails, options: &LoadOptions) -> Result<Loaded> {
    let loaded = load(details, options)?;
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    Ok(loaded)
}
