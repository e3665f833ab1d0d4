//! The model as `docker compose config --format json` prints it.
//!
//! Scripts, CI checks and users diff this output against docker compose's, so it has to be
//! the same JSON: compose-go's typed model marshalled by Go. The top level is a Go map
//! (`name`, `services`, the non-empty resource sections and the `x-*` extensions, keys
//! sorted); every service and resource is a Go struct, printed per the tables in `model`
//! by the rules in `encode`.

pub(crate) mod encode;
pub(crate) mod model;

use crate::canonical;
use crate::node::Node;
use encode::{encode, encode_struct, raw, Kind};
use serde_json::{Map as JMap, Value as J};

/// Converts the final canonical tree into compose's JSON model.
///
/// The tree is expected in canonical form; short syntaxes that later stages may have
/// reintroduced are canonicalised again on a copy (best effort), so the output never depends
/// on which stage wrote a value.
pub fn to_json(doc: &Node) -> J {
    let mut copy = doc.clone();
    let doc = match canonical::canonical(&mut copy) {
        Ok(()) => &copy,
        Err(_) => doc,
    };
    let mut top: Vec<(String, J)> = Vec::new();
    let name = doc
        .get("name")
        .and_then(Node::scalar_string)
        .unwrap_or_default();
    top.push(("name".into(), J::String(name)));
    let services = encode(
        Kind::MapOf(&Kind::Struct(model::SERVICE)),
        doc.get("services"),
    );
    top.push(("services".into(), services.unwrap_or(J::Null)));
    let sections = [
        ("networks", model::NETWORK),
        ("volumes", model::VOLUME),
        ("secrets", model::FILE_OBJECT),
        ("configs", model::FILE_OBJECT),
    ];
    for (section, fields) in sections {
        let Some(resources) = doc.get(section).and_then(Node::as_map) else {
            continue;
        };
        if resources.is_empty() {
            continue;
        }
        let mut names: Vec<&String> = resources.keys().collect();
        names.sort();
        let mut out = JMap::new();
        for name in names {
            let resource = resources.get(name);
            let mut j = encode_struct(fields, resource);
            scrub_content(section, &mut j);
            out.insert(name.clone(), j);
        }
        top.push((section.into(), J::Object(out)));
    }
    if let Some(map) = doc.as_map() {
        for (key, value) in map {
            if key.starts_with("x-") {
                top.push((key.clone(), raw(value)));
            }
        }
    }
    top.sort_by(|a, b| a.0.cmp(&b.0));
    J::Object(top.into_iter().collect())
}

/// The model as `docker compose config --no-interpolate` prints it. Without interpolation
/// compose does not decode the model into its typed structs: it prints the tree itself, in
/// the canonical form of [`canonical::Mode::UNINTERPOLATED`], every mapping with sorted keys
/// and extensions included.
pub fn to_model_json(doc: &Node) -> J {
    raw(doc)
}

/// Secret contents are never printed; a config's content is not printed when it comes from
/// an environment variable.
fn scrub_content(section: &str, resource: &mut J) {
    let Some(obj) = resource.as_object_mut() else {
        return;
    };
    let from_env = obj
        .get("environment")
        .and_then(J::as_str)
        .is_some_and(|s| !s.is_empty());
    if section == "secrets" || (section == "configs" && from_env) {
        obj.shift_remove("content");
    }
}

/// Escapes `$` as `$$` in every string and key, as `docker compose config` does when it
/// prints an interpolated model, so that the output stays a valid Compose file. Not for
/// `--no-interpolate` output, nor for anything that consumes the values themselves.
pub fn escape_dollars(json: &mut J) {
    match json {
        J::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        J::Array(items) => items.iter_mut().for_each(escape_dollars),
        J::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut value) in entries {
                escape_dollars(&mut value);
                map.insert(key.replace('$', "$$"), value);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn json(yaml: &str) -> J {
        to_json(&parse_documents(yaml, "compose.yaml").unwrap().remove(0))
    }

    #[test]
    fn top_level_keys_are_sorted_and_extensions_kept() {
        let j = json("x-b: 1\nname: p\nservices:\n  web:\n    image: nginx\n    x-skip: 1\nx-a: {z: 1, a: 2}\n");
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "services", "x-a", "x-b"]);
        assert_eq!(j["x-a"].to_string(), r#"{"a":2,"z":1}"#);
        assert_eq!(
            j["services"]["web"].to_string(),
            r#"{"command":null,"entrypoint":null,"image":"nginx"}"#
        );
    }

    #[test]
    fn service_fields_follow_go_types() {
        let j = json(
            "services:\n  s:\n    ports: [\"8080:80\"]\n    mem_limit: 50m\n    cpus: 1.5\n\
             \x20   healthcheck: {test: echo, interval: 90s, retries: 0}\n    init: false\n\
             \x20   environment: [A=1, B]\n    extra_hosts: {z: 1.1.1.1, a: 2.2.2.2}\n\
             \x20   deploy: {mode: replicated}\n    secrets: [{source: s, mode: 0440}]\n",
        );
        let s = &j["services"]["s"];
        assert_eq!(
            s["ports"].to_string(),
            r#"[{"mode":"ingress","target":80,"published":"8080","protocol":"tcp"}]"#
        );
        assert_eq!(s["mem_limit"], J::from("52428800"));
        assert_eq!(s["cpus"].to_string(), "1.5");
        assert_eq!(
            s["healthcheck"].to_string(),
            r#"{"test":["CMD-SHELL","echo"],"interval":"1m30s","retries":0}"#
        );
        assert_eq!(s["init"], J::Bool(false));
        assert_eq!(s["environment"].to_string(), r#"{"A":"1","B":null}"#);
        assert_eq!(s["extra_hosts"].to_string(), r#"["a=2.2.2.2","z=1.1.1.1"]"#);
        assert_eq!(
            s["deploy"].to_string(),
            r#"{"mode":"replicated","resources":{},"placement":{}}"#
        );
        assert_eq!(s["secrets"][0]["mode"], J::from("0440"));
    }

    #[test]
    fn resources_and_secret_content() {
        let j = json(
            "networks:\n  n: {name: p_n}\nvolumes: {}\nsecrets:\n  s: {environment: X, content: c}\n\
             configs:\n  c: {content: hello}\n",
        );
        assert_eq!(
            j["networks"]["n"].to_string(),
            r#"{"name":"p_n","ipam":{}}"#
        );
        assert!(j.get("volumes").is_none());
        assert!(j["secrets"]["s"].get("content").is_none());
        assert_eq!(j["configs"]["c"]["content"], J::from("hello"));
    }

    #[test]
    fn dollars_are_escaped() {
        let mut j = serde_json::json!({"a": ["$x", 1], "k$": "y"});
        escape_dollars(&mut j);
        assert_eq!(j.to_string(), r#"{"a":["$$x",1],"k$$":"y"}"#);
    }
}
