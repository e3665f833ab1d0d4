//! Profiles and service selection: which services a command works on.
//!
//! A service with `profiles` is enabled only when one of them is active (`--profile`,
//! `COMPOSE_PROFILES`; `*` activates all); a service without profiles is always enabled.
//! Disabled services leave the model but are remembered in a [`Selection`], because compose
//! tells "depends on a disabled service" (fine when the dependency is not `required`) apart
//! from "depends on an undefined service".
//!
//! Naming services on the command line (`tug up web`) enables their profiles too and narrows
//! the model to them and their dependencies ([`select_services`]). Last, `config` and every
//! command that creates resources only consider the networks, volumes, secrets and configs an
//! enabled service uses ([`prune_unused_resources`]).

use crate::error::{ErrorKind, LoadError, Result};
use crate::graph;
use crate::node::{Map, Node, Value};
use std::collections::HashSet;

/// The profile that activates every service.
pub const ALL_PROFILES: &str = "*";

/// What profile filtering decided, kept for the consistency checks and service selection.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// The active profiles (those asked for, plus the ones of explicitly selected services).
    pub profiles: Vec<String>,
    /// The services left out, by name, with their definitions.
    pub disabled: Map,
    /// Every service name in model order, so re-enabled services go back where they were.
    order: Vec<String>,
}

impl Selection {
    /// Whether `name` is a service that profiles (or selection) left out.
    pub fn is_disabled(&self, name: &str) -> bool {
        self.disabled.contains_key(name)
    }
}

/// The `profiles` of a service, as strings.
fn service_profiles(service: &Node) -> Vec<String> {
    match service.get("profiles").map(|p| &p.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(Node::scalar_string).collect(),
        Some(Value::Str(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Whether a service is enabled by the active profiles.
pub fn has_active_profile(service: &Node, active: &[String]) -> bool {
    let own = service_profiles(service);
    own.is_empty()
        || active
            .iter()
            .any(|p| p == ALL_PROFILES || own.iter().any(|o| o == p))
}

/// Keeps the services enabled by `profiles` in the model and moves the others into the
/// returned [`Selection`].
pub fn apply_profiles(doc: &mut Node, profiles: &[String]) -> Result<Selection> {
    let mut selection = Selection {
        profiles: profiles.to_vec(),
        ..Selection::default()
    };
    let Some(services) = doc.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(selection);
    };
    selection.order = services.keys().cloned().collect();
    let all = std::mem::take(services);
    for (name, service) in all {
        if has_active_profile(&service, profiles) {
            services.insert(name, service);
        } else {
            selection.disabled.insert(name, service);
        }
    }
    Ok(selection)
}

/// Enables the named services even when their profiles are not active, by activating those
/// profiles (which may enable other services of the same profiles), as compose does for
/// services named on the command line.
pub fn enable_services(doc: &mut Node, selection: &mut Selection, names: &[String]) -> Result<()> {
    let mut profiles = selection.profiles.clone();
    let mut changed = false;
    for name in names {
        if let Some(service) = selection.disabled.get(name) {
            profiles.extend(service_profiles(service));
            changed = true;
        }
    }
    if !changed {
        return Ok(());
    }
    let Some(services) = doc.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(());
    };
    let mut pool = std::mem::take(services);
    pool.extend(std::mem::take(&mut selection.disabled));
    for name in &selection.order {
        let Some(service) = pool.shift_remove(name) else {
            continue;
        };
        if has_active_profile(&service, &profiles) {
            services.insert(name.clone(), service);
        } else {
            selection.disabled.insert(name.clone(), service);
        }
    }
    selection.profiles = profiles;
    Ok(())
}

/// Every profile any service names, sorted and without duplicates, whether it is active or not.
pub fn all_profiles(doc: &Node) -> Vec<String> {
    let mut out: Vec<String> = doc
        .get("services")
        .and_then(Node::as_map)
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(service_profiles)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Narrows the model to the named services and, recursively, what they depend on (compose's
/// `WithServicesEnabled` then `WithSelectedServices`). Dependencies outside the selection are
/// dropped from `depends_on`. An empty list keeps every enabled service.
///
/// Fails with `no such service: x` when a named service, or a required dependency of one,
/// does not exist among the enabled services.
pub fn select_services(doc: &mut Node, selection: &mut Selection, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    enable_services(doc, selection, names)?;
    let Some(services) = doc.get_mut("services").and_then(Node::as_map_mut) else {
        return Err(no_such_service(&names[0]));
    };
    let mut keep: HashSet<String> = HashSet::new();
    let mut stack: Vec<(String, bool)> = names.iter().map(|n| (n.clone(), true)).collect();
    while let Some((name, required)) = stack.pop() {
        if keep.contains(&name) {
            continue;
        }
        let Some(service) = services.get(&name) else {
            if required {
                return Err(no_such_service(&name));
            }
            continue;
        };
        for dep in graph::dependencies(service) {
            stack.push((dep.service, dep.required));
        }
        keep.insert(name);
    }
    let all = std::mem::take(services);
    for (name, mut service) in all {
        if !keep.contains(&name) {
            selection.disabled.insert(name, service);
            continue;
        }
        if let Some(deps) = service.get_mut("depends_on").and_then(Node::as_map_mut) {
            deps.retain(|dep, _| keep.contains(dep));
        }
        services.insert(name, service);
    }
    Ok(())
}

fn no_such_service(name: &str) -> LoadError {
    LoadError::nowhere(ErrorKind::Consistency, format!("no such service: {name}"))
}

/// Drops the top-level networks, volumes, secrets, configs and models no enabled service
/// uses (compose's `WithoutUnnecessaryResources`); a kind left empty disappears.
pub fn prune_unused_resources(doc: &mut Node) {
    let mut used: [(&str, HashSet<String>); 5] = [
        ("networks", HashSet::new()),
        ("volumes", HashSet::new()),
        ("secrets", HashSet::new()),
        ("configs", HashSet::new()),
        ("models", HashSet::new()),
    ];
    if let Some(services) = doc.get("services").and_then(Node::as_map) {
        for service in services.values() {
            let [networks, volumes, secrets, configs, models] = &mut used;
            networks.1.extend(keys_or_items(service.get("networks")));
            models.1.extend(keys_or_items(service.get("models")));
            volumes.1.extend(named_volumes(service));
            secrets.1.extend(mount_sources(service.get("secrets")));
            secrets.1.extend(mount_sources(
                service.get("build").and_then(|b| b.get("secrets")),
            ));
            configs.1.extend(mount_sources(service.get("configs")));
        }
    }
    let Some(root) = doc.as_map_mut() else {
        return;
    };
    for (kind, names) in &used {
        let Some(node) = root.get_mut(*kind) else {
            continue;
        };
        if let Some(resources) = node.as_map_mut() {
            resources.retain(|name, _| names.contains(name));
        }
        let empty = match &node.value {
            Value::Map(m) => m.is_empty(),
            Value::Null => true,
            _ => false,
        };
        if empty {
            root.shift_remove(*kind);
        }
    }
}

/// The keys of a mapping or the strings of a list (`networks`, `models`).
fn keys_or_items(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.value) {
        Some(Value::Map(m)) => m.keys().cloned().collect(),
        Some(Value::Seq(s)) => s.iter().filter_map(Node::scalar_string).collect(),
        _ => Vec::new(),
    }
}

/// Named volumes a service mounts (`type: volume` with a source; anonymous ones need none).
fn named_volumes(service: &Node) -> Vec<String> {
    let Some(volumes) = service.get("volumes").and_then(Node::as_seq) else {
        return Vec::new();
    };
    volumes
        .iter()
        .filter(|v| v.get_str("type") == Some("volume"))
        .filter_map(|v| v.get_str("source"))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The `source` of each secret or config mount (long form) or the name (short form).
fn mount_sources(node: Option<&Node>) -> Vec<String> {
    let Some(items) = node.and_then(Node::as_seq) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match &item.value {
            Value::Map(_) => item.get_str("source").map(str::to_string),
            _ => item.scalar_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> Node {
        crate::yaml::parse_documents(yaml, "compose.yaml")
            .expect("yaml")
            .into_iter()
            .next()
            .expect("document")
    }

    fn names(doc: &Node) -> Vec<String> {
        doc.get("services")
            .and_then(Node::as_map)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    const MODEL: &str = "services:\n  web:\n    profiles: [front]\n    depends_on:\n      api: {condition: service_started, required: true}\n  api: {}\n  debug:\n    profiles: [debug, dev]\n  tool:\n    profiles: [tools]\n";

    #[test]
    fn inactive_profiles_disable_services() {
        let mut d = doc(MODEL);
        let sel = apply_profiles(&mut d, &[]).expect("profiles");
        assert_eq!(names(&d), strings(&["api"]));
        assert!(sel.is_disabled("web") && sel.is_disabled("debug"));

        let mut d = doc(MODEL);
        apply_profiles(&mut d, &strings(&["dev", "front"])).expect("profiles");
        assert_eq!(names(&d), strings(&["web", "api", "debug"]));

        let mut d = doc(MODEL);
        let sel = apply_profiles(&mut d, &strings(&["*"])).expect("profiles");
        assert_eq!(names(&d).len(), 4);
        assert!(sel.disabled.is_empty());
    }

    #[test]
    fn selecting_a_service_enables_its_profiles_and_dependencies() {
        let mut d = doc(MODEL);
        let mut sel = apply_profiles(&mut d, &[]).expect("profiles");
        select_services(&mut d, &mut sel, &strings(&["web"])).expect("select");
        assert_eq!(names(&d), strings(&["web", "api"]));
        assert!(sel.profiles.contains(&"front".to_string()));
        assert!(sel.is_disabled("debug"));

        let mut d = doc(MODEL);
        let mut sel = apply_profiles(&mut d, &[]).expect("profiles");
        let err = select_services(&mut d, &mut sel, &strings(&["nope"])).expect_err("unknown");
        assert_eq!(err.message, "no such service: nope");
    }

    #[test]
    fn selection_drops_dependencies_outside_it() {
        let mut d = doc(
            "services:\n  a:\n    depends_on:\n      b: {condition: service_started, required: false}\n  c:\n    depends_on:\n      a: {condition: service_started, required: true}\n",
        );
        let mut sel = apply_profiles(&mut d, &[]).expect("profiles");
        select_services(&mut d, &mut sel, &strings(&["c"])).expect("select");
        assert_eq!(names(&d), strings(&["a", "c"]));
        let a = d.get("services").and_then(|s| s.get("a")).expect("a");
        assert_eq!(
            a.get("depends_on").and_then(Node::as_map).map(|m| m.len()),
            Some(0)
        );
    }

    #[test]
    fn unused_resources_are_pruned() {
        let mut d = doc(
            "services:\n  web:\n    networks: {used: null}\n    volumes:\n      - {type: volume, source: data, target: /d}\n      - {type: volume, target: /anon}\n    secrets: [{source: s}]\n    build: {context: ., secrets: [{source: bs}]}\n    configs: [c]\nnetworks:\n  used: {}\n  unused: {}\nvolumes:\n  data: {}\n  other: {}\nsecrets:\n  s: {}\n  bs: {}\n  x: {}\nconfigs:\n  c: {}\nmodels:\n  m: {}\n",
        );
        prune_unused_resources(&mut d);
        let keys = |k: &str| -> Vec<String> {
            d.get(k)
                .and_then(Node::as_map)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(keys("networks"), strings(&["used"]));
        assert_eq!(keys("volumes"), strings(&["data"]));
        assert_eq!(keys("secrets"), strings(&["s", "bs"]));
        assert_eq!(keys("configs"), strings(&["c"]));
        assert!(d.get("models").is_none());

        let mut d =
            doc("services:\n  a: {network_mode: host}\nnetworks:\n  n: {}\nvolumes:\n  v: {}\n");
        prune_unused_resources(&mut d);
        assert!(d.get("networks").is_none() && d.get("volumes").is_none());
    }
}
