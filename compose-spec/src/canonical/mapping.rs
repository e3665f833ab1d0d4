//! Lists of `KEY=VALUE` strings and mappings, brought to one form.
//!
//! Compose accepts `environment`, `labels`, `annotations`, `sysctls`, build `args` and
//! friends either as a mapping or as a list of `KEY=VALUE` strings, and decodes both into a
//! Go map. Two flavours matter: for `environment` and build `args` a bare `KEY` (or a null
//! value) means "no value" and stays null, so that it can be looked up in the environment
//! later; for labels and the other string maps it is the empty string. Values are strings,
//! with YAML numbers and booleans spelled as Go prints them.

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Map, Node, Value};

/// Whether a missing value stays null or becomes the empty string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    /// `MappingWithEquals` (environment, build args): null.
    Null,
    /// `Labels`, `Mapping` (labels, annotations, sysctls, ...): `""`.
    Empty,
}

/// Rewrites a `KEY=VALUE` list into a mapping and stringifies the values of a mapping.
/// With [`Missing::Null`], keys ending in whitespace are rejected as compose does.
pub(crate) fn to_string_map(node: &mut Node, missing: Missing) -> Result<()> {
    match &mut node.value {
        Value::Seq(items) => {
            let mut map = Map::new();
            for item in items.iter() {
                let Some(text) = item.scalar_string() else {
                    continue;
                };
                let (key, value) = match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (text.clone(), None),
                };
                if missing == Missing::Null && key.ends_with(char::is_whitespace) {
                    return Err(LoadError::new(
                        ErrorKind::Format,
                        &item.mark,
                        format!("environment variable {key} is declared with a trailing space"),
                    ));
                }
                let value = match (value, missing) {
                    (Some(v), _) => Value::Str(v),
                    (None, Missing::Null) => Value::Null,
                    (None, Missing::Empty) => Value::Str(String::new()),
                };
                let mut entry = item.with_value(value);
                entry.key_mark = item.mark.clone();
                map.insert(key, entry);
            }
            node.value = Value::Map(map);
        }
        Value::Map(map) => {
            for value in map.values_mut() {
                match value.scalar_string() {
                    Some(s) => value.value = Value::Str(s),
                    None if value.is_null() && missing == Missing::Empty => {
                        value.value = Value::Str(String::new());
                    }
                    None => {}
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A lone string becomes a one-element list (`dns: 8.8.8.8`, `tmpfs: /run`, ...).
pub(crate) fn string_to_list(node: &mut Node) {
    if let Value::Str(s) = &node.value {
        let item = node.with_value(Value::Str(s.clone()));
        node.value = Value::Seq(vec![item]);
    }
}

/// A list of names becomes a mapping of those names to null (service `networks`, `models`).
pub(crate) fn names_to_map(node: &mut Node) {
    if let Value::Seq(items) = &node.value {
        let mut map = Map::new();
        for item in items {
            if let Some(name) = item.scalar_string() {
                let mut entry = item.with_value(Value::Null);
                entry.key_mark = item.mark.clone();
                map.insert(name, entry);
            }
        }
        node.value = Value::Map(map);
    }
}

/// `extra_hosts` in any of its forms (`host: ip`, `host: [ip, ip]`, `host=ip`, `host:ip`,
/// `host=ip1,ip2`) as a list of `host=ip` entries, one per address, with IPv6 brackets
/// removed. Errors are compose's.
pub(crate) fn canonical_extra_hosts(node: &mut Node) -> Result<()> {
    let mut entries: Vec<(String, String, Node)> = Vec::new();
    match &node.value {
        Value::Map(map) => {
            for (host, value) in map {
                match &value.value {
                    Value::Seq(ips) => {
                        for ip in ips {
                            let ip_text = ip.scalar_string().unwrap_or_default();
                            entries.push((host.clone(), ip_text, ip.clone()));
                        }
                    }
                    _ => {
                        let ip_text = value.scalar_string().unwrap_or_default();
                        entries.push((host.clone(), ip_text, value.clone()));
                    }
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                let text = item.scalar_string().unwrap_or_default();
                let Some((host, ips)) = text.split_once('=').or_else(|| text.split_once(':'))
                else {
                    return Err(LoadError::new(
                        ErrorKind::Format,
                        &item.mark,
                        format!("invalid additional host, missing IP: {text}"),
                    ));
                };
                for ip in ips.split(',') {
                    entries.push((host.to_string(), ip.to_string(), item.clone()));
                }
            }
        }
        _ => return Ok(()),
    }
    let mut out = Vec::with_capacity(entries.len());
    for (host, ip, origin) in entries {
        if host.is_empty() || host.contains([':', '=']) {
            return Err(LoadError::new(
                ErrorKind::Format,
                &origin.mark,
                format!("bad host name '{host}'"),
            ));
        }
        let ip = match ip.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
            Some(inner) if !inner.is_empty() => inner.to_string(),
            _ => ip,
        };
        out.push(origin.with_value(Value::Str(format!("{host}={ip}"))));
    }
    node.value = Value::Seq(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(items: &[&str]) -> Node {
        Node::synthetic(Value::Seq(items.iter().map(|s| Node::str(*s)).collect()))
    }

    #[test]
    fn environment_lists_keep_missing_values_null() {
        let mut env = seq(&["FOO=1", "BU=", "ZO", "A=b=c"]);
        to_string_map(&mut env, Missing::Null).unwrap();
        let m = env.as_map().unwrap();
        assert_eq!(m["FOO"].as_str(), Some("1"));
        assert_eq!(m["BU"].as_str(), Some(""));
        assert!(m["ZO"].is_null());
        assert_eq!(m["A"].as_str(), Some("b=c"));
    }

    #[test]
    fn trailing_space_in_environment_key_is_an_error() {
        let mut env = seq(&["DEBUG =1"]);
        let e = to_string_map(&mut env, Missing::Null).unwrap_err();
        assert_eq!(
            e.message,
            "environment variable DEBUG  is declared with a trailing space"
        );
    }

    #[test]
    fn labels_fill_missing_values_with_empty_strings() {
        let mut labels = seq(&["a=1", "b"]);
        to_string_map(&mut labels, Missing::Empty).unwrap();
        assert_eq!(labels.get_str("b"), Some(""));
        let mut map = Map::new();
        map.insert("n".into(), Node::synthetic(Value::Int(42)));
        map.insert("e".into(), Node::synthetic(Value::Null));
        map.insert("f".into(), Node::synthetic(Value::Float(2.5)));
        let mut labels = Node::synthetic(Value::Map(map));
        to_string_map(&mut labels, Missing::Empty).unwrap();
        assert_eq!(labels.get_str("n"), Some("42"));
        assert_eq!(labels.get_str("e"), Some(""));
        assert_eq!(labels.get_str("f"), Some("2.5"));
    }

    #[test]
    fn extra_hosts_all_forms() {
        let mut hosts = seq(&[
            "zulu:127.0.0.2",
            "myhost=0.0.0.1,0.0.0.2",
            "v6=[::1]",
            "z:ff02::1",
        ]);
        canonical_extra_hosts(&mut hosts).unwrap();
        let got: Vec<&str> = hosts
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(
            got,
            [
                "zulu=127.0.0.2",
                "myhost=0.0.0.1",
                "myhost=0.0.0.2",
                "v6=::1",
                "z=ff02::1"
            ]
        );
        let mut map = Map::new();
        map.insert(
            "long".into(),
            Node::synthetic(Value::Seq(vec![Node::str("1.1.1.1"), Node::str("2.2.2.2")])),
        );
        let mut hosts = Node::synthetic(Value::Map(map));
        canonical_extra_hosts(&mut hosts).unwrap();
        assert_eq!(hosts.as_seq().unwrap().len(), 2);
        let mut bad = seq(&["nohost"]);
        assert_eq!(
            canonical_extra_hosts(&mut bad).unwrap_err().message,
            "invalid additional host, missing IP: nohost"
        );
    }

    #[test]
    fn names_and_strings() {
        let mut nets = seq(&["a", "b"]);
        names_to_map(&mut nets);
        assert!(nets.get("a").unwrap().is_null());
        let mut dns = Node::str("8.8.8.8");
        string_to_list(&mut dns);
        assert_eq!(dns.as_seq().unwrap().len(), 1);
    }
}
