//! A service's final `environment` and `labels`: `env_file` and `label_file` folded in.
//!
//! Compose (compose-go `Project.WithServicesEnvironmentResolved` and
//! `WithServicesLabelsResolved`) resolves them once the model is complete:
//!
//! 1. `environment` entries without a value (`FOO:` / `- FOO`) take the value of the project
//!    environment when it has the variable, else stay null;
//! 2. each `env_file` is read in order (a missing file is an error unless
//!    `required: false`; `format: raw` keeps values verbatim); later files win; `${VAR}` in
//!    them looks at the project environment, then the service's `environment`, then the
//!    values read so far;
//! 3. explicit `environment` entries win over file values, nulls included;
//! 4. `label_file`s likewise feed `labels` (each file's `${VAR}` only sees labels from the
//!    files before it, then its own earlier keys); explicit `labels` win;
//! 5. `env_file` and `label_file` are removed, as `docker compose config` prints them.

use crate::dotenv::{self, Entry, Format};
use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Map, Mark, Node, Value};
use indexmap::IndexMap;
use std::path::Path;

/// Resolves `environment` with `env_file`, and `labels` with `label_file`, for one service
/// (in canonical form: `environment` a map of string-or-null, `env_file` a list of
/// `{path, required, format}` with absolute paths, `label_file` a list of absolute paths;
/// the short forms are accepted too). `lookup` is the project environment. Returns the
/// warnings compose prints (unset variables inside the files).
pub fn resolve_service_environment(
    service: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>> {
    resolve_service_environment_with(service, lookup, true)
}

/// Like [`resolve_service_environment`], but with `fill_from_lookup: false` an `environment`
/// entry without a value stays null instead of taking the value from the project
/// environment: that is what `config --no-env-resolution` prints (env files are still
/// folded in, as compose does).
pub fn resolve_service_environment_with(
    service: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    fill_from_lookup: bool,
) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let Some(map) = service.as_map_mut() else {
        return Ok(warnings);
    };
    resolve_environment(map, lookup, fill_from_lookup, &mut warnings)?;
    resolve_labels(map, &mut warnings)?;
    Ok(warnings)
}

/// Fills `environment` entries that have no value from `lookup`, leaving the others alone.
/// Compose does this per (sub-)project while loading, so that services of an `include`d file
/// see the variables of that include's own `env_file`; env files themselves are folded in
/// later, once profiles have been applied.
pub fn fill_missing_values(service: &mut Node, lookup: &dyn Fn(&str) -> Option<String>) {
    let Some(env) = service.get_mut("environment") else {
        return;
    };
    match &mut env.value {
        Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                if v.is_null() {
                    if let Some(found) = lookup(k) {
                        *v = v.with_value(Value::Str(found));
                    }
                }
            }
        }
        Value::Seq(items) => {
            for item in items.iter_mut() {
                let Some(name) = item
                    .as_str()
                    .filter(|t| !t.contains('='))
                    .map(str::to_string)
                else {
                    continue;
                };
                if let Some(found) = lookup(&name) {
                    *item = item.with_value(Value::Str(format!("{name}={found}")));
                }
            }
        }
        _ => {}
    }
}

/// One `env_file` entry in long form.
struct EnvFile {
    path: String,
    required: bool,
    format: String,
    mark: Mark,
}

fn resolve_environment(
    service: &mut Map,
    lookup: &dyn Fn(&str) -> Option<String>,
    fill_from_lookup: bool,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let mut explicit = service
        .get("environment")
        .map(string_or_null_map)
        .unwrap_or_default();
    for (key, value) in explicit.iter_mut() {
        if fill_from_lookup && value.is_null() {
            if let Some(found) = lookup(key) {
                *value = value.with_value(Value::Str(found));
            }
        }
    }

    let files = match service.shift_remove("env_file") {
        Some(node) => env_files(&node)?,
        None => Vec::new(),
    };
    let mut from_files: IndexMap<String, Entry> = IndexMap::new();
    for file in &files {
        let resolve = |k: &str| {
            lookup(k).or_else(|| explicit.get(k).and_then(Node::as_str).map(str::to_string))
        };
        read_env_file(file, &resolve, &mut from_files, warnings)?;
    }

    let mut result: Map = from_files
        .into_iter()
        .map(|(k, e)| (k, Node::new(Value::Str(e.value), e.mark)))
        .collect();
    for (k, v) in explicit {
        result.insert(k, v);
    }
    if result.is_empty() {
        // Compose prints no `environment` rather than an empty one.
        service.shift_remove("environment");
        return Ok(());
    }
    match service.get_mut("environment") {
        Some(existing) => existing.value = Value::Map(result),
        None => {
            let mark = files.first().map(|f| f.mark.clone()).unwrap_or_default();
            service.insert("environment".into(), Node::new(Value::Map(result), mark));
        }
    }
    Ok(())
}

/// Environment values keyed by name: strings (other scalars stringified) or nulls.
fn string_or_null_map(node: &Node) -> IndexMap<String, Node> {
    let mut out = IndexMap::new();
    match &node.value {
        Value::Map(m) => {
            for (k, v) in m {
                let value = match v.scalar_string() {
                    Some(s) => v.with_value(Value::Str(s)),
                    None => v.with_value(Value::Null),
                };
                out.insert(k.clone(), value);
            }
        }
        Value::Seq(items) => {
            for item in items {
                let Some(text) = item.scalar_string() else {
                    continue;
                };
                let (k, value) = match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), item.with_value(Value::Str(v.into()))),
                    None => (text.clone(), item.with_value(Value::Null)),
                };
                out.insert(k, value);
            }
        }
        _ => {}
    }
    out
}

/// The `env_file` entries, from the canonical list or the short forms.
fn env_files(node: &Node) -> Result<Vec<EnvFile>> {
    let items: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let mut file = EnvFile {
            path: String::new(),
            required: true,
            format: String::new(),
            mark: item.mark.clone(),
        };
        match &item.value {
            Value::Str(path) => file.path = path.clone(),
            Value::Map(m) => {
                file.path = m
                    .get("path")
                    .and_then(Node::scalar_string)
                    .unwrap_or_default();
                file.format = m
                    .get("format")
                    .and_then(Node::scalar_string)
                    .unwrap_or_default();
                if let Some(required) = m.get("required") {
                    file.required = go_parse_bool(required).ok_or_else(|| {
                        LoadError::new(
                            ErrorKind::Schema,
                            &required.mark,
                            format!(
                                "'env_file[{index}].required' invalid boolean: {}",
                                required.scalar_string().unwrap_or_default()
                            ),
                        )
                    })?;
                }
            }
            _ => continue,
        }
        out.push(file);
    }
    Ok(out)
}

/// Go's `strconv.ParseBool` (what compose uses to decode `required: "false"`).
fn go_parse_bool(node: &Node) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::Null => Some(true),
        _ => match node.scalar_string()?.as_str() {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
            _ => None,
        },
    }
}

/// The error compose gives for a file that is not there.
fn not_found(what: &str, path: &str, mark: &Mark) -> LoadError {
    LoadError::new(
        ErrorKind::Io,
        mark,
        format!("{what} {path} not found: stat {path}: no such file or directory"),
    )
}

fn read_env_file(
    file: &EnvFile,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut IndexMap<String, Entry>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    if !Path::new(&file.path).exists() {
        if file.required {
            return Err(not_found("env file", &file.path, &file.mark));
        }
        return Ok(());
    }
    let format = Format::from_name(&file.format)
        .map_err(|msg| LoadError::new(ErrorKind::Env, &file.mark, msg))?;
    let text = dotenv::read_text(Path::new(&file.path))?;
    match format {
        Format::DotEnv => dotenv::parse_into(&text, &file.path, lookup, vars, warnings),
        Format::Raw => dotenv::parse_raw_into(&text, &file.path, lookup, vars),
    }
}

fn resolve_labels(service: &mut Map, warnings: &mut Vec<String>) -> Result<()> {
    let Some(node) = service.shift_remove("label_file") else {
        return Ok(());
    };
    let paths: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        _ => vec![&node],
    };
    let mut labels: IndexMap<String, Entry> = IndexMap::new();
    for item in paths {
        let Some(path) = item.scalar_string() else {
            continue;
        };
        if !Path::new(&path).exists() {
            return Err(not_found("label file", &path, &item.mark));
        }
        let text = dotenv::read_text(Path::new(&path))?;
        let earlier = labels.clone();
        let lookup = |k: &str| earlier.get(k).map(|e| e.value.clone());
        let mut fresh = IndexMap::new();
        dotenv::parse_into(&text, &path, &lookup, &mut fresh, warnings)?;
        labels.extend(fresh);
    }
    let mut result: Map = labels
        .into_iter()
        .map(|(k, e)| (k, Node::new(Value::Str(e.value), e.mark)))
        .collect();
    match service.get("labels").map(|n| &n.value) {
        Some(Value::Map(explicit)) => {
            for (k, v) in explicit {
                result.insert(k.clone(), v.clone());
            }
        }
        Some(Value::Seq(items)) => {
            for item in items {
                if let Some(text) = item.scalar_string() {
                    let (k, v) = text.split_once('=').unwrap_or((text.as_str(), ""));
                    result.insert(k.to_string(), item.with_value(Value::Str(v.into())));
                }
            }
        }
        _ => {}
    }
    if result.is_empty() {
        return Ok(());
    }
    match service.get_mut("labels") {
        Some(existing) => existing.value = Value::Map(result),
        None => {
            service.insert("labels".into(), Node::new(Value::Map(result), node.mark));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    /// Writes `files` into a temp dir and parses `service` (YAML) with `{dir}` replaced.
    fn setup(files: &[(&str, &str)], service: &str) -> (tempfile::TempDir, Node) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        let text = service.replace("{dir}", &dir.path().to_string_lossy());
        let mut docs = yaml::parse_documents(&text, "compose.yaml").expect("yaml");
        (dir, docs.remove(0))
    }

    fn os<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn explicit_environment_wins_and_lookup_order() {
        // Conformance case 126 (compose-go TestProject_WithServicesEnvironmentResolved).
        let base = "FOO=foo_from_base.env\nINTERPOLATED_FOO=${FOO}\nBAR=bar_from_base.env\nINTERPOLATED_BAR=${BAR}\nZOT=zot_from_base.env\nINTERPOLATED_ZOT=${ZOT}\n";
        let (_dir, mut svc) = setup(
            &[("base.env", base)],
            "environment: {FOO: foo_from_environment, BAR: bar_from_environment, QIX: null, NONE: null}\nenv_file: [{path: '{dir}/base.env', required: true}]\n",
        );
        let lookup = os(&[("FOO", "FOO_from_os.env"), ("QIX", "QIX_from_os.env")]);
        resolve_service_environment(&mut svc, &lookup).unwrap();
        let json = svc.to_json();
        let env = &json["environment"];
        assert_eq!(env["FOO"], "foo_from_environment");
        assert_eq!(env["BAR"], "bar_from_environment");
        assert_eq!(env["QIX"], "QIX_from_os.env");
        assert_eq!(env["NONE"], serde_json::Value::Null);
        assert_eq!(env["ZOT"], "zot_from_base.env");
        assert_eq!(env["INTERPOLATED_FOO"], "FOO_from_os.env");
        assert_eq!(env["INTERPOLATED_BAR"], "bar_from_environment");
        assert_eq!(env["INTERPOLATED_ZOT"], "zot_from_base.env");
        assert!(json.get("env_file").is_none());
        // Values read from a file point at their line.
        let zot = svc.get("environment").and_then(|e| e.get("ZOT")).unwrap();
        assert_eq!(zot.mark.line, 5);
        assert!(zot.mark.file.ends_with("base.env"));
    }

    #[test]
    fn later_files_win_and_optional_files_may_be_missing() {
        let (_dir, mut svc) = setup(
            &[("one.env", "BAR=1\nFOO=1\n"), ("two.env", "BAR=2\n")],
            "env_file:\n  - {dir}/one.env\n  - {path: '{dir}/missing.env', required: false}\n  - {path: '{dir}/two.env', required: 'False'}\n",
        );
        let warnings = resolve_service_environment(&mut svc, &|_| None).unwrap();
        assert!(warnings.is_empty());
        let json = svc.to_json();
        assert_eq!(
            json["environment"],
            serde_json::json!({"BAR": "2", "FOO": "1"})
        );
    }

    #[test]
    fn missing_required_file_is_an_error() {
        let (dir, mut svc) = setup(&[], "env_file: '{dir}/does-not-exist.env'\n");
        let err = resolve_service_environment(&mut svc, &|_| None).unwrap_err();
        let path = dir.path().join("does-not-exist.env");
        let p = path.display();
        assert_eq!(
            err.message,
            format!("env file {p} not found: stat {p}: no such file or directory")
        );
        assert_eq!(err.mark.line, 1);
    }

    #[test]
    fn bare_keys_and_raw_format() {
        let (_dir, mut svc) = setup(
            &[
                ("inherited.env", "foo=bar\nFROM_OS\nNOT_FOUND\n"),
                ("raw.env", "A=$HOME \"q\"\nB\n"),
            ],
            "env_file: ['{dir}/inherited.env', {path: '{dir}/raw.env', format: raw}]\n",
        );
        let lookup = os(&[("FROM_OS", "v"), ("B", "b")]);
        resolve_service_environment(&mut svc, &lookup).unwrap();
        let json = svc.to_json();
        assert_eq!(
            json["environment"],
            serde_json::json!({"foo": "bar", "FROM_OS": "v", "A": "$HOME \"q\"", "B": "b"})
        );
    }

    #[test]
    fn unknown_format_is_an_error() {
        let (_dir, mut svc) = setup(
            &[("x.env", "A=1\n")],
            "env_file: [{path: '{dir}/x.env', format: foo}]\n",
        );
        let err = resolve_service_environment(&mut svc, &|_| None).unwrap_err();
        assert_eq!(err.message, "unsupported env_file format \"foo\"");
    }

    #[test]
    fn parse_errors_and_warnings_come_through() {
        let (_dir, mut svc) = setup(
            &[("bad.env", "KEY=\"value\n")],
            "env_file: ['{dir}/bad.env']\n",
        );
        let err = resolve_service_environment(&mut svc, &|_| None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Env);
        assert!(err
            .to_string()
            .contains("bad.env:1:5: unterminated quoted value"));
        let (_dir, mut svc) = setup(&[("w.env", "A=${NOPE}\n")], "env_file: ['{dir}/w.env']\n");
        let warnings = resolve_service_environment(&mut svc, &|_| None).unwrap();
        assert_eq!(
            warnings,
            ["The \"NOPE\" variable is not set. Defaulting to a blank string."]
        );
    }

    #[test]
    fn null_environment_resolves_without_env_files() {
        let (_dir, mut svc) = setup(
            &[],
            "image: x\nenvironment: {HOME: null, KEEP: null, A: 1}\n",
        );
        resolve_service_environment(&mut svc, &os(&[("HOME", "/root")])).unwrap();
        let json = svc.to_json();
        assert_eq!(
            json["environment"],
            serde_json::json!({"HOME": "/root", "KEEP": null, "A": "1"})
        );
    }

    #[test]
    fn empty_environment_is_dropped() {
        let (_dir, mut svc) = setup(
            &[("e.env", "# nothing\n")],
            "environment: {}\nenv_file: ['{dir}/e.env']\n",
        );
        resolve_service_environment(&mut svc, &|_| None).unwrap();
        assert_eq!(svc.to_json(), serde_json::json!({}));
    }

    #[test]
    fn label_files_feed_labels() {
        let (_dir, mut svc) = setup(
            &[
                ("l1.env", "L1=one\nL2=${L1}-${HOME}\n"),
                ("l2.env", "L1=two\nL3=${L1}x\nL4=${ZZ:-d}\n"),
            ],
            "labels: {L4: fromlabels}\nlabel_file: ['{dir}/l1.env', '{dir}/l2.env']\n",
        );
        let warnings = resolve_service_environment(&mut svc, &os(&[("HOME", "/root")])).unwrap();
        let json = svc.to_json();
        // Label files never see the project environment; each sees the files before it first.
        assert_eq!(
            json["labels"],
            serde_json::json!({"L1": "two", "L2": "one-", "L3": "onex", "L4": "fromlabels"})
        );
        assert_eq!(warnings.len(), 1);
        assert!(json.get("label_file").is_none());
        let (dir, mut svc) = setup(&[], "label_file: '{dir}/nope'\n");
        let err = resolve_service_environment(&mut svc, &|_| None).unwrap_err();
        let p = dir.path().join("nope");
        assert!(err
            .message
            .starts_with(&format!("label file {} not found", p.display())));
    }

    #[test]
    fn fills_only_valueless_entries() {
        let mut service =
            crate::yaml::parse_documents("environment: {A: null, B: x, C: null}\n", "t.yaml")
                .unwrap()
                .remove(0);
        let lookup = |k: &str| (k != "C").then(|| format!("v{k}"));
        fill_missing_values(&mut service, &lookup);
        let env = service.get("environment").unwrap();
        assert_eq!(env.get_str("A"), Some("vA"));
        assert_eq!(env.get_str("B"), Some("x"));
        assert!(env.get("C").unwrap().is_null());
    }
}
