//! Attributes that exist twice (`scale` and `deploy.replicas`, `mem_limit` and
//! `deploy.resources.limits.memory`, ...) must agree, and counts must not be negative.
//!
//! compose-go compares the decoded values, so sizes are compared in bytes (`512m` against
//! `0.5g` agree) and CPUs as 32-bit floats. As in compose, a `deploy.resources.limits`
//! block that leaves the field out counts as `0`, which then conflicts with a set top-level
//! value.

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Map, Node, Value};

const INVALID: &str = "invalid compose project";

/// Checks scale/replicas/limits of one service and, when both `scale` and `deploy` are set,
/// copies `scale` into `deploy.replicas` as compose does.
pub fn check_service(name: &str, service: &mut Node) -> Result<()> {
    let scale = service.get("scale").and_then(int_value);
    let scale_mark = service
        .get("scale")
        .map(|n| n.mark.clone())
        .unwrap_or_else(|| service.key_mark.clone());
    if let (Some(scale), Some(deploy)) = (scale, service.get_mut("deploy")) {
        if let Some(deploy) = deploy.as_map_mut() {
            if let Some(replicas) = deploy.get("replicas").and_then(int_value) {
                if replicas != scale {
                    return Err(LoadError::new(
                        ErrorKind::Consistency,
                        &scale_mark,
                        format!("services.{name}: can't set distinct values on 'scale' and 'deploy.replicas': {INVALID}"),
                    ));
                }
            }
            let node = Node::new(Value::Int(scale), scale_mark.clone());
            match deploy.get_mut("replicas") {
                Some(r) => r.value = node.value,
                None => {
                    deploy.insert("replicas".into(), node);
                }
            }
        }
    }
    if scale.is_some_and(|s| s < 0) {
        return Err(LoadError::new(
            ErrorKind::Consistency,
            &scale_mark,
            format!("services.{name}.scale: must be greater than or equal to 0"),
        ));
    }
    if let Some(replicas) = service.get("deploy").and_then(|d| d.get("replicas")) {
        if int_value(replicas).is_some_and(|r| r < 0) {
            return Err(LoadError::new(
                ErrorKind::Consistency,
                &replicas.mark,
                format!("services.{name}.deploy.replicas: must be greater than or equal to 0"),
            ));
        }
    }
    let resources = service
        .get("deploy")
        .and_then(|d| d.get("resources"))
        .and_then(Node::as_map);
    let limits = resources.and_then(|r| section(r, "limits"));
    let reservations = resources.and_then(|r| section(r, "reservations"));
    let distinct = |node: &Node, attr: &str, deploy_attr: &str| {
        LoadError::new(
            ErrorKind::Consistency,
            &node.mark,
            format!("services.{name}: can't set distinct values on '{attr}' and 'deploy.resources.{deploy_attr}': {INVALID}"),
        )
    };
    if let Some(cpus) = service.get("cpus") {
        let top = cpus_value(cpus).unwrap_or(0.0);
        if top != 0.0 {
            if let Some(limits) = limits {
                let deploy = limits.get("cpus").and_then(cpus_value).unwrap_or(0.0);
                if deploy != top {
                    return Err(distinct(cpus, "cpus", "limits.cpus"));
                }
            }
        }
    }
    let sized = [
        ("mem_limit", limits, "memory", "limits.memory"),
        (
            "mem_reservation",
            reservations,
            "memory",
            "reservations.memory",
        ),
    ];
    for (attr, block, key, deploy_attr) in sized {
        let Some(node) = service.get(attr) else {
            continue;
        };
        let top = size_value(node).unwrap_or(0);
        if top == 0 {
            continue;
        }
        if let Some(block) = block {
            let deploy = block.get(key).and_then(size_value).unwrap_or(0);
            if deploy != top {
                return Err(distinct(node, attr, deploy_attr));
            }
        }
    }
    if let Some(node) = service.get("pids_limit") {
        let top = int_value(node).unwrap_or(0);
        if top != 0 {
            if let Some(limits) = limits {
                let deploy = limits.get("pids").and_then(int_value).unwrap_or(0);
                if deploy != top {
                    return Err(distinct(node, "pids_limit", "limits.pids"));
                }
            }
        }
    }
    Ok(())
}

/// The number of containers compose runs for a service: `scale`, else `deploy.replicas`,
/// else 1.
pub fn effective_scale(service: &Node) -> i64 {
    if let Some(scale) = service.get("scale").and_then(int_value) {
        return scale;
    }
    service
        .get("deploy")
        .and_then(|d| d.get("replicas"))
        .and_then(int_value)
        .unwrap_or(1)
}

/// A `limits`/`reservations` block that is present (compose only compares when it is).
fn section<'a>(resources: &'a Map, key: &str) -> Option<&'a Map> {
    resources.get(key).and_then(Node::as_map)
}

/// An integer written as a number or, before casting, as a string.
fn int_value(node: &Node) -> Option<i64> {
    match &node.value {
        Value::Int(i) => Some(*i),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// CPUs as compose compares them (float32).
fn cpus_value(node: &Node) -> Option<f32> {
    match &node.value {
        Value::Int(i) => Some(*i as f32),
        Value::Float(f) => Some(*f as f32),
        Value::Str(s) => s.trim().parse::<f64>().ok().map(|f| f as f32),
        _ => None,
    }
}

/// A size in bytes: an integer, or a string such as `512m` or `1.5GiB` (binary multiples,
/// as docker's `RAMInBytes`). Unparsable sizes are the canonical stage's to report.
fn size_value(node: &Node) -> Option<i64> {
    match &node.value {
        Value::Int(i) => Some(*i),
        Value::Str(s) => crate::canonical::units::parse_ram_in_bytes(s).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(yaml: &str) -> Node {
        crate::yaml::parse_documents(yaml, "compose.yaml")
            .expect("yaml")
            .into_iter()
            .next()
            .expect("document")
    }

    #[test]
    fn memory_limits_must_agree() {
        let mut s = service("mem_limit: 512m\ndeploy:\n  resources:\n    limits: {memory: 50M}\n");
        let err = check_service("foo", &mut s).expect_err("conflict");
        assert!(err.message.contains(
            "can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'"
        ));
        let mut s = service("mem_limit: 512m\ndeploy:\n  resources:\n    limits: {memory: 0.5g}\n");
        check_service("foo", &mut s).expect("same size");
        let mut s = service("cpus: 0.5\ndeploy:\n  resources:\n    limits: {pids: 3}\n");
        let err = check_service("a", &mut s).expect_err("cpus conflict");
        assert!(err
            .message
            .contains("'cpus' and 'deploy.resources.limits.cpus'"));
    }

    #[test]
    fn scale_is_copied_into_replicas() {
        let mut s = service("scale: 2\ndeploy:\n  labels: {a: b}\n");
        check_service("a", &mut s).expect("ok");
        assert_eq!(
            s.get("deploy")
                .and_then(|d| d.get("replicas"))
                .map(|r| r.value.clone()),
            Some(Value::Int(2))
        );
        let mut s = service("scale: 2\ndeploy: {replicas: 3}\n");
        assert!(check_service("a", &mut s).is_err());
        assert_eq!(effective_scale(&service("deploy: {replicas: 4}\n")), 4);
        assert_eq!(effective_scale(&service("image: x\n")), 1);
    }

    #[test]
    fn negative_counts_are_rejected() {
        let mut s = service("deploy:\n  replicas: -1\n");
        let err = check_service("myservice", &mut s).expect_err("negative");
        assert_eq!(
            err.message,
            "services.myservice.deploy.replicas: must be greater than or equal to 0"
        );
        let mut s = service("scale: -1\n");
        assert!(check_service("s", &mut s).is_err());
    }
}
