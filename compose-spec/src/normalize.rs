//! Normalisation: the implicit parts of a Compose model made explicit.
//!
//! `docker compose config` prints what compose will actually create, so after merging it
//! fills in what the file leaves implicit (compose-go's `Normalize`):
//!
//! * the `default` network: services with neither `networks` nor `network_mode` join it, and
//!   it is declared at top level only when some service uses it;
//! * resource names: `<project>_<key>` for networks, volumes, secrets and configs, or the bare
//!   key for external ones, unless `name` is set;
//! * implicit dependencies: `links`, `volumes_from` and `network_mode`/`ipc`/`pid`/`uts`/`cgroup`
//!   set to `service:x` add a `depends_on` entry (started, required; `restart` except for
//!   `volumes_from`), without overriding an explicit one;
//! * build defaults (`context: .`, `dockerfile: Dockerfile`), build args and environment
//!   entries without a value looked up in the project environment, `pull_policy:
//!   if_not_present` spelled `missing`, and volume targets cleaned (`/data/` is `/data`).

use crate::discovery::Environment;
use crate::error::Result;
use crate::graph::{self, Dependency};
use crate::node::{Map, Mark, Node, Value};
use crate::paths::gopath;

/// The resource kinds that are named `<project>_<key>` by default.
const NAMED_RESOURCES: [&str; 4] = ["networks", "volumes", "configs", "secrets"];

/// Applies compose's normalisation to a merged, canonical document whose `name` is set.
pub fn normalize(doc: &mut Node, env: &Environment) -> Result<()> {
    normalize_networks(doc);
    let lookup = |name: &str| env.get(name).cloned();
    if let Some(services) = doc.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            normalize_service(service, &lookup);
        }
    }
    set_names_from_keys(doc);
    Ok(())
}

/// Attaches network-less services to `default` and declares `default` when it is used.
fn normalize_networks(doc: &mut Node) {
    let mut uses_default = false;
    if let Some(services) = doc.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            let Some(map) = service.as_map_mut() else {
                continue;
            };
            if map.contains_key("provider") || map.contains_key("network_mode") {
                continue;
            }
            let attached = match map.get("networks").map(|n| &n.value) {
                None | Some(Value::Null) => None,
                Some(Value::Map(m)) if m.is_empty() => None,
                Some(Value::Seq(s)) if s.is_empty() => None,
                Some(Value::Map(m)) => Some(m.contains_key("default")),
                Some(Value::Seq(s)) => Some(s.iter().any(|n| n.as_str() == Some("default"))),
                Some(_) => Some(false),
            };
            match attached {
                None => {
                    let mut networks = Map::new();
                    networks.insert("default".into(), Node::synthetic(Value::Null));
                    let node = Node::synthetic(Value::Map(networks));
                    match map.get_mut("networks") {
                        Some(existing) => *existing = existing.with_value(node.value),
                        None => {
                            map.insert("networks".into(), node);
                        }
                    }
                    uses_default = true;
                }
                Some(true) => uses_default = true,
                Some(false) => {}
            }
        }
    }
    if !uses_default {
        return;
    }
    let Some(root) = doc.as_map_mut() else {
        return;
    };
    let networks = root
        .entry("networks".to_string())
        .or_insert_with(Node::empty_map);
    if networks.is_null() {
        *networks = networks.with_value(Value::Map(Map::new()));
    }
    if let Some(m) = networks.as_map_mut() {
        if !m.contains_key("default") {
            m.insert("default".into(), Node::synthetic(Value::Null));
        }
    }
}

fn normalize_service(service: &mut Node, lookup: &dyn Fn(&str) -> Option<String>) {
    let implicit = graph::implicit_dependencies(service);
    let Some(map) = service.as_map_mut() else {
        return;
    };
    if let Some(policy) = map.get_mut("pull_policy") {
        if policy.as_str() == Some("if_not_present") {
            policy.value = Value::Str("missing".into());
        }
    }
    if let Some(build) = map.get_mut("build").and_then(Node::as_map_mut) {
        if build.get("context").is_none_or(Node::is_null) {
            build.insert("context".into(), Node::str("."));
        }
        let unset = |k: &str| build.get(k).is_none_or(Node::is_null);
        if unset("dockerfile") && unset("dockerfile_inline") {
            build.insert("dockerfile".into(), Node::str("Dockerfile"));
        }
        if let Some(args) = build.get_mut("args") {
            resolve_values(args, lookup, false);
        }
    }
    if let Some(environment) = map.get_mut("environment") {
        resolve_values(environment, lookup, true);
    }
    add_implicit_dependencies(map, implicit);
    if let Some(volumes) = map.get_mut("volumes").and_then(Node::as_seq_mut) {
        for volume in volumes {
            if let Some(target) = volume.get_mut("target") {
                if let Some(t) = target.as_str().filter(|t| !t.is_empty()) {
                    target.value = Value::Str(gopath::clean(t));
                }
            }
        }
    }
}

/// Adds the implicit dependencies to `depends_on` (explicit entries win), turning a short
/// `depends_on` list into its long form if the canonical stage has not done it.
fn add_implicit_dependencies(service: &mut Map, implicit: Vec<Dependency>) {
    let existing = service.shift_remove_full("depends_on");
    let (index, mut node) = match existing {
        Some((i, _, node)) => (Some(i), node),
        None => (None, Node::empty_map()),
    };
    if let Value::Seq(items) = &node.value {
        let mut long = Map::new();
        for item in items {
            if let Some(name) = item.scalar_string() {
                long.insert(name, dependency_entry(&item.mark, false));
            }
        }
        node.value = Value::Map(long);
    }
    if let Some(deps) = node.as_map_mut() {
        for dep in implicit {
            if !deps.contains_key(&dep.service) {
                let mut entry = dependency_entry(&dep.mark, dep.restart);
                entry.key_mark = dep.mark.clone();
                deps.insert(dep.service, entry);
            }
        }
    }
    let keep = !matches!(&node.value, Value::Map(m) if m.is_empty());
    if keep {
        service.insert("depends_on".into(), node);
        if let Some(i) = index {
            service.move_index(service.len() - 1, i);
        }
    }
}

/// A long-form `depends_on` entry: `service_started`, required, `restart` only when set
/// (compose omits a false `restart` from its output).
fn dependency_entry(mark: &Mark, restart: bool) -> Node {
    let mut entry = Map::new();
    let at = |v: Value| Node::new(v, mark.clone());
    entry.insert(
        "condition".into(),
        at(Value::Str(graph::CONDITION_STARTED.into())),
    );
    if restart {
        entry.insert("restart".into(), at(Value::Bool(true)));
    }
    entry.insert("required".into(), at(Value::Bool(true)));
    Node::new(Value::Map(entry), mark.clone())
}

/// Fills entries without a value (`FOO:` or `- FOO`) from the environment. Unresolved ones
/// stay (as null or a bare name) when `keep_empty`, as `environment` does, and are dropped
/// otherwise, as build `args` are.
fn resolve_values(node: &mut Node, lookup: &dyn Fn(&str) -> Option<String>, keep_empty: bool) {
    match &mut node.value {
        Value::Map(entries) => {
            let old = std::mem::take(entries);
            for (key, mut value) in old {
                if value.is_null() {
                    match lookup(&key) {
                        Some(v) => value.value = Value::Str(v),
                        None if keep_empty => {}
                        None => continue,
                    }
                }
                entries.insert(key, value);
            }
        }
        Value::Seq(items) => {
            let old = std::mem::take(items);
            for mut item in old {
                let Some(text) = item.as_str() else { continue };
                if !text.contains('=') {
                    match lookup(text) {
                        Some(v) => item.value = Value::Str(format!("{text}={v}")),
                        None if keep_empty => {}
                        None => continue,
                    }
                }
                items.push(item);
            }
        }
        _ => {}
    }
}

/// Names every top-level network, volume, secret and config: `name` wins, then the key for
/// external resources, then `<project>_<key>`.
fn set_names_from_keys(doc: &mut Node) {
    let project = doc
        .get("name")
        .and_then(Node::scalar_string)
        .unwrap_or_default();
    for kind in NAMED_RESOURCES {
        let Some(resources) = doc.get_mut(kind).and_then(Node::as_map_mut) else {
            continue;
        };
        for (key, resource) in resources.iter_mut() {
            if resource.is_null() {
                *resource = resource.with_value(Value::Map(Map::new()));
            }
            let external = graph::is_external(resource);
            let Some(map) = resource.as_map_mut() else {
                continue;
            };
            if map.get("name").is_some_and(|n| !n.is_null()) {
                continue;
            }
            let name = if external {
                key.clone()
            } else {
                format!("{project}_{key}")
            };
            map.insert("name".into(), Node::str(name));
            map.move_index(map.len() - 1, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(yaml: &str, env: &[(&str, &str)]) -> serde_json::Value {
        let mut doc = crate::yaml::parse_documents(yaml, "compose.yaml")
            .expect("yaml")
            .into_iter()
            .next()
            .expect("document");
        let env: Environment = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        normalize(&mut doc, &env).expect("normalize");
        doc.to_json()
    }

    #[test]
    fn default_network_is_added_only_when_used() {
        let j = normalized("name: p\nservices:\n  a: {image: a}\n", &[]);
        assert_eq!(
            j["services"]["a"]["networks"],
            serde_json::json!({"default": null})
        );
        assert_eq!(
            j["networks"]["default"],
            serde_json::json!({"name": "p_default"})
        );

        let j = normalized(
            "name: p\nservices:\n  a: {image: a, networks: {n: null}}\n  b: {image: b, network_mode: host}\nnetworks:\n  n: null\n",
            &[],
        );
        assert!(j["networks"].get("default").is_none());
        assert_eq!(j["networks"]["n"]["name"], "p_n");
        assert!(j["services"]["b"].get("networks").is_none());

        let j = normalized("name: p\nservices:\n  a: {image: a, networks: {}}\n", &[]);
        assert_eq!(
            j["services"]["a"]["networks"],
            serde_json::json!({"default": null})
        );
        assert!(j["networks"].get("default").is_some());
    }

    #[test]
    fn resources_get_names() {
        let j = normalized(
            "name: p\nnetworks:\n  ext: {external: true}\n  named: {name: Custom}\n  plain: {}\nvolumes:\n  v:\nsecrets:\n  s: {file: ./s}\n  e: {external: true}\nconfigs:\n  c: {content: x}\n",
            &[],
        );
        assert_eq!(j["networks"]["ext"]["name"], "ext");
        assert_eq!(j["networks"]["named"]["name"], "Custom");
        assert_eq!(j["networks"]["plain"]["name"], "p_plain");
        assert_eq!(j["volumes"]["v"]["name"], "p_v");
        assert_eq!(j["secrets"]["s"]["name"], "p_s");
        assert_eq!(j["secrets"]["e"]["name"], "e");
        assert_eq!(j["configs"]["c"]["name"], "p_c");
    }

    #[test]
    fn implicit_dependencies_are_added() {
        let j = normalized(
            "name: p\nservices:\n  t:\n    image: t\n    ipc: service:foo\n    uts: service:baz\n    volumes_from: [quux, 'container:x']\n    links: ['corge:alias']\n    depends_on:\n      foo: {condition: service_healthy, required: true}\n",
            &[],
        );
        let deps = &j["services"]["t"]["depends_on"];
        assert_eq!(
            deps["foo"],
            serde_json::json!({"condition": "service_healthy", "required": true})
        );
        assert_eq!(
            deps["baz"],
            serde_json::json!({"condition": "service_started", "restart": true, "required": true})
        );
        assert_eq!(
            deps["corge"],
            serde_json::json!({"condition": "service_started", "restart": true, "required": true})
        );
        assert_eq!(
            deps["quux"],
            serde_json::json!({"condition": "service_started", "required": true})
        );
        assert!(deps.get("x").is_none());
        assert_eq!(deps.as_object().map(|o| o.len()), Some(4));
    }

    #[test]
    fn build_defaults_and_args() {
        let j = normalized(
            "name: p\nservices:\n  a:\n    build:\n      context: /x\n      args: {FOO: null, ZOT: null, SET: v}\n  b:\n    build: {context: null, dockerfile_inline: 'FROM x', args: [FOO, BAR, 'K=V']}\n",
            &[("FOO", "BAR")],
        );
        let a = &j["services"]["a"]["build"];
        assert_eq!(a["dockerfile"], "Dockerfile");
        assert_eq!(a["args"], serde_json::json!({"FOO": "BAR", "SET": "v"}));
        let b = &j["services"]["b"]["build"];
        assert_eq!(b["context"], ".");
        assert!(b.get("dockerfile").is_none());
        assert_eq!(b["args"], serde_json::json!(["FOO=BAR", "K=V"]));
    }

    #[test]
    fn environment_keeps_unresolved_entries() {
        let j = normalized(
            "name: p\nservices:\n  a:\n    image: a\n    environment: {FOO: null, ZOT: null, X: '1'}\n  b:\n    image: b\n    environment: [FOO, ZOT]\n",
            &[("FOO", "bar")],
        );
        assert_eq!(
            j["services"]["a"]["environment"],
            serde_json::json!({"FOO": "bar", "ZOT": null, "X": "1"})
        );
        assert_eq!(
            j["services"]["b"]["environment"],
            serde_json::json!(["FOO=bar", "ZOT"])
        );
    }

    #[test]
    fn pull_policy_and_volume_targets() {
        let j = normalized(
            "name: p\nservices:\n  a:\n    image: a\n    pull_policy: if_not_present\n    volumes:\n      - {type: volume, source: v, target: /data/./x/}\n      - {type: bind, source: 'z:\\', target: 'c:\\data'}\n",
            &[],
        );
        assert_eq!(j["services"]["a"]["pull_policy"], "missing");
        assert_eq!(j["services"]["a"]["volumes"][0]["target"], "/data/x");
        assert_eq!(j["services"]["a"]["volumes"][1]["target"], "c:\\data");
    }
}
