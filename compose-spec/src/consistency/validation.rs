//! Rules the JSON schema cannot express, checked on the merged model before paths are
//! resolved (compose-go's `validation` package): external resources that also declare how
//! to create them, secrets and configs without (or with several) sources, host IPs of ports,
//! blank watch paths, and GPU requests with both `count` and `device_ids`.
//!
//! Messages name the attribute by its dotted path with `[]` for list items, as compose does
//! (`services.web.ports.[]: invalid ip address: 127.0.1`).

use crate::error::{ErrorKind, LoadError, Result};
use crate::graph::node_bool;
use crate::node::{Node, Value};
use std::net::IpAddr;

/// Runs every check on a merged, canonical model.
pub fn validate(doc: &Node) -> Result<()> {
    if let Some(volumes) = doc.get("volumes").and_then(Node::as_map) {
        for (name, volume) in volumes {
            check_volume(&format!("volumes.{name}"), volume)?;
        }
    }
    let file_objects: [(&str, &[&str]); 2] = [
        ("configs", &["file", "environment", "content"]),
        ("secrets", &["file", "environment"]),
    ];
    for (kind, keys) in file_objects {
        if let Some(resources) = doc.get(kind).and_then(Node::as_map) {
            for (name, resource) in resources {
                check_file_object(&format!("{kind}.{name}"), resource, keys)?;
            }
        }
    }
    if let Some(services) = doc.get("services").and_then(Node::as_map) {
        for (name, service) in services {
            check_service(name, service)?;
        }
    }
    Ok(())
}

fn invalid(node: &Node, message: String) -> LoadError {
    LoadError::new(ErrorKind::Consistency, &node.mark, message)
}

fn check_volume(path: &str, volume: &Node) -> Result<()> {
    match &volume.value {
        Value::Null => Ok(()),
        Value::Map(_) => check_external(path, volume),
        _ => Err(invalid(
            volume,
            format!(
                "expected volume, got {}",
                volume.scalar_string().unwrap_or_default()
            ),
        )),
    }
}

/// An external resource exists already: only its `name` (and extensions) may be set.
fn check_external(path: &str, resource: &Node) -> Result<()> {
    let Some(map) = resource.as_map() else {
        return Ok(());
    };
    if !node_bool(map.get("external")).unwrap_or(false) {
        return Ok(());
    }
    for (key, value) in map {
        if matches!(key.as_str(), "name" | "external") || key.starts_with("x-") {
            continue;
        }
        let mark = if value.key_mark.is_known() {
            &value.key_mark
        } else {
            &value.mark
        };
        return Err(LoadError::new(
            ErrorKind::Consistency,
            mark,
            format!("{path}: conflicting parameters \"external\" and {key:?} specified"),
        ));
    }
    Ok(())
}

/// A secret or config takes its content from exactly one source, unless it is external or a
/// custom driver provides it.
fn check_file_object(path: &str, resource: &Node, keys: &[&str]) -> Result<()> {
    let Some(map) = resource.as_map() else {
        return Ok(());
    };
    let count = keys.iter().filter(|k| map.contains_key(**k)).count();
    let list = keys.join("|");
    if count > 1 {
        return Err(invalid(
            resource,
            format!("{path}: {list} attributes are mutually exclusive"),
        ));
    }
    if count == 0 && !map.contains_key("driver") && !map.contains_key("external") {
        return Err(invalid(
            resource,
            format!("{path}: one of {list} must be set"),
        ));
    }
    Ok(())
}

fn check_service(name: &str, service: &Node) -> Result<()> {
    if let Some(ports) = service.get("ports").and_then(Node::as_seq) {
        for port in ports {
            if let Some(ip) = port.get("host_ip") {
                let text = ip.scalar_string().unwrap_or_default();
                if text.parse::<IpAddr>().is_err() {
                    return Err(invalid(
                        ip,
                        format!("services.{name}.ports.[]: invalid ip address: {text}"),
                    ));
                }
            }
        }
    }
    if let Some(watches) = service
        .get("develop")
        .and_then(|d| d.get("watch"))
        .and_then(Node::as_seq)
    {
        for watch in watches {
            if let Some(path) = watch.get("path") {
                if path.as_str() == Some("") {
                    return Err(invalid(
                        path,
                        format!("services.{name}.develop.watch.[].path: value can't be blank"),
                    ));
                }
            }
        }
    }
    let devices = service
        .get("deploy")
        .and_then(|d| d.get("resources"))
        .and_then(|r| r.get("reservations"))
        .and_then(|r| r.get("devices"))
        .and_then(Node::as_seq);
    let gpus = service.get("gpus").and_then(Node::as_seq);
    let groups = [
        (devices, "deploy.resources.reservations.devices"),
        (gpus, "gpus"),
    ];
    for (items, attr) in groups {
        for item in items.into_iter().flatten() {
            if item.get("count").is_some() && item.get("device_ids").is_some() {
                return Err(invalid(
                    item,
                    format!(
                        "services.{name}.{attr}.[]: \"count\" and \"device_ids\" attributes are exclusive"
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

    fn check(yaml: &str) -> Result<()> {
        let doc = crate::yaml::parse_documents(yaml, "compose.yaml")
            .expect("yaml")
            .into_iter()
            .next()
            .expect("document");
        validate(&doc)
    }

    fn message(yaml: &str) -> String {
        check(yaml).expect_err("invalid").message
    }

    #[test]
    fn external_volumes_cannot_be_configured() {
        assert_eq!(
            message("volumes:\n  v:\n    external: true\n    driver: foobar\n"),
            "volumes.v: conflicting parameters \"external\" and \"driver\" specified"
        );
        check("volumes:\n  v:\n    external: true\n    name: x\n    x-a: 1\n  w:\n").expect("ok");
        check("volumes:\n  v:\n    external: false\n    driver: x\n").expect("ok");
    }

    #[test]
    fn secrets_and_configs_need_one_source() {
        assert_eq!(
            message("secrets:\n  s:\n    labels: {a: b}\n"),
            "secrets.s: one of file|environment must be set"
        );
        assert_eq!(
            message("configs:\n  c:\n    file: x\n    content: y\n"),
            "configs.c: file|environment|content attributes are mutually exclusive"
        );
        check(
            "secrets:\n  s: {driver: vault}\n  e: {external: true}\nconfigs:\n  c: {content: x}\n",
        )
        .expect("ok");
    }

    #[test]
    fn service_rules() {
        assert_eq!(
            message("services:\n  a:\n    ports:\n      - {host_ip: 127.0.1, target: 80}\n"),
            "services.a.ports.[]: invalid ip address: 127.0.1"
        );
        check("services:\n  a:\n    ports:\n      - {host_ip: '::1', target: 80}\n").expect("ok");
        assert!(message(
            "services:\n  a:\n    develop:\n      watch:\n        - {path: '', action: sync}\n"
        )
        .contains("value can't be blank"));
        assert!(
            message("services:\n  a:\n    gpus:\n      - {count: 1, device_ids: ['0']}\n")
                .contains("\"count\" and \"device_ids\" attributes are exclusive")
        );
    }
}
