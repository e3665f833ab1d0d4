//! Removing the duplicates that appending sequences creates (compose-go's `EnforceUnicity`).
//!
//! Each sequence below has a unique key per item (a port's `ip:published:target/protocol`, a
//! volume's target, a label's name...). When two items share a key, the later one takes the
//! place of the earlier one. The loader runs this after each merge and again after the
//! canonical transform, because a short syntax and a long one only share a key once both are
//! canonical.

use super::{display_path, go_s, go_type, path_matches};
use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Node, Value};
use std::collections::HashMap;

/// How the unique key of a sequence item is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Indexer {
    /// `KEY=VALUE` or `KEY`: the part before `=`.
    KeyValue,
    /// A volume's target (long syntax, or parsed from the short one).
    Volume,
    /// A device's container path.
    Device,
    /// An exposed port as written.
    Expose,
    /// A secret or config's target, defaulting to `<dir>/<source>`.
    Mount(&'static str),
    /// A port's `host_ip:published:target/protocol`, or the short syntax as written.
    Port,
    /// An env file's path.
    EnvFile,
}

/// compose-go v2.9.1's table of sequences with unique items.
const UNIQUE: &[(&[&str], Indexer)] = &[
    (&["networks", "*", "labels"], Indexer::KeyValue),
    (&["networks", "*", "ipam", "options"], Indexer::KeyValue),
    (&["services", "*", "annotations"], Indexer::KeyValue),
    (&["services", "*", "build", "args"], Indexer::KeyValue),
    (
        &["services", "*", "build", "additional_contexts"],
        Indexer::KeyValue,
    ),
    (&["services", "*", "build", "platform"], Indexer::KeyValue),
    (&["services", "*", "build", "tags"], Indexer::KeyValue),
    (&["services", "*", "build", "labels"], Indexer::KeyValue),
    (&["services", "*", "cap_add"], Indexer::KeyValue),
    (&["services", "*", "cap_drop"], Indexer::KeyValue),
    (&["services", "*", "configs"], Indexer::Mount("")),
    (&["services", "*", "deploy", "labels"], Indexer::KeyValue),
    (&["services", "*", "dns"], Indexer::KeyValue),
    (&["services", "*", "dns_opt"], Indexer::KeyValue),
    (&["services", "*", "dns_search"], Indexer::KeyValue),
    (&["services", "*", "environment"], Indexer::KeyValue),
    (&["services", "*", "env_file"], Indexer::EnvFile),
    (&["services", "*", "expose"], Indexer::Expose),
    (&["services", "*", "labels"], Indexer::KeyValue),
    (&["services", "*", "links"], Indexer::KeyValue),
    (
        &["services", "*", "networks", "*", "aliases"],
        Indexer::KeyValue,
    ),
    (
        &["services", "*", "networks", "*", "link_local_ips"],
        Indexer::KeyValue,
    ),
    (&["services", "*", "ports"], Indexer::Port),
    (&["services", "*", "profiles"], Indexer::KeyValue),
    (
        &["services", "*", "secrets"],
        Indexer::Mount("/run/secrets"),
    ),
    (&["services", "*", "sysctls"], Indexer::KeyValue),
    (&["services", "*", "tmpfs"], Indexer::KeyValue),
    (&["services", "*", "volumes"], Indexer::Volume),
    (&["services", "*", "devices"], Indexer::Device),
];

/// Removes redefinitions from every sequence whose items have a unique key; the later item
/// wins and keeps the position of the first one.
pub fn enforce_unicity(doc: &mut Node) -> Result<()> {
    let mut path = Vec::new();
    walk(doc, &mut path)
}

fn walk(node: &mut Node, path: &mut Vec<String>) -> Result<()> {
    match &mut node.value {
        Value::Map(map) => {
            for (key, child) in map.iter_mut() {
                path.push(key.clone());
                let r = walk(child, path);
                path.pop();
                r?;
            }
            Ok(())
        }
        Value::Seq(items) => {
            let Some(indexer) = UNIQUE
                .iter()
                .find(|(pattern, _)| path_matches(path, pattern))
                .map(|(_, i)| *i)
            else {
                return Ok(());
            };
            let old = std::mem::take(items);
            let mut kept: Vec<Node> = Vec::with_capacity(old.len());
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (i, item) in old.into_iter().enumerate() {
                path.push(format!("[{i}]"));
                let key = index(indexer, &item, path);
                path.pop();
                let key = key?;
                match seen.get(&key) {
                    Some(&j) => {
                        if let Some(slot) = kept.get_mut(j) {
                            *slot = item;
                        }
                    }
                    None => {
                        seen.insert(key, kept.len());
                        kept.push(item);
                    }
                }
            }
            *items = kept;
            Ok(())
        }
        _ => Ok(()),
    }
}

fn err(kind: ErrorKind, item: &Node, message: String) -> LoadError {
    LoadError::new(kind, &item.mark, message)
}

/// The unique key of one item, or compose's error for an item that has none.
fn index(indexer: Indexer, item: &Node, path: &[String]) -> Result<String> {
    let at = display_path(path);
    match indexer {
        Indexer::KeyValue => match &item.value {
            Value::Str(s) => Ok(s.split_once('=').map_or(s.as_str(), |(k, _)| k).to_string()),
            _ => Err(err(
                ErrorKind::Schema,
                item,
                format!("{at}: unexpected type {}", go_type(item)),
            )),
        },
        Indexer::Volume => match &item.value {
            Value::Map(m) => match m.get("target").map(|t| &t.value) {
                Some(Value::Str(t)) => Ok(t.clone()),
                _ => Err(err(
                    ErrorKind::Schema,
                    item,
                    format!("service volume {at} is missing a mount target"),
                )),
            },
            Value::Str(spec) => volume_target(spec).map_err(|m| err(ErrorKind::Format, item, m)),
            _ => Ok(String::new()),
        },
        Indexer::Device => match &item.value {
            Value::Map(m) => match m.get("target").map(|t| &t.value) {
                Some(Value::Str(t)) => Ok(t.clone()),
                _ => Err(err(
                    ErrorKind::Schema,
                    item,
                    format!("service device {at} is missing a mount target"),
                )),
            },
            Value::Str(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                Ok(parts
                    .get(1)
                    .or(parts.first())
                    .copied()
                    .unwrap_or("")
                    .to_string())
            }
            _ => Ok(String::new()),
        },
        Indexer::Expose => match &item.value {
            Value::Str(s) => Ok(s.clone()),
            Value::Int(i) => Ok(i.to_string()),
            _ => Err(err(
                ErrorKind::Schema,
                item,
                format!("{at}: unsupported expose value {}", go_s(item)),
            )),
        },
        Indexer::Mount(dir) => match &item.value {
            Value::Str(s) => Ok(format!("{dir}/{s}")),
            Value::Map(m) => match m.get("target") {
                Some(t) => Ok(t.scalar_string().unwrap_or_default()),
                None => {
                    let source = m.get("source").map(super::go_v).unwrap_or("<nil>".into());
                    Ok(format!("{dir}/{source}"))
                }
            },
            _ => Err(err(
                ErrorKind::Schema,
                item,
                format!("{at}: unsupported expose value {}", go_s(item)),
            )),
        },
        Indexer::Port => match &item.value {
            Value::Int(i) => Ok(i.to_string()),
            Value::Str(s) => Ok(s.clone()),
            Value::Map(m) => {
                let Some(target) = m.get("target") else {
                    return Err(err(
                        ErrorKind::Schema,
                        item,
                        format!("service ports {at} is missing a target port"),
                    ));
                };
                let published = m.get("published").map(go_s).unwrap_or("%!s(<nil>)".into());
                let host = m.get("host_ip").map(go_s).unwrap_or("0.0.0.0".into());
                let protocol = m.get("protocol").map(go_s).unwrap_or("tcp".into());
                Ok(format!("{host}:{published}:{}/{protocol}", go_d(target)))
            }
            _ => Ok(String::new()),
        },
        Indexer::EnvFile => match &item.value {
            Value::Str(s) => Ok(s.clone()),
            Value::Map(m) => match m.get("path") {
                Some(p) => Ok(p.scalar_string().unwrap_or_default()),
                None => Err(err(
                    ErrorKind::Schema,
                    item,
                    format!("environment path attribute {at} is missing"),
                )),
            },
            _ => Ok(String::new()),
        },
    }
}

/// Go's `%d`: integers as digits, anything else flagged (`%!d(string=80)`).
fn go_d(n: &Node) -> String {
    match &n.value {
        Value::Int(i) => i.to_string(),
        Value::Null => "%!d(<nil>)".into(),
        _ => format!("%!d({}={})", go_type(n), super::go_v(n)),
    }
}

/// The target of a short volume spec, following compose-go's `format.ParseVolume`: fields
/// are separated by `:` outside `${...}`, a one-letter field followed by `:` is a Windows
/// drive, and a one-field spec is an anonymous volume's target.
pub(crate) fn volume_target(spec: &str) -> std::result::Result<String, String> {
    match spec.len() {
        0 => return Err("invalid empty volume spec".into()),
        1 | 2 => return Ok(spec.to_string()),
        _ => {}
    }
    let bytes = spec.as_bytes();
    let mut source: Option<String> = None;
    let mut target: Option<String> = None;
    let mut buffer = String::new();
    let mut depth = 0usize;
    let mut chars: Vec<(usize, char)> = spec.char_indices().collect();
    chars.push((spec.len(), '\0'));
    for (i, c) in chars {
        let at_end = i == spec.len();
        if !at_end && c == '$' && bytes.get(i + 1) == Some(&b'{') {
            depth += 1;
            buffer.push(c);
            continue;
        }
        if !at_end && c == '}' && depth > 0 {
            depth -= 1;
            buffer.push(c);
            continue;
        }
        let drive =
            c == ':' && buffer.chars().count() == 1 && buffer.chars().all(char::is_alphabetic);
        if drive {
            buffer.push(c);
        } else if (c == ':' || at_end) && depth == 0 {
            if buffer.is_empty() {
                return Err(format!(
                    "invalid spec: {spec}: empty section between colons"
                ));
            }
            if source.is_none() && at_end {
                target = Some(std::mem::take(&mut buffer));
            } else if source.is_none() {
                source = Some(std::mem::take(&mut buffer));
            } else if target.is_none() {
                target = Some(std::mem::take(&mut buffer));
            } else if c == ':' {
                return Err(format!("invalid spec: {spec}: too many colons"));
            } else {
                buffer.clear();
            }
        } else if !at_end {
            buffer.push(c);
        }
    }
    Ok(target.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_targets_follow_compose() {
        assert_eq!(volume_target("/data").unwrap(), "/data");
        assert_eq!(volume_target("./src:/src").unwrap(), "/src");
        assert_eq!(volume_target("data:/data:ro").unwrap(), "/data");
        assert_eq!(volume_target("C:\\x:/in").unwrap(), "/in");
        assert_eq!(volume_target("${A:-/a}:/b").unwrap(), "/b");
        assert_eq!(volume_target("a::b").unwrap(), "b");
        assert!(volume_target("ab:/b:ro:x")
            .unwrap_err()
            .contains("too many colons"));
        assert!(volume_target("/a::/b")
            .unwrap_err()
            .contains("empty section between colons"));
        assert!(volume_target("").is_err());
    }
}
