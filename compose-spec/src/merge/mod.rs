//! Merging several Compose files, documents and `extends` bases into one tree.
//!
//! This follows compose-go's `override` package (v2.9.1, the loader of Compose v2.40.3):
//! mappings merge key by key, scalars are replaced, sequences are appended, and a table of
//! paths ([`special`]) gets its own rule: `command`, `entrypoint` and `healthcheck.test` are
//! replaced; `environment`, `labels`, `dns`, `build.args`... are turned into `KEY=VALUE`
//! sequences and appended; `depends_on`, `networks`, `build`, `logging`, `ulimits` and IPAM
//! configs have custom mergers. Appending creates duplicates (`ports`, `volumes`,
//! `environment` given in both files), which [`enforce_unicity`] then removes by each
//! sequence's unique key, the later definition winning at the earlier position.
//!
//! `!reset` and `!override` are handled the way compose's `ResetProcessor` does it
//! ([`ResetPaths`]): the tagged paths of a document are recorded (and `!reset` nodes removed)
//! right after parsing, and the recorded paths are deleted from the inherited tree before the
//! merge, so `!reset` drops the inherited value and `!override` replaces it.
//!
//! The merge only sees the accumulated tree in canonical form on one side (the canonical
//! transform runs after each document) and a raw document on the other, so every rule accepts
//! both the short and the long syntax.

mod reset;
mod special;
mod unicity;

pub use reset::ResetPaths;
pub use unicity::enforce_unicity;

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Map, Mark, Node, Tag, Value};

/// Merges a document over the accumulated model, honouring the document's `!reset` and
/// `!override` tags. Use [`merge_document`] when the tags were already taken from `over`.
pub fn merge(mut base: Node, mut over: Node) -> Result<Node> {
    let resets = ResetPaths::take(&mut over);
    resets.apply(&mut base);
    merge_yaml(base, over, &mut Vec::new())
}

/// Merges a document whose `!reset`/`!override` paths were taken beforehand (the loader takes
/// them before interpolation, as compose does when it decodes the YAML): the paths are
/// deleted from `base`, then `over` is merged into it.
pub fn merge_document(mut base: Node, over: Node, resets: &ResetPaths) -> Result<Node> {
    resets.apply(&mut base);
    merge_yaml(base, over, &mut Vec::new())
}

/// Merges an extending service definition over a copy of its base (`extends`). The rules are
/// the ones of `services.*` in a file merge (compose merges at the path `services.x`).
pub fn merge_service(base: Node, over: Node) -> Result<Node> {
    let mut path = vec!["services".to_string(), "x".to_string()];
    merge_yaml(base, over, &mut path)
}

/// Whether two trees hold the same values, ignoring marks and tags: Go's `reflect.DeepEqual`
/// on decoded YAML, which `include` uses to accept a resource defined twice identically.
/// Mapping order does not matter; value types do (`1` is not `"1"`).
pub fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => false,
    }
}

/// The dotted path compose prints in merge errors (`services.web.volumes`).
pub(crate) fn display_path(path: &[String]) -> String {
    path.join(".")
}

/// Whether `path` matches `pattern`, where `*` stands for any single key (compose-go's
/// `tree.Path.Matches`).
pub(crate) fn path_matches(path: &[String], pattern: &[&str]) -> bool {
    path.len() == pattern.len() && path.iter().zip(pattern).all(|(p, q)| *q == "*" || p == q)
}

/// Go's `%T` for a decoded YAML value, for error messages worded like compose's.
pub(crate) fn go_type(n: &Node) -> &'static str {
    match &n.value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        Value::Seq(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
    }
}

/// Go's `%v` for a decoded YAML value.
pub(crate) fn go_v(n: &Node) -> String {
    match &n.value {
        Value::Null => "<nil>".into(),
        Value::Seq(items) => {
            let parts: Vec<String> = items.iter().map(go_v).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(m) => {
            let mut parts: Vec<String> =
                m.iter().map(|(k, v)| format!("{k}:{}", go_v(v))).collect();
            parts.sort();
            format!("map[{}]", parts.join(" "))
        }
        _ => n.scalar_string().unwrap_or_default(),
    }
}

/// Go's `%s` for a decoded YAML value: strings as they are, anything else flagged the way
/// `fmt` flags a wrong verb (`%!s(int=80)`).
pub(crate) fn go_s(n: &Node) -> String {
    match &n.value {
        Value::Str(s) => s.clone(),
        Value::Null => "%!s(<nil>)".into(),
        _ => format!("%!s({}={})", go_type(n), go_v(n)),
    }
}

/// The generic merge: a special rule for the path if there is one, else mappings key by key,
/// sequences appended, scalars replaced; a null override keeps the inherited value.
pub(crate) fn merge_yaml(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    if let Some(rule) = special::rule_for(path) {
        return special::apply(rule, base, over, path);
    }
    if over.is_null() {
        return Ok(base);
    }
    match base.value {
        Value::Map(map) => match over.value {
            Value::Map(other) => {
                let merged = merge_mappings(map, other, path)?;
                Ok(merged_node(Value::Map(merged), base.mark, over.key_mark))
            }
            _ => Err(cannot_override(&over, path)),
        },
        Value::Seq(mut items) => match over.value {
            Value::Seq(more) => {
                items.extend(more);
                Ok(merged_node(Value::Seq(items), base.mark, over.key_mark))
            }
            _ => Err(cannot_override(&over, path)),
        },
        _ => Ok(over),
    }
}

/// Merges `other` into `map` key by key: new keys are added, existing ones merged.
pub(crate) fn merge_mappings(mut map: Map, other: Map, path: &mut Vec<String>) -> Result<Map> {
    for (key, value) in other {
        match map.get_mut(&key) {
            Some(slot) => {
                let prev = std::mem::replace(slot, Node::synthetic(Value::Null));
                path.push(key);
                let merged = merge_yaml(prev, value, path);
                let key = path.pop().unwrap_or_default();
                let merged = merged?;
                if let Some(slot) = map.get_mut(&key) {
                    *slot = merged;
                }
            }
            None => {
                map.insert(key, value);
            }
        }
    }
    Ok(map)
}

/// A merged collection keeps the position where it was first defined.
pub(crate) fn merged_node(value: Value, mark: Mark, key_mark: Mark) -> Node {
    Node {
        value,
        mark,
        key_mark,
        tag: Tag::None,
    }
}

fn cannot_override(over: &Node, path: &[String]) -> LoadError {
    LoadError::new(
        ErrorKind::Schema,
        &over.mark,
        format!("cannot override {}", display_path(path)),
    )
}

#[cfg(test)]
mod tests;
