//! The canonical form of top-level resources and `include` entries.
//!
//! Networks, volumes, secrets and configs may still use the deprecated `external: {name: x}`
//! form, which compose rewrites to `external: true` plus `name: x` (and rejects when it
//! contradicts an explicit `name`). The typed model reads their labels as mappings. An `include` entry given as
//! a plain path is `{path: ...}`.

use super::format_err;
use super::mapping::{to_string_map, Missing};
use crate::error::Result;
use crate::node::{Map, Node, Value};

/// compose-go's `transformMaybeExternal` for every resource of one top-level section.
pub(crate) fn canonical_resources(section: &str, node: &mut Node) -> Result<()> {
    let Some(resources) = node.as_map_mut() else {
        return Ok(());
    };
    for (name, resource) in resources.iter_mut() {
        canonical_resource(&format!("{section}.{name}"), resource)?;
    }
    Ok(())
}

fn canonical_resource(path: &str, resource: &mut Node) -> Result<()> {
    let Some(map) = resource.as_map_mut() else {
        return Ok(());
    };
    let Some(external) = map.get_mut("external") else {
        return Ok(());
    };
    let Value::Map(ext) = &external.value else {
        return Ok(());
    };
    let ext_name = ext.get("name").cloned();
    external.value = Value::Bool(true);
    let Some(ext_name) = ext_name else {
        return Ok(());
    };
    match map.get("name") {
        Some(name) if name.value != ext_name.value => Err(format_err(
            &ext_name,
            format!("{path}: name and external.name conflict; only use name"),
        )),
        Some(_) => Ok(()),
        None => {
            map.insert("name".into(), ext_name);
            Ok(())
        }
    }
}

/// Compose's deprecation warnings for `external: {name: x}` in a document about to be
/// canonicalised, in its own wording.
pub(crate) fn external_name_warnings(doc: &Node) -> Vec<String> {
    let mut warnings = Vec::new();
    for section in ["volumes", "networks", "secrets", "configs"] {
        let Some(resources) = doc.get(section).and_then(Node::as_map) else {
            continue;
        };
        for (name, resource) in resources {
            let named = resource
                .get("external")
                .and_then(|e| e.get("name"))
                .is_some();
            if named {
                warnings.push(format!(
                    "{section}.{name}: external.name is deprecated. Please set name and external: true"
                ));
            }
        }
    }
    warnings
}

/// The typed model's reading of a resource: labels (and IPAM auxiliary addresses) as
/// mappings of strings.
pub(crate) fn typed_resources(node: &mut Node) -> Result<()> {
    let Some(resources) = node.as_map_mut() else {
        return Ok(());
    };
    for map in resources.values_mut().filter_map(Node::as_map_mut) {
        if let Some(labels) = map.get_mut("labels") {
            to_string_map(labels, Missing::Empty)?;
        }
        let pools = map
            .get_mut("ipam")
            .and_then(|ipam| ipam.get_mut("config"))
            .and_then(Node::as_seq_mut);
        for pool in pools.into_iter().flatten() {
            if let Some(aux) = pool.get_mut("aux_addresses") {
                to_string_map(aux, Missing::Empty)?;
            }
        }
    }
    Ok(())
}

/// `include: [path]` entries to `{path: path}`.
pub(crate) fn canonical_include(node: &mut Node) -> Result<()> {
    let Some(items) = node.as_seq_mut() else {
        return Ok(());
    };
    for item in items {
        match &item.value {
            Value::Map(_) => {}
            Value::Str(s) => {
                let mut map = Map::new();
                map.insert("path".into(), item.with_value(Value::Str(s.clone())));
                item.value = Value::Map(map);
            }
            _ => {
                return Err(format_err(
                    item,
                    format!("include: invalid type {} for include", item.kind_name()),
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn section(yaml: &str) -> Result<Node> {
        let mut doc = parse_documents(yaml, "compose.yaml").unwrap().remove(0);
        canonical_resources("volumes", &mut doc)?;
        typed_resources(&mut doc)?;
        Ok(doc)
    }

    #[test]
    fn external_name_is_adopted() {
        let doc = section("res:\n  external:\n    name: real\n").unwrap();
        let res = doc.get("res").unwrap();
        assert_eq!(res.get("external").unwrap().value, Value::Bool(true));
        assert_eq!(res.get_str("name"), Some("real"));
    }

    #[test]
    fn conflicting_names_are_rejected() {
        let e = section("res:\n  name: a\n  external:\n    name: b\n").unwrap_err();
        assert_eq!(
            e.message,
            "volumes.res: name and external.name conflict; only use name"
        );
        assert!(section("res:\n  name: a\n  external:\n    name: a\n").is_ok());
    }

    #[test]
    fn labels_and_null_resources() {
        let doc = section("a:\n  labels: [x=1]\nb:\n").unwrap();
        assert_eq!(
            doc.get("a").unwrap().get("labels").unwrap().get_str("x"),
            Some("1")
        );
        assert!(doc.get("b").unwrap().is_null());
    }

    #[test]
    fn deprecated_external_name_is_reported() {
        let doc = parse_documents("networks:\n  n:\n    external:\n      name: x\n", "c")
            .unwrap()
            .remove(0);
        assert_eq!(
            external_name_warnings(&doc),
            ["networks.n: external.name is deprecated. Please set name and external: true"]
        );
    }

    #[test]
    fn include_short_form() {
        let mut doc = parse_documents("- a.yaml\n- path: b.yaml\n", "c")
            .unwrap()
            .remove(0);
        canonical_include(&mut doc).unwrap();
        let items = doc.as_seq().unwrap();
        assert_eq!(items[0].get_str("path"), Some("a.yaml"));
        assert_eq!(items[1].get_str("path"), Some("b.yaml"));
    }
}
