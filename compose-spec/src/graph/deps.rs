//! The dependencies of one service, read from every attribute that creates one.
//!
//! `depends_on` (short or long syntax), `links`, `network_mode`/`ipc`/`pid`/`uts`/`cgroup:
//! service:x` and `volumes_from` all make a service need another. Normalisation, the
//! consistency checks, service selection and the graph all read them the same way from here.

use crate::error::{ErrorKind, LoadError};
use crate::node::{Mark, Node, Value};

/// `depends_on` condition used when none is written.
pub const CONDITION_STARTED: &str = "service_started";

/// The prefix of `network_mode`, `ipc`, ... values that point at another service.
pub const SERVICE_PREFIX: &str = "service:";

/// The prefix of `volumes_from` values that point at a container rather than a service.
pub const CONTAINER_PREFIX: &str = "container:";

/// The attributes that can share a namespace with another service (`service:x`).
pub const NAMESPACE_KEYS: [&str; 5] = ["network_mode", "ipc", "pid", "uts", "cgroup"];

/// Which attribute made one service depend on another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DependencyKind {
    /// An explicit `depends_on` entry.
    DependsOn,
    /// A `links` entry.
    Link,
    /// `network_mode`, `ipc`, `pid`, `uts` or `cgroup` set to `service:x` (the attribute name).
    Namespace(&'static str),
    /// A `volumes_from` entry naming a service.
    VolumesFrom,
}

/// One dependency of a service, with the flags compose attaches to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// The service depended upon.
    pub service: String,
    /// `service_started`, `service_healthy` or `service_completed_successfully`.
    pub condition: String,
    /// Whether a missing (or disabled) target is an error.
    pub required: bool,
    /// Whether the dependent restarts when the dependency is restarted.
    pub restart: bool,
    /// Where the relation was declared.
    pub kind: DependencyKind,
    /// Where in the file it was declared (for error messages).
    pub mark: Mark,
}

impl Dependency {
    /// The flags compose gives implicit dependencies: started, required, and `restart` for
    /// links and shared namespaces but not for `volumes_from`.
    fn implicit(service: &str, kind: DependencyKind, mark: &Mark) -> Dependency {
        Dependency {
            service: service.to_string(),
            condition: CONDITION_STARTED.to_string(),
            required: true,
            restart: kind != DependencyKind::VolumesFrom,
            kind,
            mark: mark.clone(),
        }
    }
}

/// Reads a boolean written as a YAML boolean or, before casting, as a string.
pub(crate) fn node_bool(node: Option<&Node>) -> Option<bool> {
    match node.map(|n| &n.value) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Str(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" => Some(true),
            "false" | "no" | "n" | "off" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a resource's `external` marks it as existing outside the project: `true`, or the
/// legacy `external: {name: x}` mapping when the canonical stage has not rewritten it yet.
pub(crate) fn is_external(resource: &Node) -> bool {
    match resource.get("external") {
        Some(n) if n.as_map().is_some() => true,
        other => node_bool(other).unwrap_or(false),
    }
}

/// The mark that best points at a mapping entry: its key when known, else its value.
pub(crate) fn entry_mark(node: &Node) -> &Mark {
    if node.key_mark.is_known() {
        &node.key_mark
    } else {
        &node.mark
    }
}

/// The explicit `depends_on` entries of a service, in either the short (list) or the long
/// (mapping) syntax.
pub fn explicit_dependencies(service: &Node) -> Vec<Dependency> {
    let Some(node) = service.get("depends_on") else {
        return Vec::new();
    };
    match &node.value {
        Value::Map(m) => m
            .iter()
            .map(|(name, entry)| Dependency {
                service: name.clone(),
                condition: entry
                    .get_str("condition")
                    .unwrap_or(CONDITION_STARTED)
                    .to_string(),
                required: node_bool(entry.get("required")).unwrap_or(true),
                restart: node_bool(entry.get("restart")).unwrap_or(false),
                kind: DependencyKind::DependsOn,
                mark: entry_mark(entry).clone(),
            })
            .collect(),
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| {
                let name = item.scalar_string()?;
                Some(Dependency {
                    service: name,
                    condition: CONDITION_STARTED.to_string(),
                    required: true,
                    restart: false,
                    kind: DependencyKind::DependsOn,
                    mark: item.mark.clone(),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The dependencies implied by `links`, `service:x` namespaces and `volumes_from`, in the
/// order compose adds them (links, namespaces, then volumes_from).
pub fn implicit_dependencies(service: &Node) -> Vec<Dependency> {
    let mut deps = Vec::new();
    if let Some(links) = service.get("links").and_then(Node::as_seq) {
        for link in links {
            let Some(text) = link.as_str() else { continue };
            // `service:alias`; anything with more colons is kept whole, as compose does.
            let parts: Vec<&str> = text.split(':').collect();
            let target = match parts.as_slice() {
                [name, _alias] => *name,
                _ => text,
            };
            deps.push(Dependency::implicit(
                target,
                DependencyKind::Link,
                &link.mark,
            ));
        }
    }
    for key in NAMESPACE_KEYS {
        let Some(node) = service.get(key) else {
            continue;
        };
        if let Some(target) = node.as_str().and_then(|s| s.strip_prefix(SERVICE_PREFIX)) {
            deps.push(Dependency::implicit(
                target,
                DependencyKind::Namespace(key),
                &node.mark,
            ));
        }
    }
    if let Some(froms) = service.get("volumes_from").and_then(Node::as_seq) {
        for from in froms {
            let Some(text) = from.as_str() else { continue };
            if text.starts_with(CONTAINER_PREFIX) {
                continue;
            }
            let target = text.split(':').next().unwrap_or(text);
            deps.push(Dependency::implicit(
                target,
                DependencyKind::VolumesFrom,
                &from.mark,
            ));
        }
    }
    deps
}

/// Every dependency of a service, one per target: explicit `depends_on` entries win over
/// implicit ones, and the first implicit one wins among those (as in compose's normaliser).
pub fn dependencies(service: &Node) -> Vec<Dependency> {
    let mut deps = explicit_dependencies(service);
    for dep in implicit_dependencies(service) {
        if !deps.iter().any(|d| d.service == dep.service) {
            deps.push(dep);
        }
    }
    deps
}

/// Checks that every required dependency of the enabled services exists, with the messages
/// compose's graph walk (used by `up`, `start`, ...) gives: a dependency on a service that a
/// profile disabled names the profiles that would enable it. `disabled` holds the services
/// profiles left out (see [`crate::profiles::Selection`]).
pub fn check_required(doc: &Node, disabled: &crate::node::Map) -> Result<(), LoadError> {
    let Some(services) = doc.get("services").and_then(Node::as_map) else {
        return Ok(());
    };
    for (name, service) in services {
        for dep in dependencies(service) {
            if !dep.required || services.contains_key(&dep.service) {
                continue;
            }
            let message = match disabled.get(&dep.service) {
                Some(off) => {
                    let profiles: Vec<String> = off
                        .get("profiles")
                        .and_then(Node::as_seq)
                        .map(|p| p.iter().filter_map(Node::scalar_string).collect())
                        .unwrap_or_default();
                    format!(
                        "service {:?} is required by {name:?} but is disabled. Can be enabled by profiles [{}]",
                        dep.service,
                        profiles.join(" ")
                    )
                }
                None => format!(
                    "service {name:?} depends on unknown service {:?}",
                    dep.service
                ),
            };
            return Err(LoadError::new(ErrorKind::Consistency, &dep.mark, message));
        }
    }
    Ok(())
}
