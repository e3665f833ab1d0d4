//! The canonical form of a service's `build` section.
//!
//! `build: ./dir` is `build: {context: ./dir}`; inside the long form, build secrets by name
//! become `{source}`, `ssh` and `additional_contexts` lists become mappings and
//! `provenance`/`sbom` are strings (compose-go's transform). The typed model then reads
//! `args` and `labels` lists as mappings and lone strings as lists.

use super::mapping::{canonical_extra_hosts, string_to_list, to_string_map, Missing};
use super::service::{canonical_file_mount, canonical_ulimits, for_each_item};
use super::{check_bytes, format_err, Mode};
use crate::error::Result;
use crate::node::{Map, Node, Value};

/// compose-go's `transformBuild`: the short syntax, build secrets by name, `ssh` and
/// `additional_contexts` lists, `provenance`/`sbom` as strings.
pub(crate) fn canonical_build(node: &mut Node, path: &str, mode: Mode) -> Result<()> {
    if let Value::Str(context) = &node.value {
        let mut map = Map::new();
        map.insert(
            "context".into(),
            node.with_value(Value::Str(context.clone())),
        );
        node.value = Value::Map(map);
        return Ok(());
    }
    let Some(map) = node.as_map_mut() else {
        return Err(format_err(
            node,
            format!("{path}: invalid type {} for build", node.kind_name()),
        ));
    };
    for (key, value) in map.iter_mut() {
        let p = format!("{path}.{key}");
        match key.as_str() {
            "secrets" => for_each_item(value, &p, canonical_file_mount)?,
            "provenance" | "sbom" if !matches!(value.value, Value::Str(_)) => {
                if let Some(s) = value.scalar_string() {
                    value.value = Value::Str(s);
                }
            }
            "additional_contexts" => canonical_key_value(value, &p, mode.lenient)?,
            "ssh" => canonical_ssh(value, &p)?,
            "ulimits" => canonical_ulimits(value, &p)?,
            _ => {}
        }
    }
    Ok(())
}

/// The typed model's conversions of a canonical `build`: `args` and `labels` as mappings,
/// `extra_hosts` as `host=ip`, string lists as lists, the shm size checked.
pub(crate) fn typed_build(node: &mut Node, path: &str) -> Result<()> {
    let Some(map) = node.as_map_mut() else {
        return Ok(());
    };
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "args" => to_string_map(value, Missing::Null)?,
            "labels" => to_string_map(value, Missing::Empty)?,
            "extra_hosts" => canonical_extra_hosts(value)?,
            "cache_from" | "cache_to" | "tags" | "platforms" => string_to_list(value),
            "shm_size" => check_bytes(value, &format!("{path}.{key}"))?,
            _ => {}
        }
    }
    Ok(())
}

/// `additional_contexts: [name=path]` to a mapping; every entry needs a `=`.
fn canonical_key_value(node: &mut Node, path: &str, lenient: bool) -> Result<()> {
    let Value::Seq(items) = &node.value else {
        return Ok(());
    };
    let mut map = Map::new();
    for item in items {
        let text = item.scalar_string().unwrap_or_default();
        let Some((key, value)) = text.split_once('=') else {
            if lenient {
                return Ok(());
            }
            return Err(format_err(
                item,
                format!("{path}: invalid value {text}, expected key=value"),
            ));
        };
        let mut entry = item.with_value(Value::Str(value.to_string()));
        entry.key_mark = item.mark.clone();
        map.insert(key.to_string(), entry);
    }
    node.value = Value::Map(map);
    Ok(())
}

/// `ssh: [default, id=path]` to `{default: null, id: path}`.
fn canonical_ssh(node: &mut Node, path: &str) -> Result<()> {
    let items = match &node.value {
        Value::Map(_) => return Ok(()),
        Value::Seq(items) => items,
        _ => {
            return Err(format_err(
                node,
                format!("{path}: invalid type {} for ssh", node.kind_name()),
            ))
        }
    };
    let mut map = Map::new();
    for item in items {
        let Some(text) = item.as_str() else {
            return Err(format_err(
                item,
                format!("invalid ssh key type {}", item.kind_name()),
            ));
        };
        let (id, value) = match text.split_once('=') {
            Some((id, p)) => (id, Value::Str(p.to_string())),
            None if text == "default" => (text, Value::Null),
            None => return Err(format_err(item, format!("invalid ssh key \"{text}\""))),
        };
        let mut entry = item.with_value(value);
        entry.key_mark = item.mark.clone();
        map.insert(id.to_string(), entry);
    }
    node.value = Value::Map(map);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn build(yaml: &str) -> Result<Node> {
        let mut doc = parse_documents(yaml, "compose.yaml").unwrap().remove(0);
        canonical_build(&mut doc, "services.s.build", Mode::INTERPOLATED)?;
        typed_build(&mut doc, "services.s.build")?;
        Ok(doc)
    }

    #[test]
    fn short_syntax_is_a_context() {
        let mut node = Node::str("./dir");
        canonical_build(&mut node, "services.s.build", Mode::INTERPOLATED).unwrap();
        assert_eq!(node.get_str("context"), Some("./dir"));
    }

    #[test]
    fn long_syntax_conversions() {
        let b = build(
            "context: .\nargs: [A=1, B]\nlabels: [L]\nssh: [default, key=/k]\nsbom: true\n\
             additional_contexts: [x=./y]\nsecrets: [s]\ncache_from: a\n",
        )
        .unwrap();
        assert_eq!(b.get("args").unwrap().get_str("A"), Some("1"));
        assert!(b.get("args").unwrap().get("B").unwrap().is_null());
        assert_eq!(b.get("labels").unwrap().get_str("L"), Some(""));
        assert!(b.get("ssh").unwrap().get("default").unwrap().is_null());
        assert_eq!(b.get("ssh").unwrap().get_str("key"), Some("/k"));
        assert_eq!(b.get_str("sbom"), Some("true"));
        assert_eq!(
            b.get("additional_contexts").unwrap().get_str("x"),
            Some("./y")
        );
        let secret = &b.get("secrets").unwrap().as_seq().unwrap()[0];
        assert_eq!(secret.get_str("source"), Some("s"));
        assert_eq!(b.get("cache_from").unwrap().as_seq().unwrap().len(), 1);
    }

    #[test]
    fn malformed_values() {
        let e = build("ssh: [nokey]\n").unwrap_err();
        assert_eq!(e.message, "invalid ssh key \"nokey\"");
        let e = build("additional_contexts: [novalue]\n").unwrap_err();
        assert!(e.message.contains("expected key=value"));
        let e = build("shm_size: 12zz\n").unwrap_err();
        assert!(e.message.contains("invalid suffix"));
    }
}
