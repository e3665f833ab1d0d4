//! `tug config`: print the canonical model, or parts of it.

use crate::args::{ConfigArgs, GlobalArgs};
use crate::project;
use crate::yaml_out;
use anyhow::{bail, Context, Result};
use compose_spec::LoadOptions;
use serde_json::Value;
use std::io::Write;

/// Runs `tug config`.
pub fn run(global: &GlobalArgs, args: &ConfigArgs) -> Result<i32> {
    let details = project::details(global)?;
    if args.environment {
        let mut env: Vec<_> = details.environment.iter().collect();
        env.sort();
        let mut out = String::new();
        for (k, v) in env {
            out.push_str(&format!("{k}={v}\n"));
        }
        return emit(args, &out);
    }
    if args.variables {
        return emit(args, &variables_table(&details)?);
    }
    let options = LoadOptions {
        skip_interpolation: args.no_interpolate,
        skip_normalization: args.no_normalize,
        skip_path_resolution: args.no_path_resolution,
        skip_consistency: args.no_consistency,
        skip_env_resolution: args.no_env_resolution,
        services: args.service_names.clone(),
    };
    let loaded = project::load_project(&details, &options)?;
    let mut json = loaded.json.clone();
    if !args.no_interpolate {
        // Like compose, keep the printed model a valid compose file: a literal `$` that
        // survived interpolation must be written `$$` to survive the next load too.
        escape_dollars(&mut json);
    }
    if args.quiet {
        return Ok(0);
    }
    let ordered = service_order(&json);
    let keys = |section: &str| -> Vec<String> {
        json.get(section)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let text = if args.services {
        lines(ordered.clone())
    } else if args.volumes {
        lines(keys("volumes"))
    } else if args.networks {
        lines(keys("networks"))
    } else if args.images {
        lines(images(&json, &ordered, &loaded.name))
    } else if args.list_profiles {
        lines(loaded.all_profiles.clone())
    } else if let Some(sel) = &args.hash {
        lines(hashes(&json, sel)?)
    } else {
        match args.format.as_str() {
            "json" => {
                let mut s = serde_json::to_string_pretty(&json)?;
                s.push('\n');
                s
            }
            "yaml" => yaml_out::to_yaml(&json),
            other => bail!("unsupported format {other:?}"),
        }
    };
    emit(args, &text)
}

fn emit(args: &ConfigArgs, text: &str) -> Result<i32> {
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(0)
}

/// `config --variables`: every variable the files refer to, read before interpolation.
fn variables_table(details: &compose_spec::ConfigDetails) -> Result<String> {
    let mut vars = indexmap::IndexMap::new();
    for file in &details.files {
        for doc in compose_spec::yaml::parse_documents(&file.content, &file.path)? {
            for (name, v) in compose_spec::interpolate::collect_variables(&doc) {
                vars.insert(name, v);
            }
        }
    }
    let rows: Vec<[String; 4]> = std::iter::once([
        "NAME".to_string(),
        "REQUIRED".to_string(),
        "DEFAULT VALUE".to_string(),
        "ALTERNATE VALUE".to_string(),
    ])
    .chain(vars.values().map(|v| {
        [
            v.name.clone(),
            v.required.to_string(),
            v.default.clone().unwrap_or_default(),
            v.alternate.clone().unwrap_or_default(),
        ]
    }))
    .collect();
    Ok(crate::table::render(&rows, 20, 1))
}

fn escape_dollars(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Value::Array(a) => a.iter_mut().for_each(escape_dollars),
        Value::Object(m) => {
            let entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
            for (k, mut val) in entries {
                escape_dollars(&mut val);
                m.insert(k.replace('$', "$$"), val);
            }
        }
        _ => {}
    }
}

fn lines(items: Vec<String>) -> String {
    items.iter().map(|s| format!("{s}\n")).collect()
}

/// Service names in dependency order (dependencies first), as compose lists them.
fn service_order(json: &Value) -> Vec<String> {
    let graph = compose_spec::graph::ServiceGraph::from_json(json);
    match graph.levels() {
        Ok(levels) => levels
            .into_iter()
            .flat_map(|mut level| {
                level.sort();
                level
            })
            .collect(),
        Err(_) => json
            .get("services")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
    }
}

fn images(json: &Value, order: &[String], project: &str) -> Vec<String> {
    order
        .iter()
        .filter_map(|name| {
            let s = json.get("services")?.get(name)?;
            Some(match s.get("image").and_then(Value::as_str) {
                Some(i) => i.to_string(),
                None => format!("{project}-{name}"),
            })
        })
        .collect()
}

fn hashes(json: &Value, selection: &str) -> Result<Vec<String>> {
    let Some(services) = json.get("services").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let wanted: Vec<&str> = selection.split(',').map(str::trim).collect();
    let mut out = Vec::new();
    for (name, service) in services {
        if selection != "*" && !wanted.contains(&name.as_str()) {
            continue;
        }
        out.push(format!(
            "{name} {}",
            compose_spec::hash::service_hash(service)
        ));
    }
    if selection != "*" {
        for w in &wanted {
            if !services.contains_key(*w) {
                bail!("no such service: {w}");
            }
        }
    }
    Ok(out)
}
