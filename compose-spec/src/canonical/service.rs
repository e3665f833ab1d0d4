//! compose-go's canonical transform of one service.
//!
//! Every attribute with a short syntax compose-go rewrites gets its long form here:
//! `depends_on` and `networks` lists become mappings, `env_file`, volumes, ports, devices,
//! secrets and configs get their long syntax, `gpus: all` a device request. This is what
//! compose does to every file, with or without interpolation; the conversions of its typed
//! model come after, in [`super::typed`].

use super::mapping::{names_to_map, string_to_list};
use super::{build, format_err, ports, volumes, Mode};
use crate::error::Result;
use crate::node::{Map, Node, Value};

/// Rewrites the short syntaxes of service `name` in place.
pub(crate) fn canonical_service(name: &str, service: &mut Node, mode: Mode) -> Result<()> {
    let path = format!("services.{name}");
    let Some(map) = service.as_map_mut() else {
        return Ok(());
    };
    for (key, value) in map.iter_mut() {
        let p = format!("{path}.{key}");
        match key.as_str() {
            "build" => build::canonical_build(value, &p, mode)?,
            "depends_on" => canonical_depends_on(value, &p)?,
            "env_file" => canonical_env_file(value, &p)?,
            "label_file" | "dns" => string_to_list(value),
            "extends" => canonical_extends(value, &p)?,
            "gpus" => canonical_gpus(value, &p)?,
            "networks" | "models" => names_to_map(value),
            "volumes" => {
                if let Some(items) = value.as_seq_mut() {
                    for (i, item) in items.iter_mut().enumerate() {
                        volumes::canonical_volume(item, &format!("{p}.{i}"), mode.lenient)?;
                    }
                }
            }
            "devices" => {
                if let Some(items) = value.as_seq_mut() {
                    for (i, item) in items.iter_mut().enumerate() {
                        canonical_device(item, &format!("{p}.{i}"), mode.lenient)?;
                    }
                }
            }
            "secrets" | "configs" => for_each_item(value, &p, canonical_file_mount)?,
            "ports" => ports::canonical_ports(value, &p, mode.lenient)?,
            "ulimits" => canonical_ulimits(value, &p)?,
            "develop" => canonical_develop(value),
            _ => {}
        }
    }
    Ok(())
}

/// Applies `f` to every item of a sequence, with the item's path.
pub(crate) fn for_each_item(
    node: &mut Node,
    path: &str,
    f: fn(&mut Node, &str) -> Result<()>,
) -> Result<()> {
    if let Some(items) = node.as_seq_mut() {
        for (i, item) in items.iter_mut().enumerate() {
            f(item, &format!("{path}.{i}"))?;
        }
    }
    Ok(())
}

/// `depends_on: [a, b]` to `{a: {condition: service_started, required: true}, ...}`, and
/// the same two defaults filled into the long form.
fn canonical_depends_on(node: &mut Node, path: &str) -> Result<()> {
    names_to_map(node);
    let Some(map) = node.as_map_mut() else {
        return Err(format_err(
            node,
            format!("{path}: invalid type {} for depend_on", node.kind_name()),
        ));
    };
    for (dep, value) in map.iter_mut() {
        if value.is_null() {
            value.value = Value::Map(Map::new());
        }
        let Some(d) = value.as_map_mut() else {
            return Err(format_err(
                value,
                format!("{path}.{dep}: unsupported value"),
            ));
        };
        if !d.contains_key("condition") {
            d.insert("condition".into(), Node::str("service_started"));
        }
        if !d.contains_key("required") {
            d.insert("required".into(), Node::synthetic(Value::Bool(true)));
        }
    }
    Ok(())
}

/// `env_file` as a list of `{path, required}` (required defaults to true).
fn canonical_env_file(node: &mut Node, path: &str) -> Result<()> {
    string_to_list(node);
    let Some(items) = node.as_seq_mut() else {
        return Err(format_err(
            node,
            format!("{path}: invalid type {} for env_file", node.kind_name()),
        ));
    };
    for item in items.iter_mut() {
        if let Value::Str(s) = &item.value {
            let mut map = Map::new();
            map.insert("path".into(), item.with_value(Value::Str(s.clone())));
            map.insert("required".into(), item.with_value(Value::Bool(true)));
            item.value = Value::Map(map);
        } else if let Some(map) = item.as_map_mut() {
            if !map.contains_key("required") {
                map.insert("required".into(), Node::synthetic(Value::Bool(true)));
            }
        }
    }
    Ok(())
}

/// `extends: service` to `extends: {service: service}`.
fn canonical_extends(node: &mut Node, path: &str) -> Result<()> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::Str(s) => {
            let mut map = Map::new();
            map.insert("service".into(), node.with_value(Value::Str(s.clone())));
            node.value = Value::Map(map);
            Ok(())
        }
        _ => Err(format_err(
            node,
            format!("{path}: invalid type {} for extends", node.kind_name()),
        )),
    }
}

/// `gpus: all` to `[{count: all}]`.
fn canonical_gpus(node: &mut Node, path: &str) -> Result<()> {
    match &node.value {
        Value::Seq(_) => Ok(()),
        Value::Str(_) => {
            let mut map = Map::new();
            map.insert("count".into(), node.with_value(Value::Str("all".into())));
            node.value = Value::Seq(vec![node.with_value(Value::Map(map))]);
            Ok(())
        }
        _ => Err(format_err(
            node,
            format!("{path}: invalid type {} for gpus", node.kind_name()),
        )),
    }
}

/// `develop.watch`: `ignore` and `include` strings to lists.
fn canonical_develop(node: &mut Node) {
    let Some(watch) = node.get_mut("watch").and_then(Node::as_seq_mut) else {
        return;
    };
    for trigger in watch {
        for key in ["ignore", "include"] {
            if let Some(v) = trigger.get_mut(key) {
                string_to_list(v);
            }
        }
    }
}

/// `devices: ["/dev/a:/dev/b:rwm"]` to `{source, target, permissions}`.
fn canonical_device(node: &mut Node, path: &str, lenient: bool) -> Result<()> {
    let spec = match &node.value {
        Value::Map(_) => return Ok(()),
        Value::Str(s) => s.clone(),
        _ => {
            return Err(format_err(
                node,
                format!(
                    "{path}: invalid type {} for service volume mount",
                    node.kind_name()
                ),
            ))
        }
    };
    let parts: Vec<&str> = spec.split(':').collect();
    let (src, mut dst, permissions) = match parts.as_slice() {
        [s] => (*s, "", "rwm"),
        [s, d] => (*s, *d, "rwm"),
        [s, d, p] => (*s, *d, *p),
        // Without interpolation compose keeps going with an empty mapping.
        _ if lenient => ("", "", "rwm"),
        _ => {
            return Err(format_err(
                node,
                format!("confusing device mapping, please use long syntax: {spec}"),
            ))
        }
    };
    if dst.is_empty() {
        dst = src;
    }
    let mut map = Map::new();
    for (k, v) in [
        ("source", src),
        ("target", dst),
        ("permissions", permissions),
    ] {
        map.insert(k.into(), node.with_value(Value::Str(v.to_string())));
    }
    node.value = Value::Map(map);
    Ok(())
}

/// A secret or config reference by name to `{source: name}`.
pub(crate) fn canonical_file_mount(node: &mut Node, path: &str) -> Result<()> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::Str(s) => {
            let mut map = Map::new();
            map.insert("source".into(), node.with_value(Value::Str(s.clone())));
            node.value = Value::Map(map);
            Ok(())
        }
        _ => Err(format_err(
            node,
            format!("{path}: unsupported type {}", node.kind_name()),
        )),
    }
}

/// Each ulimit is a number or `{soft, hard}`.
pub(crate) fn canonical_ulimits(node: &mut Node, path: &str) -> Result<()> {
    if let Some(map) = node.as_map() {
        for (name, limit) in map {
            if !matches!(limit.value, Value::Int(_) | Value::Map(_)) {
                return Err(format_err(
                    limit,
                    format!(
                        "{path}.{name}: invalid type {} for ulimit",
                        limit.kind_name()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn service(yaml: &str) -> Node {
        let mut doc = parse_documents(yaml, "compose.yaml").unwrap().remove(0);
        canonical_service("s", &mut doc, Mode::INTERPOLATED).unwrap();
        doc
    }

    fn service_err(yaml: &str) -> String {
        let mut doc = parse_documents(yaml, "compose.yaml").unwrap().remove(0);
        canonical_service("s", &mut doc, Mode::INTERPOLATED)
            .unwrap_err()
            .message
    }

    #[test]
    fn depends_on_list_and_map() {
        let s = service("depends_on: [db]\n");
        let db = s.get("depends_on").unwrap().get("db").unwrap();
        assert_eq!(db.get_str("condition"), Some("service_started"));
        assert_eq!(db.get("required").unwrap().value, Value::Bool(true));
        let s =
            service("depends_on:\n  db:\n    condition: service_healthy\n    required: false\n");
        let db = s.get("depends_on").unwrap().get("db").unwrap();
        assert_eq!(db.get_str("condition"), Some("service_healthy"));
        assert_eq!(db.get("required").unwrap().value, Value::Bool(false));
    }

    #[test]
    fn env_file_forms() {
        let s = service("env_file: a.env\n");
        let first = &s.get("env_file").unwrap().as_seq().unwrap()[0];
        assert_eq!(first.get_str("path"), Some("a.env"));
        assert_eq!(first.get("required").unwrap().value, Value::Bool(true));
        let s = service("env_file: [{path: b.env, required: false}]\n");
        let first = &s.get("env_file").unwrap().as_seq().unwrap()[0];
        assert_eq!(first.get("required").unwrap().value, Value::Bool(false));
    }

    #[test]
    fn short_forms() {
        let s = service("networks: [a]\nsecrets: [s1]\ngpus: all\nbuild: .\ndns: 8.8.8.8\n");
        assert!(s.get("networks").unwrap().get("a").unwrap().is_null());
        assert_eq!(
            s.get("secrets").unwrap().as_seq().unwrap()[0].get_str("source"),
            Some("s1")
        );
        assert_eq!(
            s.get("gpus").unwrap().as_seq().unwrap()[0].get_str("count"),
            Some("all")
        );
        assert_eq!(s.get("build").unwrap().get_str("context"), Some("."));
        assert_eq!(s.get("dns").unwrap().as_seq().unwrap().len(), 1);
    }

    #[test]
    fn devices_short_syntax() {
        let s = service("devices: [\"/dev/a:/dev/b:r\", /dev/c]\n");
        let d = s.get("devices").unwrap().as_seq().unwrap();
        assert_eq!(d[0].get_str("target"), Some("/dev/b"));
        assert_eq!(d[0].get_str("permissions"), Some("r"));
        assert_eq!(d[1].get_str("target"), Some("/dev/c"));
        assert_eq!(d[1].get_str("permissions"), Some("rwm"));
        assert!(service_err("devices: [\"a:b:c:d\"]\n").contains("confusing device mapping"));
    }
}
