//! Which files, which directory, which environment and which project name.
//!
//! This is the first stage of loading and mirrors what `docker compose` does with its global
//! flags before it reads any file: `-f` (repeatable, `-` for stdin), `COMPOSE_FILE` split on
//! `COMPOSE_PATH_SEPARATOR`, otherwise an upward search for `compose.yaml` & co. with the
//! matching `compose.override.*`; the project directory; `.env` or `--env-file` (the shell
//! environment wins); `COMPOSE_PROFILES`; and the project name precedence
//! `-p` > `COMPOSE_PROJECT_NAME` > `name:` > directory name.

use crate::dotenv;
use crate::error::{ErrorKind, LoadError, Result};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

/// Default Compose file names, in the order compose looks for them.
pub const DEFAULT_FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// Default override file names, in the order compose looks for them.
pub const DEFAULT_OVERRIDE_FILE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The environment as an ordered name → value map.
pub type Environment = IndexMap<String, String>;

/// What the user asked for on the command line (and in the process environment).
#[derive(Clone, Debug, Default)]
pub struct ProjectOptions {
    /// `-f` values in order (`-` is stdin).
    pub files: Vec<String>,
    /// `-p`.
    pub project_name: Option<String>,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `--env-file` values in order.
    pub env_files: Vec<PathBuf>,
    /// `--profile` values.
    pub profiles: Vec<String>,
    /// The current directory (relative paths on the command line are taken from here).
    pub cwd: PathBuf,
    /// The process environment.
    pub os_env: Environment,
    /// The text of stdin, for `-f -`.
    pub stdin: Option<String>,
}

/// One Compose file to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFile {
    /// Absolute path, or `-` for stdin.
    pub path: String,
    /// The file's text.
    pub content: String,
}

/// The result of discovery: everything the loader needs.
#[derive(Clone, Debug, Default)]
pub struct ConfigDetails {
    /// The files, in merge order.
    pub files: Vec<ConfigFile>,
    /// The absolute project directory.
    pub working_dir: PathBuf,
    /// The interpolation environment: process env, then `.env`/`--env-file` for keys not set.
    pub environment: Environment,
    /// The env files that were read.
    pub env_files: Vec<PathBuf>,
    /// A project name given on the command line or through `COMPOSE_PROJECT_NAME`.
    pub explicit_name: Option<String>,
    /// The fallback name from the directory (already normalised).
    pub directory_name: String,
    /// Active profiles.
    pub profiles: Vec<String>,
}

fn abs(cwd: &Path, p: impl AsRef<Path>) -> PathBuf {
    let p = p.as_ref();
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    clean_path(&joined)
}

/// Lexically cleans a path like Go's `filepath.Clean` (no symlink resolution).
pub fn clean_path(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

fn io_err(path: &Path, e: std::io::Error) -> LoadError {
    let msg = match e.kind() {
        std::io::ErrorKind::NotFound => {
            format!("open {}: no such file or directory", path.display())
        }
        _ => format!("{}: {e}", path.display()),
    };
    LoadError::nowhere(ErrorKind::Io, msg)
}

/// Reads a file as text, with an error that names it.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| io_err(path, e))
}

fn find_in(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect()
}

/// Lowercases and keeps only `[a-z0-9_-]`, then trims leading `_` and `-`, as compose does.
pub fn normalize_project_name(s: &str) -> String {
    let kept: String = s
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

/// The error compose gives for a project name that is not already normalised.
pub fn invalid_project_name(name: &str) -> LoadError {
    LoadError::nowhere(
        ErrorKind::ProjectName,
        format!(
            "invalid project name \"{name}\": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
        ),
    )
}

/// Runs discovery: finds and reads the files, builds the environment, picks the directory.
pub fn discover(opts: &ProjectOptions) -> Result<ConfigDetails> {
    let mut environment = opts.os_env.clone();
    let cwd = &opts.cwd;
    let explicit_dir = opts.project_directory.as_ref().map(|d| abs(cwd, d));

    // `.env` in the working directory feeds COMPOSE_FILE & co. before file discovery.
    let pre_dir = explicit_dir.clone().unwrap_or_else(|| {
        opts.files
            .iter()
            .find(|f| f.as_str() != "-")
            .and_then(|f| abs(cwd, f).parent().map(Path::to_path_buf))
            .unwrap_or_else(|| cwd.clone())
    });
    let env_files = env_file_list(opts, &pre_dir, &environment);
    merge_env_files(&mut environment, &env_files)?;

    let mut paths: Vec<String> = opts.files.clone();
    if paths.is_empty() {
        if let Some(list) = environment.get("COMPOSE_FILE").filter(|s| !s.is_empty()) {
            let sep = environment
                .get("COMPOSE_PATH_SEPARATOR")
                .filter(|s| !s.is_empty())
                .cloned()
                .unwrap_or_else(|| ":".into());
            paths = list
                .split(sep.as_str())
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string())
                .collect();
        }
    }
    if paths.is_empty() {
        paths = search_default_files(explicit_dir.as_deref().unwrap_or(cwd))?;
    }
    let mut files = Vec::new();
    for p in &paths {
        if p == "-" {
            let content = opts.stdin.clone().unwrap_or_default();
            files.push(ConfigFile {
                path: "-".into(),
                content,
            });
        } else {
            let path = abs(cwd, p);
            let content = read_text(&path)?;
            files.push(ConfigFile {
                path: path.to_string_lossy().into_owned(),
                content,
            });
        }
    }
    let working_dir = explicit_dir.unwrap_or_else(|| {
        files
            .iter()
            .find(|f| f.path != "-")
            .and_then(|f| Path::new(&f.path).parent().map(Path::to_path_buf))
            .unwrap_or_else(|| cwd.clone())
    });

    // `.env` is looked up again in the final project directory.
    if working_dir != pre_dir {
        let more = env_file_list(opts, &working_dir, &environment);
        merge_env_files(&mut environment, &more)?;
    }

    let explicit_name = opts
        .project_name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| {
            environment
                .get("COMPOSE_PROJECT_NAME")
                .filter(|n| !n.is_empty())
                .cloned()
        });
    let directory_name = working_dir
        .file_name()
        .map(|n| normalize_project_name(&n.to_string_lossy()))
        .unwrap_or_default();

    let mut profiles = opts.profiles.clone();
    if profiles.is_empty() {
        if let Some(p) = environment.get("COMPOSE_PROFILES") {
            profiles = p
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }

    Ok(ConfigDetails {
        files,
        working_dir,
        environment,
        env_files,
        explicit_name,
        directory_name,
        profiles,
    })
}

fn env_file_list(opts: &ProjectOptions, dir: &Path, env: &Environment) -> Vec<PathBuf> {
    if !opts.env_files.is_empty() {
        return opts.env_files.iter().map(|f| abs(&opts.cwd, f)).collect();
    }
    if let Some(files) = env.get("COMPOSE_ENV_FILES").filter(|s| !s.is_empty()) {
        return files.split(',').map(|f| abs(&opts.cwd, f.trim())).collect();
    }
    let disabled = env
        .get("COMPOSE_DISABLE_ENV_FILE")
        .map(|v| matches!(v.as_str(), "1" | "true" | "TRUE" | "True"))
        .unwrap_or(false);
    if disabled {
        return Vec::new();
    }
    let dot = dir.join(".env");
    if dot.is_file() {
        vec![dot]
    } else {
        Vec::new()
    }
}

/// Reads env files (later files win among themselves) and adds their keys that the
/// environment does not already have: the shell environment always takes precedence.
fn merge_env_files(environment: &mut Environment, files: &[PathBuf]) -> Result<()> {
    let mut from_files = Environment::new();
    for f in files {
        if !f.exists() {
            return Err(LoadError::nowhere(
                ErrorKind::Io,
                format!("couldn't find env file: {}", f.display()),
            ));
        }
        let snapshot = environment.clone();
        let partial = from_files.clone();
        let lookup = move |k: &str| -> Option<String> {
            snapshot.get(k).or_else(|| partial.get(k)).cloned()
        };
        let values = dotenv::read_file(f, &lookup)?;
        for (k, v) in values {
            from_files.insert(k, v);
        }
    }
    for (k, v) in from_files {
        environment.entry(k).or_insert(v);
    }
    Ok(())
}

fn search_default_files(start: &Path) -> Result<Vec<String>> {
    let mut dir = start.to_path_buf();
    loop {
        let candidates = find_in(&dir, &DEFAULT_FILE_NAMES);
        if let Some(first) = candidates.first() {
            if candidates.len() > 1 {
                tracing::warn!(
                    "Found multiple config files with supported names: {}",
                    candidates
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                tracing::warn!("Using {}", first.display());
            }
            let mut out = vec![first.to_string_lossy().into_owned()];
            if let Some(o) = find_in(&dir, &DEFAULT_OVERRIDE_FILE_NAMES).first() {
                out.push(o.to_string_lossy().into_owned());
            }
            return Ok(out);
        }
        match dir.parent() {
            Some(p) => dir = p.to_path_buf(),
            None => break,
        }
    }
    Err(LoadError::nowhere(
        ErrorKind::Io,
        "no configuration file provided: not found",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_normalise_like_compose() {
        assert_eq!(normalize_project_name("My.Project_1"), "myproject_1");
        assert_eq!(normalize_project_name("--abc"), "abc");
        assert_eq!(
            normalize_project_name("337-Project.Name_FROM_Dir"),
            "337-projectname_from_dir"
        );
    }

    #[test]
    fn clean_path_removes_dots() {
        assert_eq!(clean_path(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(clean_path(Path::new("/../x")), PathBuf::from("/x"));
    }

    #[test]
    fn discovery_searches_upward_and_adds_override() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("compose.yaml"), "services: {}\n").unwrap();
        std::fs::write(root.join("compose.override.yml"), "services: {}\n").unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        let opts = ProjectOptions {
            cwd: root.join("a/b"),
            ..Default::default()
        };
        let d = discover(&opts).unwrap();
        assert_eq!(d.files.len(), 2);
        assert!(d.files[0].path.ends_with("compose.yaml"));
        assert!(d.files[1].path.ends_with("compose.override.yml"));
        assert_eq!(d.working_dir, root);
    }

    #[test]
    fn explicit_files_skip_override_and_compose_file_is_split() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.yml"), "services: {}\n").unwrap();
        std::fs::write(root.join("b.yml"), "services: {}\n").unwrap();
        std::fs::write(root.join("compose.override.yml"), "services: {}\n").unwrap();
        let mut env = Environment::new();
        env.insert("COMPOSE_FILE".into(), "a.yml;b.yml".into());
        env.insert("COMPOSE_PATH_SEPARATOR".into(), ";".into());
        let opts = ProjectOptions {
            cwd: root.to_path_buf(),
            os_env: env,
            ..Default::default()
        };
        let d = discover(&opts).unwrap();
        let names: Vec<_> = d.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[1].ends_with("b.yml"));
    }

    #[test]
    fn shell_environment_wins_over_dotenv() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("compose.yaml"), "services: {}\n").unwrap();
        std::fs::write(root.join(".env"), "A=from-file\nB=file\n").unwrap();
        let mut env = Environment::new();
        env.insert("A".into(), "shell".into());
        let opts = ProjectOptions {
            cwd: root.to_path_buf(),
            os_env: env,
            ..Default::default()
        };
        let d = discover(&opts).unwrap();
        assert_eq!(d.environment["A"], "shell");
        assert_eq!(d.environment["B"], "file");
    }
}
