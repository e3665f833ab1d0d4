//! Cross-reference checks on the final model (compose-go's `checkConsistency`).
//!
//! Once profiles have decided which services are enabled, every name a service uses must
//! exist: services it depends on (directly or through `network_mode: service:x`, build
//! contexts `service:x`), networks, named volumes, secrets, configs and models. The checks
//! also reject contradictory settings (`network_mode` with `networks`, `container_name` with
//! several replicas, two mounts on one target, ...) and dependency cycles. Messages are
//! compose's, with the place in the file in front.
//!
//! The rules compose applies before paths are resolved live in [`validation`].

mod limits;
pub mod validation;

use crate::error::{ErrorKind, LoadError, Result};
use crate::graph::{self, entry_mark, ServiceGraph};
use crate::node::{Map, Mark, Node, Value};
use std::collections::HashMap;

pub use limits::effective_scale;
pub use validation::validate;

const INVALID: &str = "invalid compose project";

/// Checks the enabled services of a model. `disabled` holds the services profiles left out:
/// a dependency on one of them is fine when it is not `required`.
///
/// Like compose, it also copies `scale` into `deploy.replicas` when both `scale` and `deploy`
/// are set, which is why it takes the model mutably.
pub fn check(doc: &mut Node, disabled: &Map) -> Result<()> {
    let snapshot = Snapshot::of(doc);
    if let Some(services) = doc.get_mut("services").and_then(Node::as_map_mut) {
        for (name, service) in services.iter_mut() {
            if service.as_map().is_none() {
                continue;
            }
            check_service(name, service, &snapshot, disabled)?;
            limits::check_service(name, service)?;
            check_service_late(name, service)?;
        }
    }
    check_secrets(doc)?;
    ServiceGraph::from_model(doc).check_cycle()?;
    check_container_names(doc)
}

/// The top-level names services may refer to.
struct Snapshot {
    services: HashMap<String, bool>,
    networks: Vec<String>,
    volumes: Vec<String>,
    secrets: Vec<String>,
    configs: Vec<String>,
    models: Vec<String>,
}

impl Snapshot {
    fn of(doc: &Node) -> Snapshot {
        let keys = |kind: &str| -> Vec<String> {
            doc.get(kind)
                .and_then(Node::as_map)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let services = doc
            .get("services")
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .map(|(k, s)| (k.clone(), s.get("build").is_some()))
                    .collect()
            })
            .unwrap_or_default();
        Snapshot {
            services,
            networks: keys("networks"),
            volumes: keys("volumes"),
            secrets: keys("secrets"),
            configs: keys("configs"),
            models: keys("models"),
        }
    }
}

fn invalid(mark: &Mark, message: String) -> LoadError {
    LoadError::new(ErrorKind::Consistency, mark, message)
}

fn non_empty_str<'a>(service: &'a Node, key: &str) -> Option<&'a str> {
    service.get_str(key).filter(|s| !s.is_empty())
}

/// The checks compose runs before the scale and resource checks.
fn check_service(name: &str, service: &Node, top: &Snapshot, disabled: &Map) -> Result<()> {
    let here = entry_mark(service);
    let build = service.get("build").filter(|b| !b.is_null());
    if build.is_none()
        && non_empty_str(service, "image").is_none()
        && service.get("provider").is_none()
    {
        return Err(invalid(
            here,
            format!(
                "service {name:?} has neither an image nor a build context specified: {INVALID}"
            ),
        ));
    }
    if let Some(build) = build {
        check_build(name, service, build, top)?;
    }
    let networks = service.get("networks").filter(|n| match &n.value {
        Value::Map(m) => !m.is_empty(),
        Value::Seq(s) => !s.is_empty(),
        _ => false,
    });
    if let (Some(mode), Some(_)) = (service.get("network_mode"), networks) {
        if mode.as_str().is_some_and(|m| !m.is_empty()) {
            return Err(invalid(
                &mode.mark,
                format!("service {name} declares mutually exclusive `network_mode` and `networks`: {INVALID}"),
            ));
        }
    }
    for (network, mark) in names_with_marks(networks) {
        if !top.networks.contains(&network) {
            return Err(invalid(
                &mark,
                format!("service {name:?} refers to undefined network {network}: {INVALID}"),
            ));
        }
    }
    if let Some(test) = service.get("healthcheck").and_then(|h| h.get("test")) {
        if let Some(first) = test.as_seq().and_then(|s| s.first()) {
            if !matches!(first.as_str(), Some("CMD" | "CMD-SHELL" | "NONE")) {
                return Err(invalid(
                    &first.mark,
                    r#"healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE""#.into(),
                ));
            }
        }
    }
    for dep in graph::explicit_dependencies(service) {
        if top.services.contains_key(&dep.service) {
            continue;
        }
        if disabled.contains_key(&dep.service) && !dep.required {
            continue;
        }
        // compose's wording first; then, when the dependency exists but its profiles are
        // off, say which profiles would enable it.
        let hint = disabled
            .get(&dep.service)
            .map(|d| {
                let profiles: Vec<String> = d
                    .get("profiles")
                    .and_then(Node::as_seq)
                    .map(|p| p.iter().filter_map(Node::scalar_string).collect())
                    .unwrap_or_default();
                format!(
                    " (service {:?} is disabled: enable one of its profiles [{}] with --profile)",
                    dep.service,
                    profiles.join(", ")
                )
            })
            .unwrap_or_default();
        return Err(invalid(
            &dep.mark,
            format!(
                "service {name:?} depends on undefined service {:?}: {INVALID}{hint}",
                dep.service
            ),
        ));
    }
    if let Some(mode) = service.get("network_mode") {
        if let Some(target) = mode
            .as_str()
            .and_then(|m| m.strip_prefix(graph::SERVICE_PREFIX))
        {
            if !top.services.contains_key(target) {
                return Err(invalid(
                    &mode.mark,
                    format!("service {target:?} not found for network_mode 'service:{target}'"),
                ));
            }
        }
    }
    if let Some(volumes) = service.get("volumes").and_then(Node::as_seq) {
        for volume in volumes {
            if volume.get_str("type") != Some("volume") {
                continue;
            }
            let Some(source) = non_empty_str(volume, "source") else {
                continue;
            };
            if !top.volumes.iter().any(|v| v == source) {
                let mark = volume.get("source").map_or(&volume.mark, |s| &s.mark);
                return Err(invalid(
                    mark,
                    format!("service {name:?} refers to undefined volume {source}: {INVALID}"),
                ));
            }
        }
    }
    let build_secrets = build.and_then(|b| b.get("secrets"));
    undefined_mounts(name, build_secrets, &top.secrets, "build secret")?;
    undefined_mounts(name, service.get("configs"), &top.configs, "config")?;
    for (model, mark) in names_with_marks(service.get("models")) {
        if !top.models.contains(&model) {
            return Err(invalid(
                &mark,
                format!("service {name:?} refers to undefined model {model}: {INVALID}"),
            ));
        }
    }
    undefined_mounts(name, service.get("secrets"), &top.secrets, "secret")
}

fn check_build(name: &str, service: &Node, build: &Node, top: &Snapshot) -> Result<()> {
    let inline = non_empty_str(build, "dockerfile_inline");
    let dockerfile = non_empty_str(build, "dockerfile");
    if inline.is_some() && dockerfile.is_some() {
        return Err(invalid(
            &build.mark,
            format!("service {name:?} declares mutualy exclusive dockerfile and dockerfile_inline: {INVALID}"),
        ));
    }
    if let Some(contexts) = build.get("additional_contexts").and_then(Node::as_map) {
        for (key, context) in contexts {
            let Some(target) = context
                .as_str()
                .and_then(|c| c.strip_prefix(graph::SERVICE_PREFIX))
            else {
                continue;
            };
            match top.services.get(target) {
                None => {
                    return Err(invalid(
                        &context.mark,
                        format!("service {name:?} declares unknown service {target:?} as additional contexts {key}"),
                    ))
                }
                Some(false) => {
                    return Err(invalid(
                        &context.mark,
                        format!("service {name:?} declares non-buildable service {target:?} as additional contexts {key}"),
                    ))
                }
                Some(true) => {}
            }
        }
    }
    let platforms: Vec<String> = build
        .get("platforms")
        .and_then(Node::as_seq)
        .map(|s| s.iter().filter_map(Node::scalar_string).collect())
        .unwrap_or_default();
    if let Some(platform) = non_empty_str(service, "platform") {
        if !platforms.is_empty() && !platforms.iter().any(|p| p == platform) {
            return Err(invalid(
                &build.mark,
                format!(
                    "service.build.platforms MUST include service.platform {platform:?}: {INVALID}"
                ),
            ));
        }
    }
    Ok(())
}

/// Keys of a mapping or strings of a list, with where each was written.
fn names_with_marks(node: Option<&Node>) -> Vec<(String, Mark)> {
    match node.map(|n| &n.value) {
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), entry_mark(v).clone()))
            .collect(),
        Some(Value::Seq(s)) => s
            .iter()
            .filter_map(|v| v.scalar_string().map(|k| (k, v.mark.clone())))
            .collect(),
        _ => Vec::new(),
    }
}

/// Secret and config mounts (long or short form) must name a top-level resource.
fn undefined_mounts(
    name: &str,
    mounts: Option<&Node>,
    defined: &[String],
    what: &str,
) -> Result<()> {
    for mount in mounts.and_then(Node::as_seq).into_iter().flatten() {
        let source = match &mount.value {
            Value::Map(_) => mount.get("source").and_then(Node::scalar_string),
            _ => mount.scalar_string(),
        };
        let Some(source) = source else { continue };
        if !defined.contains(&source) {
            return Err(invalid(
                &mount.mark,
                format!("service {name:?} refers to undefined {what} {source}: {INVALID}"),
            ));
        }
    }
    Ok(())
}

/// The checks compose runs after the scale and resource checks.
fn check_service_late(name: &str, service: &Node) -> Result<()> {
    if let Some(container_name) = service.get("container_name") {
        if container_name.as_str().is_some_and(|c| !c.is_empty()) && effective_scale(service) > 1 {
            let attr = if service.get("scale").is_some() {
                "scale"
            } else {
                "deploy.replicas"
            };
            return Err(invalid(
                &container_name.mark,
                format!("services.{name}: can't set container_name and {attr} as container name must be unique: {INVALID}"),
            ));
        }
    }
    let watches = service
        .get("develop")
        .and_then(|d| d.get("watch"))
        .and_then(Node::as_seq);
    for watch in watches.into_iter().flatten() {
        let target = watch.get_str("target").unwrap_or_default();
        let action = watch.get_str("action").unwrap_or_default();
        if target.is_empty() && action != "rebuild" && action != "restart" {
            return Err(invalid(
                &watch.mark,
                format!("services.{name}.develop.watch: target is required for non-rebuild actions: {INVALID}"),
            ));
        }
    }
    check_mount_targets(name, service)
}

/// No two tmpfs or volume mounts may share a target.
fn check_mount_targets(name: &str, service: &Node) -> Result<()> {
    let mut mounts: HashMap<String, String> = HashMap::new();
    let tmpfs: Vec<&Node> = match service.get("tmpfs") {
        Some(n) if n.as_seq().is_some() => n.as_seq().into_iter().flatten().collect(),
        Some(n) if n.as_str().is_some() => vec![n],
        _ => Vec::new(),
    };
    for (i, entry) in tmpfs.iter().enumerate() {
        let loc = format!("services.{name}.tmpfs[{i}]");
        let text = entry.scalar_string().unwrap_or_default();
        let path = text.split(':').next().unwrap_or_default().to_string();
        if let Some(previous) = mounts.get(&path) {
            return Err(invalid(
                &entry.mark,
                format!("{loc}: target {path} already mounted as {previous}"),
            ));
        }
        mounts.insert(path, loc);
    }
    let volumes = service.get("volumes").and_then(Node::as_seq);
    for (i, volume) in volumes.into_iter().flatten().enumerate() {
        let loc = format!("services.{name}.volumes[{i}]");
        let Some(target) = volume.get("target").and_then(Node::scalar_string) else {
            continue;
        };
        if let Some(previous) = mounts.get(&target) {
            return Err(invalid(
                &volume.mark,
                format!("{loc}: target {target} already mounted as {previous}"),
            ));
        }
        mounts.insert(target, loc);
    }
    Ok(())
}

/// Every non-external secret needs a `file` or an `environment` (a custom `driver` passes
/// the schema-level check but not this one, as in compose).
fn check_secrets(doc: &Node) -> Result<()> {
    let Some(secrets) = doc.get("secrets").and_then(Node::as_map) else {
        return Ok(());
    };
    for (name, secret) in secrets {
        if graph::is_external(secret) {
            continue;
        }
        let set = |k: &str| secret.get_str(k).is_some_and(|v| !v.is_empty());
        if !set("file") && !set("environment") {
            return Err(invalid(
                entry_mark(secret),
                format!("secret {name:?} must declare either `file` or `environment`: {INVALID}"),
            ));
        }
    }
    Ok(())
}

/// Two services cannot ask for the same container name.
fn check_container_names(doc: &Node) -> Result<()> {
    let Some(services) = doc.get("services").and_then(Node::as_map) else {
        return Ok(());
    };
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (name, service) in services {
        let Some(container) = service.get("container_name") else {
            continue;
        };
        let Some(text) = container.as_str().filter(|c| !c.is_empty()) else {
            continue;
        };
        if let Some(previous) = seen.get(text) {
            return Err(invalid(
                &container.mark,
                format!("services.{name}: container name {text:?} is already in use by service {previous}"),
            ));
        }
        seen.insert(text, name);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
