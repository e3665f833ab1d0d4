//! The loading pipeline: from discovered files to the canonical model.
//!
//! The order of the stages follows compose-go's loader, because the order is observable:
//! interpolation happens per file before `include`/`extends` and the merge; the schema is
//! checked on the merged tree after each file; the canonical transform runs after validation;
//! paths and `env_file` are resolved once all files are merged; normalisation and profiles
//! come last.

use crate::discovery::{
    invalid_project_name, normalize_project_name, ConfigDetails, ConfigFile, Environment,
};
use crate::error::{ErrorKind, LoadError, Result};
use crate::merge::ResetPaths;
use crate::node::{Map, Mark, Node, Value};
use crate::{canonical, consistency, environment, extends, include, interpolate, merge};
use crate::{normalize, output, paths, profiles, schema, yaml};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// Switches matching `docker compose config`'s `--no-*` flags.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--no-interpolate`.
    pub skip_interpolation: bool,
    /// `--no-normalize`.
    pub skip_normalization: bool,
    /// `--no-path-resolution`.
    pub skip_path_resolution: bool,
    /// `--no-consistency`.
    pub skip_consistency: bool,
    /// `--no-env-resolution`: keep `env_file` instead of folding it into `environment`.
    pub skip_env_resolution: bool,
    /// Services named on the command line: they and their dependencies are kept, and their
    /// profiles are enabled, as `docker compose config SERVICE...` does.
    pub services: Vec<String>,
}

/// What one load produced.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The project name.
    pub name: String,
    /// The canonical tree (marks kept for later error reports).
    pub model: Node,
    /// The JSON model, as `docker compose config --format json` prints it.
    pub json: serde_json::Value,
    /// Warnings for the user (unset variables, obsolete `version`, ...).
    pub warnings: Vec<String>,
    /// Every profile named by any service, enabled or not, sorted (`config --profiles`).
    pub all_profiles: Vec<String>,
}

/// The state shared by the stages that load one file: where it lives, which environment it
/// interpolates with, and which files are being included (to detect cycles).
pub struct FileContext<'a> {
    /// The directory relative paths of this (sub-)project resolve against.
    pub working_dir: PathBuf,
    /// The interpolation environment.
    pub environment: Environment,
    /// The pipeline switches.
    pub options: &'a LoadOptions,
    /// The file being processed.
    pub file: String,
    /// The chain of files that included this one.
    pub include_stack: Vec<String>,
    /// Warnings collected on the way.
    pub warnings: &'a RefCell<Vec<String>>,
}

impl FileContext<'_> {
    /// Looks a variable up in this context's environment.
    pub fn lookup(&self, name: &str) -> Option<String> {
        self.environment.get(name).cloned()
    }

    /// Records a warning for the user.
    pub fn warn(&self, message: impl Into<String>) {
        self.warnings.borrow_mut().push(message.into());
    }
}

/// Loads a project from discovered files.
pub fn load(details: &ConfigDetails, options: &LoadOptions) -> Result<Loaded> {
    let warnings = RefCell::new(Vec::new());
    if details.files.is_empty() {
        return Err(LoadError::nowhere(
            ErrorKind::Io,
            "no configuration file provided: not found",
        ));
    }
    let name = project_name(details, options)?;
    let mut environment = details.environment.clone();
    environment.insert("COMPOSE_PROJECT_NAME".into(), name.clone());
    let ctx = FileContext {
        working_dir: details.working_dir.clone(),
        environment,
        options,
        file: details.files[0].path.clone(),
        include_stack: Vec::new(),
        warnings: &warnings,
    };
    let mut model = load_model(&details.files, &ctx)?;
    if model.as_map().is_none_or(|m| m.is_empty()) {
        return Err(LoadError::nowhere(ErrorKind::Schema, "empty compose file"));
    }
    if name.is_empty() {
        return Err(LoadError::nowhere(
            ErrorKind::ProjectName,
            "project name must not be empty",
        ));
    }
    if let Some(m) = model.as_map_mut() {
        m.insert("name".into(), Node::str(name.clone()));
        m.move_index(m.len() - 1, 0);
    }
    if !options.skip_normalization {
        // `--no-env-resolution`: valueless entries are not looked up in the environment.
        let no_env = Environment::new();
        let env = if options.skip_env_resolution {
            &no_env
        } else {
            &ctx.environment
        };
        normalize::normalize(&mut model, env)?;
    }
    let all_profiles = profiles::all_profiles(&model);
    let mut selection = profiles::apply_profiles(&mut model, &details.profiles)?;
    profiles::select_services(&mut model, &mut selection, &options.services)?;
    resolve_environments(&mut model, &ctx)?;
    if !options.skip_consistency && !options.skip_interpolation {
        consistency::check(&mut model, &selection.disabled)?;
    }
    profiles::prune_unused_resources(&mut model);
    let json = if options.skip_interpolation {
        output::to_model_json(&model)
    } else {
        output::to_json(&model)
    };
    Ok(Loaded {
        name,
        model,
        json,
        warnings: warnings.into_inner(),
        all_profiles,
    })
}

/// Folds `env_file` into `environment` (and `label_file` into `labels`) for the services that
/// are left after profiles and selection, as compose does: a disabled service's missing env
/// file is not an error. Without interpolation compose prints `env_file` as written, and
/// `--no-env-resolution` only keeps valueless entries null.
fn resolve_environments(model: &mut Node, ctx: &FileContext) -> Result<()> {
    if ctx.options.skip_interpolation {
        return Ok(());
    }
    let env = &ctx.environment;
    let lookup = |k: &str| env.get(k).cloned();
    let fill = !ctx.options.skip_env_resolution;
    if let Some(services) = model.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            for w in environment::resolve_service_environment_with(service, &lookup, fill)? {
                ctx.warn(w);
            }
        }
    }
    Ok(())
}

/// Loads and merges a list of files into one canonical tree (compose-go's `loadYamlModel`).
/// `include` calls this again for each sub-project.
pub fn load_model(files: &[ConfigFile], ctx: &FileContext) -> Result<Node> {
    let mut dict = Node::empty_map();
    for file in files {
        dict = load_file(file, ctx, dict)?;
    }
    canonical::set_default_values(&mut dict)?;
    consistency::validate(&dict)?;
    if !ctx.options.skip_path_resolution {
        paths::resolve_relative_paths(&mut dict, &ctx.working_dir)?;
    }
    if !ctx.options.skip_interpolation && !ctx.options.skip_env_resolution {
        let env = &ctx.environment;
        let lookup = |k: &str| env.get(k).cloned();
        if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
            for service in services.values_mut() {
                environment::fill_missing_values(service, &lookup);
            }
        }
    }
    Ok(dict)
}

/// Loads every document of one file and merges it into `dict`.
pub fn load_file(file: &ConfigFile, ctx: &FileContext, mut dict: Node) -> Result<Node> {
    let docs = yaml::parse_documents(&file.content, &file.path)?;
    let file_ctx = FileContext {
        working_dir: ctx.working_dir.clone(),
        environment: ctx.environment.clone(),
        options: ctx.options,
        file: file.path.clone(),
        include_stack: ctx.include_stack.clone(),
        warnings: ctx.warnings,
    };
    if docs.is_empty() || docs.iter().all(Node::is_null) {
        return Ok(dict);
    }
    for doc in docs {
        dict = process_document(doc, &file_ctx, dict, Stages::Full)?.0;
    }
    Ok(dict)
}

/// Loads a file that an `extends` refers to, the way compose loads it: every document is
/// interpolated, merged and made canonical, but neither `extends` nor `include` is applied
/// and nothing is validated (the extending service is validated once merged). Also returns the
/// `!reset`/`!override` paths of its last document, which apply to `extends` chains inside it.
pub fn load_extends_base(file: &ConfigFile, ctx: &FileContext) -> Result<(Node, ResetPaths)> {
    let docs = yaml::parse_documents(&file.content, &file.path)?;
    let mut dict = Node::empty_map();
    let mut resets = ResetPaths::default();
    for doc in docs {
        (dict, resets) = process_document(doc, ctx, dict, Stages::ExtendsBase)?;
    }
    Ok((dict, resets))
}

/// Which per-document stages run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stages {
    /// Everything: a file of the project or of an included sub-project.
    Full,
    /// A file an `extends` refers to: no `extends`, no `include`, no validation.
    ExtendsBase,
}

/// One YAML document through interpolation, extends, include, merge, validation and the
/// canonical transform. Returns the merged tree and the document's `!reset`/`!override` paths.
fn process_document(
    mut doc: Node,
    ctx: &FileContext,
    dict: Node,
    stages: Stages,
) -> Result<(Node, ResetPaths)> {
    if doc.is_null() {
        return Ok((dict, ResetPaths::default()));
    }
    // Compose records and strips the merge tags while decoding, before anything else.
    let resets = ResetPaths::take(&mut doc);
    schema::check_document(&doc)?;
    if !ctx.options.skip_interpolation {
        let lookup = |k: &str| ctx.lookup(k);
        let warnings = interpolate::interpolate(&mut doc, &lookup)?;
        for w in warnings {
            ctx.warn(w);
        }
    }
    let full = stages == Stages::Full;
    // Compose v2.40.3 (compose-go v2.9.1) resolves `extends` before `include`, so a service
    // cannot extend one that an `include` of the same file brings in.
    if full {
        extends::apply_extends(&mut doc, ctx, &resets)?;
        include::apply_include(&mut doc, ctx)?;
    }
    let mut dict = merge::merge_document(dict, doc, &resets)?;
    merge::enforce_unicity(&mut dict)?;
    if full {
        schema::validate(&dict).map_err(|e| LoadError {
            message: format!("validating {}: {}", ctx.file, e.message),
            ..e
        })?;
        if let Some(m) = dict.as_map_mut() {
            if m.shift_remove("version").is_some() {
                ctx.warn(format!(
                    "{}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion",
                    ctx.file
                ));
            }
        }
    }
    for warning in canonical::warnings(&dict) {
        ctx.warn(warning);
    }
    let mode = canonical::Mode::for_interpolation(!ctx.options.skip_interpolation);
    canonical::canonical_with(&mut dict, mode)?;
    canonical::omit_empty(&mut dict);
    merge::enforce_unicity(&mut dict)?;
    Ok((dict, resets))
}

/// Picks the project name: `-p` or `COMPOSE_PROJECT_NAME` (must already be valid), else the
/// last `name:` among the files (interpolated and normalised), else the directory name.
fn project_name(details: &ConfigDetails, options: &LoadOptions) -> Result<String> {
    if let Some(explicit) = &details.explicit_name {
        if normalize_project_name(explicit) != *explicit {
            return Err(invalid_project_name(explicit));
        }
        return Ok(explicit.clone());
    }
    let mut from_file: Option<(String, Mark)> = None;
    for file in &details.files {
        // Errors here are reported by the full load later on.
        let Ok(docs) = yaml::parse_documents(&file.content, &file.path) else {
            continue;
        };
        for doc in docs {
            if let Some(n) = doc.get("name") {
                if let Some(s) = n.scalar_string().filter(|s| !s.is_empty()) {
                    from_file = Some((s, n.mark.clone()));
                }
            }
        }
    }
    if let Some((raw, mark)) = from_file {
        let mut name = raw;
        if !options.skip_interpolation {
            let mut node = Node::new(Value::Str(name.clone()), mark);
            let mut wrapper = Map::new();
            wrapper.insert("name".into(), node.clone());
            let mut doc = Node::synthetic(Value::Map(wrapper));
            let env = &details.environment;
            let lookup = |k: &str| env.get(k).cloned();
            interpolate::interpolate(&mut doc, &lookup)?;
            node = doc.get("name").cloned().unwrap_or(node);
            name = node.scalar_string().unwrap_or_default();
        }
        if !options.skip_normalization {
            name = normalize_project_name(&name);
        }
        if !name.is_empty() {
            return Ok(name);
        }
    }
    Ok(details.directory_name.clone())
}

/// The directory a file lives in (for relative paths inside it).
pub fn file_dir(file: &str, fallback: &Path) -> PathBuf {
    if file == "-" {
        return fallback.to_path_buf();
    }
    Path::new(file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| fallback.to_path_buf())
}
