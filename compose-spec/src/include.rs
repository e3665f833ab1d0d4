//! `include`: sub-projects loaded from other files, whose resources are copied in.
//!
//! This follows compose-go's `ApplyInclude` (loader v2.9.1, used by Compose v2.40.3):
//!
//! * each entry is a path or `{path: str|list, project_directory, env_file: str|list}`;
//!   paths are relative to the including project's directory; the first file is the main
//!   one and gives the default project directory (its own directory);
//! * the sub-project interpolates with its own environment: the including environment, plus
//!   the entry's `env_file`s (or the sub-project's `.env`) for the variables not already set;
//! * it is loaded like a project of its own (merge, canonical form, default values, relative
//!   paths against its directory, `environment` entries resolved with its environment);
//! * its services, volumes, networks, secrets, configs and models are copied into the
//!   including document; a name the document already defines is accepted only when both
//!   definitions are identical, else `services.x conflicts with imported resource`;
//! * a file that (indirectly) includes itself fails with `include cycle detected`.

use crate::discovery::{clean_path, read_text, ConfigFile, Environment};
use crate::dotenv;
use crate::error::{ErrorKind, LoadError, Result};
use crate::loader::{self, FileContext, LoadOptions};
use crate::merge::{go_type, go_v, same_value};
use crate::node::{Map, Mark, Node, Value};
use std::path::{Path, PathBuf};

/// The resource sections an included project contributes.
const IMPORTED: [&str; 6] = [
    "services", "volumes", "networks", "secrets", "configs", "models",
];

/// Loads every `include` entry of one document, copies their resources into it and removes
/// the `include` key.
pub fn apply_include(doc: &mut Node, ctx: &FileContext) -> Result<()> {
    let Some(include) = doc.as_map_mut().and_then(|m| m.shift_remove("include")) else {
        return Ok(());
    };
    for entry in entries(&include)? {
        let imported = load_entry(&entry, ctx)?;
        import_resources(imported, doc)?;
    }
    Ok(())
}

/// One `include` entry, as written.
#[derive(Clone, Debug, Default, PartialEq)]
struct Entry {
    paths: Vec<String>,
    project_directory: Option<String>,
    env_files: Vec<String>,
    mark: Mark,
}

fn entries(include: &Node) -> Result<Vec<Entry>> {
    let items = match &include.value {
        Value::Null => return Ok(Vec::new()),
        Value::Seq(items) => items,
        _ => {
            return Err(LoadError::new(
                ErrorKind::Schema,
                &include.mark,
                format!("`include` must be a list, got {}", go_v(include)),
            ))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| entry(item, i))
        .collect()
}

fn entry(item: &Node, index: usize) -> Result<Entry> {
    let mark = item.mark.clone();
    match &item.value {
        Value::Str(s) => Ok(Entry {
            paths: vec![s.clone()],
            mark,
            ..Entry::default()
        }),
        Value::Map(m) => {
            let mut entry = Entry {
                mark,
                ..Entry::default()
            };
            // Like compose's decoder, unknown keys are ignored.
            for (key, value) in m {
                let at = format!("[{index}].{key}");
                match key.as_str() {
                    "path" => entry.paths = string_list(value, &at)?,
                    "env_file" => entry.env_files = string_list(value, &at)?,
                    "project_directory" => {
                        entry.project_directory = match &value.value {
                            Value::Null => None,
                            Value::Str(s) => Some(s.clone()),
                            _ => {
                                return Err(decode_error(
                                    value,
                                    format!(
                                    "'{at}' expected type 'string', got unconvertible type '{}'",
                                    go_type(value)
                                ),
                                ))
                            }
                        }
                    }
                    _ => {}
                }
            }
            Ok(entry)
        }
        _ => Err(decode_error(
            item,
            format!(
                "'[{index}]' expected a map or struct, got \"{}\"",
                go_type(item)
            ),
        )),
    }
}

fn string_list(value: &Node, at: &str) -> Result<Vec<String>> {
    match &value.value {
        Value::Null => Ok(Vec::new()),
        Value::Str(s) => Ok(vec![s.clone()]),
        Value::Seq(items) => items
            .iter()
            .map(|i| match &i.value {
                Value::Str(s) => Ok(s.clone()),
                _ => Err(decode_error(
                    i,
                    format!("'{at}' invalid type {} for string list", go_type(i)),
                )),
            })
            .collect(),
        _ => Err(decode_error(
            value,
            format!("'{at}' invalid type {} for string list", go_type(value)),
        )),
    }
}

/// An error worded like the decoder compose uses for `include` entries.
fn decode_error(n: &Node, detail: String) -> LoadError {
    LoadError::new(
        ErrorKind::Schema,
        &n.mark,
        format!("decoding failed due to the following error(s):\n\n{detail}"),
    )
}

/// Loads one entry as a sub-project.
fn load_entry(entry: &Entry, ctx: &FileContext) -> Result<Node> {
    let Some(main) = entry.paths.first() else {
        return Ok(Node::empty_map());
    };
    let files: Vec<PathBuf> = entry
        .paths
        .iter()
        .map(|p| absolute(&ctx.working_dir, p))
        .collect();
    let main_file = absolute(&ctx.working_dir, main);
    let project_dir = match entry.project_directory.as_deref() {
        None | Some("") => main_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| ctx.working_dir.clone()),
        Some(dir) => absolute(&ctx.working_dir, dir),
    };
    check_cycle(&main_file, ctx, &entry.mark)?;

    let env_files = env_files(entry, ctx, &project_dir)?;
    let environment = sub_environment(&ctx.environment, &env_files)?;

    let mut configs = Vec::with_capacity(files.len());
    for f in &files {
        let content = read_text(f)?;
        configs.push(ConfigFile {
            path: f.to_string_lossy().into_owned(),
            content,
        });
    }
    // Compose always resolves the paths of an included project against its directory.
    let options = LoadOptions {
        skip_path_resolution: false,
        ..ctx.options.clone()
    };
    let mut include_stack = ctx.include_stack.clone();
    include_stack.push(ctx.file.clone());
    let sub = FileContext {
        working_dir: project_dir,
        environment,
        options: &options,
        file: main_file.to_string_lossy().into_owned(),
        include_stack,
        warnings: ctx.warnings,
    };
    loader::load_model(&configs, &sub)
}

fn absolute(dir: &Path, p: &str) -> PathBuf {
    clean_path(&dir.join(p))
}

/// Fails when `file` is already being loaded higher up the include chain.
fn check_cycle(file: &Path, ctx: &FileContext, mark: &Mark) -> Result<()> {
    let file = file.to_string_lossy();
    let mut chain: Vec<&str> = ctx.include_stack.iter().map(String::as_str).collect();
    chain.push(&ctx.file);
    if !chain.iter().any(|f| *f == file) {
        return Ok(());
    }
    chain.push(&file);
    let first = chain.first().copied().unwrap_or_default();
    let rest: Vec<&str> = chain.iter().skip(1).copied().collect();
    Err(LoadError::new(
        ErrorKind::Reference,
        mark,
        format!(
            "include cycle detected:\n{first}\n include {}",
            rest.join("\n include ")
        ),
    ))
}

/// The env files of an entry: the listed ones (relative to the including project and
/// required to exist), else the sub-project's `.env` when there is one.
fn env_files(entry: &Entry, ctx: &FileContext, project_dir: &Path) -> Result<Vec<PathBuf>> {
    if entry.env_files.is_empty() {
        let dot = project_dir.join(".env");
        return Ok(if dot.is_file() { vec![dot] } else { Vec::new() });
    }
    let mut out = Vec::new();
    for f in &entry.env_files {
        let path = Path::new(f);
        if path.is_absolute() {
            out.push(path.to_path_buf());
            continue;
        }
        let path = absolute(&ctx.working_dir, f);
        match std::fs::metadata(&path) {
            Err(e) => {
                let reason = match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                    _ => e.to_string(),
                };
                return Err(LoadError::new(
                    ErrorKind::Io,
                    &entry.mark,
                    format!("stat {}: {reason}", path.display()),
                ));
            }
            Ok(m) if m.is_dir() => {
                return Err(LoadError::new(
                    ErrorKind::Io,
                    &entry.mark,
                    format!("{} is not a file", path.display()),
                ))
            }
            Ok(_) => out.push(path),
        }
    }
    Ok(out)
}

/// The including environment plus the env files' variables it does not already set. Each
/// file's `${VAR}` references see the including environment first, then earlier lines.
fn sub_environment(parent: &Environment, files: &[PathBuf]) -> Result<Environment> {
    let mut from_files = Environment::new();
    for f in files {
        if !f.exists() {
            return Err(LoadError::nowhere(
                ErrorKind::Io,
                format!("couldn't find env file: {}", f.display()),
            ));
        }
        if f.is_dir() {
            return Err(LoadError::nowhere(
                ErrorKind::Io,
                format!("{} is a directory", f.display()),
            ));
        }
        let known = from_files.clone();
        let lookup = |k: &str| parent.get(k).or_else(|| known.get(k)).cloned();
        for (k, v) in dotenv::read_file(f, &lookup)? {
            from_files.insert(k, v);
        }
    }
    let mut environment = parent.clone();
    for (k, v) in from_files {
        environment.entry(k).or_insert(v);
    }
    Ok(environment)
}

/// Copies the imported resources into `doc`; a name defined on both sides must be identical.
fn import_resources(imported: Node, doc: &mut Node) -> Result<()> {
    let Value::Map(mut imported) = imported.value else {
        return Ok(());
    };
    let Some(target) = doc.as_map_mut() else {
        return Ok(());
    };
    for key in IMPORTED {
        let Some(from) = imported.shift_remove(key) else {
            continue;
        };
        let Value::Map(from) = from.value else {
            continue;
        };
        let slot = target
            .entry(key.to_string())
            .or_insert_with(Node::empty_map);
        if !matches!(slot.value, Value::Map(_)) {
            slot.value = Value::Map(Map::new());
        }
        let Some(to) = slot.as_map_mut() else {
            continue;
        };
        for (name, resource) in from {
            match to.get(&name) {
                Some(existing) if same_value(existing, &resource) => {}
                Some(existing) => {
                    return Err(LoadError::new(
                        ErrorKind::Reference,
                        &existing.key_mark,
                        format!("{key}.{name} conflicts with imported resource"),
                    ))
                }
                None => {
                    to.insert(name, resource);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
