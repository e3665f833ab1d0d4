//! `extends`: a service inherits another service's definition, from the same file or another.
//!
//! This follows compose-go's `ApplyExtends` (loader v2.9.1, used by Compose v2.40.3), which
//! runs on each document right after interpolation:
//!
//! * `extends: name` or `extends: {service, file}`; without `file` the base is a service of
//!   the same document, and chains resolve recursively (each resolved service is stored back,
//!   so it is resolved only once);
//! * a base in another file is loaded on its own (interpolated with the same environment,
//!   merged, canonical, but not validated and with neither `include` nor `extends` applied),
//!   then its relative paths are resolved against *its* directory, expressed relative to the
//!   project directory as compose does, so the final path stage makes them absolute;
//!   `extends.file` itself is relative to the project directory;
//! * the base is copied, the extending document's `!reset`/`!override` paths are deleted from
//!   the copy, and the service is merged over it with the usual merge rules; `extends` is
//!   then removed;
//! * a service extending itself through a chain fails with compose's `Circular reference`.

use crate::discovery::{clean_path, read_text, ConfigFile};
use crate::error::{ErrorKind, LoadError, Result};
use crate::loader::{self, FileContext};
use crate::merge::{self, ResetPaths};
use crate::node::{Map, Mark, Node, Value};
use crate::paths;
use std::path::{Component, Path, PathBuf};

/// Resolves every service's `extends` in one document. `resets` are the document's
/// `!reset`/`!override` paths, applied to each base copy before the service is merged over it.
pub fn apply_extends(doc: &mut Node, ctx: &FileContext, resets: &ResetPaths) -> Result<()> {
    let Some(services) = doc.get_mut("services") else {
        return Ok(());
    };
    let mark = services.mark.clone();
    let Some(services) = services.as_map_mut() else {
        return Err(LoadError::new(
            ErrorKind::Schema,
            &mark,
            "services must be a mapping",
        ));
    };
    if !services.values().any(|s| s.get("extends").is_some()) {
        return Ok(());
    }
    let scope = Scope {
        dir: ctx.working_dir.clone(),
        resets,
    };
    let names: Vec<String> = services.keys().cloned().collect();
    for name in names {
        resolve(services, &name, ctx, &scope, &Tracker::default())?;
    }
    Ok(())
}

/// Where a set of services comes from: the directory their `extends.file` values are relative
/// to, and the `!reset`/`!override` paths of their document.
struct Scope<'a> {
    dir: PathBuf,
    resets: &'a ResetPaths,
}

/// The chain of `(file, service)` being resolved, to detect cycles.
#[derive(Clone, Default)]
struct Tracker {
    chain: Vec<(String, String)>,
}

impl Tracker {
    fn add(&self, file: &str, service: &str, mark: &Mark) -> Result<Tracker> {
        let entry = (file.to_string(), service.to_string());
        if self.chain.contains(&entry) {
            let mut lines = vec!["Circular reference:".to_string()];
            let mut all = self.chain.iter().chain(std::iter::once(&entry));
            if let Some((f, s)) = all.next() {
                lines.push(format!("  {s} in {f}"));
            }
            lines.extend(all.map(|(f, s)| format!("  extends {s} in {f}")));
            return Err(LoadError::new(ErrorKind::Reference, mark, lines.join("\n")));
        }
        let mut chain = self.chain.clone();
        chain.push(entry);
        Ok(Tracker { chain })
    }
}

/// Resolves the `extends` of `services[name]`, stores the result back and returns it (`None`
/// for a missing or null service).
fn resolve(
    services: &mut Map,
    name: &str,
    ctx: &FileContext,
    scope: &Scope,
    tracker: &Tracker,
) -> Result<Option<Node>> {
    let Some(service) = services.get(name) else {
        return Ok(None);
    };
    if service.is_null() {
        return Ok(None);
    }
    if service.as_map().is_none() {
        return Err(LoadError::new(
            ErrorKind::Schema,
            &service.mark,
            format!("services.{name} must be a mapping"),
        ));
    }
    let Some(extends) = service.get("extends") else {
        return Ok(Some(service.clone()));
    };
    let mark = extends.mark.clone();
    let (reference, file) = reference(extends, name)?;
    let service = service.clone();
    let base = match file {
        Some(file) => {
            let mut base = load_base(ctx, scope, name, &reference, &file, &mark)?;
            let tracker = tracker.add(&file, name, &mark)?;
            let inner = Scope {
                dir: base.dir.clone(),
                resets: &base.resets,
            };
            resolve(&mut base.services, &reference, ctx, &inner, &tracker)?
        }
        None => {
            if !services.contains_key(&reference) {
                return Err(LoadError::new(
                    ErrorKind::Reference,
                    &mark,
                    format!(
                        "cannot extend service \"{name}\" in {}: service \"{reference}\" not found",
                        ctx.file
                    ),
                ));
            }
            let tracker = tracker.add(&ctx.file, name, &mark)?;
            resolve(services, &reference, ctx, scope, &tracker)?
        }
    };
    let Some(mut source) = base else {
        return Ok(Some(service));
    };
    scope.resets.apply_under(&["services", name], &mut source);
    let (service_mark, key_mark) = (service.mark.clone(), service.key_mark.clone());
    let mut merged = merge::merge_service(source, service)?;
    merged.mark = service_mark;
    merged.key_mark = key_mark;
    if let Some(m) = merged.as_map_mut() {
        m.shift_remove("extends");
    }
    services.insert(name.to_string(), merged.clone());
    Ok(Some(merged))
}

/// The referenced service and file of an `extends` value.
fn reference(extends: &Node, name: &str) -> Result<(String, Option<String>)> {
    match &extends.value {
        Value::Map(m) => {
            let service = match m.get("service").map(|n| &n.value) {
                Some(Value::Str(s)) => s.clone(),
                _ => {
                    return Err(LoadError::new(
                        ErrorKind::Reference,
                        &extends.mark,
                        format!("extends.{name}.service is required"),
                    ))
                }
            };
            let file = match m.get("file") {
                None => None,
                Some(n) if n.is_null() => None,
                Some(n) => match &n.value {
                    Value::Str(s) => Some(s.clone()),
                    _ => {
                        return Err(LoadError::new(
                            ErrorKind::Schema,
                            &n.mark,
                            format!("services.{name}.extends.file must be a string"),
                        ))
                    }
                },
            };
            Ok((service, file))
        }
        Value::Str(s) => Ok((s.clone(), None)),
        // Compose reads no name from other values and reports the service "" as missing.
        _ => Ok((String::new(), None)),
    }
}

/// The services of another file, ready to be extended.
struct Base {
    services: Map,
    resets: ResetPaths,
    dir: PathBuf,
}

fn load_base(
    ctx: &FileContext,
    scope: &Scope,
    name: &str,
    reference: &str,
    file: &str,
    mark: &Mark,
) -> Result<Base> {
    let path = clean_path(&scope.dir.join(file));
    let content = read_text(&path)?;
    let path_str = path.to_string_lossy().into_owned();
    let file_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base_ctx = FileContext {
        working_dir: file_dir.clone(),
        environment: ctx.environment.clone(),
        options: ctx.options,
        file: path_str.clone(),
        include_stack: ctx.include_stack.clone(),
        warnings: ctx.warnings,
    };
    let config = ConfigFile {
        path: path_str.clone(),
        content,
    };
    let (mut dict, resets) = loader::load_extends_base(&config, &base_ctx)?;
    let err = |message: String| LoadError::new(ErrorKind::Reference, mark, message);
    match dict.get("services") {
        None => {
            return Err(err(format!(
                "cannot extend service \"{name}\" in {path_str}: no services section"
            )))
        }
        Some(s) if s.as_map().is_none() => {
            return Err(err(format!(
                "cannot extend service \"{name}\" in {path_str}: services must be a mapping"
            )))
        }
        Some(s) if s.get(reference).is_none() => {
            return Err(err(format!(
            "cannot extend service \"{name}\" in {}: service \"{reference}\" not found in {file}",
            ctx.file
        )))
        }
        Some(_) => {}
    }
    // Compose resolves the base file's paths against its directory expressed relative to the
    // project directory; the project's own path stage makes them absolute later on.
    let (relative_dir, next_dir) = match relative_to(&ctx.working_dir, &file_dir) {
        Some(rel) => (rel, ctx.working_dir.clone()),
        None => (file_dir.clone(), file_dir),
    };
    paths::resolve_relative_paths(&mut dict, &relative_dir)?;
    let services = match dict.value {
        Value::Map(mut m) => m
            .shift_remove("services")
            .and_then(|s| match s.value {
                Value::Map(services) => Some(services),
                _ => None,
            })
            .unwrap_or_default(),
        _ => Map::new(),
    };
    Ok(Base {
        services,
        resets,
        dir: next_dir,
    })
}

/// `target` relative to `base` (Go's `filepath.Rel` for two clean absolute paths), `.` when
/// they are equal; `None` when either is relative.
fn relative_to(base: &Path, target: &Path) -> Option<PathBuf> {
    if !base.is_absolute() || !target.is_absolute() {
        return None;
    }
    let (base, target) = (clean_path(base), clean_path(target));
    let base: Vec<Component> = base.components().collect();
    let target: Vec<Component> = target.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in target.iter().skip(common) {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests;
