//! Encoding a canonical tree the way Go's `encoding/json` encodes compose-go's typed model.
//!
//! compose decodes the model into Go structs and marshals those. What it prints therefore
//! follows from each field's Go type: struct fields come in declaration order, map keys
//! sorted, `omitempty` drops zero values (but never a non-pointer struct), pointers print
//! their value even when it is zero (`retries: 0`, `init: false`), sizes are decimal strings,
//! durations `time.Duration` strings, and so on. A [`Kind`] names one such Go type and a
//! [`Field`] one struct field; the model's tables (in `model.rs`) are lists of fields.

use crate::canonical::mapping::{canonical_extra_hosts, to_string_map, Missing};
use crate::canonical::{shellwords, units};
use crate::node::{Node, Value};
use serde_json::{Map as JMap, Value as J};

/// The Go type of a model field, which decides how it decodes and prints.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// `string`.
    Str,
    /// `bool`.
    Bool,
    /// `*bool`: printed whenever set.
    OptBool,
    /// Any Go integer type.
    Int,
    /// `*int`, `*uint64`: printed whenever set.
    OptInt,
    /// `float32` (and `NanoCPUs`).
    F32,
    /// `UnitBytes`: a size, printed as a decimal string.
    Bytes,
    /// `Duration`: printed as `time.Duration.String`.
    Duration,
    /// `*Duration`: printed whenever set.
    OptDuration,
    /// `[]string`, `StringList`, `StringOrNumberList`.
    StrList,
    /// `ShellCommand`: a list of words, `null` when unset.
    Command,
    /// `HealthCheckTest`: a string runs through the shell.
    HealthTest,
    /// `Mapping`, `Labels`, `Options`, `map[string]string`: values are strings.
    Mapping,
    /// `MappingWithEquals`: values are strings or null.
    MappingEq,
    /// `MultiOptions`: values are lists of strings.
    MultiOptions,
    /// `HostsList`: a sorted list of `host=ip`.
    Hosts,
    /// `map[string]*UlimitsConfig`.
    Ulimits,
    /// `*FileMode`: an octal string.
    FileMode,
    /// `DeviceCount`: `all` is -1.
    DeviceCount,
    /// `SSHConfig`.
    Ssh,
    /// A struct value: always printed, zero fields omitted per their tags.
    Struct(&'static [Field]),
    /// A pointer to a struct: omitted when unset.
    Ptr(&'static [Field]),
    /// A slice.
    List(&'static Kind),
    /// A map with string keys, printed with sorted keys.
    MapOf(&'static Kind),
}

/// One struct field: its YAML key, its JSON key, its type and whether it is `omitempty`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    /// The key in the compose file.
    pub yaml: &'static str,
    /// The key in the JSON model.
    pub json: &'static str,
    /// The Go type.
    pub kind: Kind,
    /// `omitempty`.
    pub omitempty: bool,
}

/// An `omitempty` field whose YAML and JSON keys are the same.
pub(crate) const fn f(name: &'static str, kind: Kind) -> Field {
    Field {
        yaml: name,
        json: name,
        kind,
        omitempty: true,
    }
}

/// A field printed even when zero.
pub(crate) const fn always(name: &'static str, kind: Kind) -> Field {
    Field {
        yaml: name,
        json: name,
        kind,
        omitempty: false,
    }
}

/// A field without JSON tag: Go prints it under its Go field name.
pub(crate) const fn go_named(yaml: &'static str, json: &'static str, kind: Kind) -> Field {
    Field {
        yaml,
        json,
        kind,
        omitempty: false,
    }
}

/// Encodes a value of `kind`; `None` means the Go value is nil (unset pointer, slice or map).
pub(crate) fn encode(kind: Kind, node: Option<&Node>) -> Option<J> {
    if let Kind::Struct(fields) = kind {
        return Some(encode_struct(fields, node));
    }
    let node = node.filter(|n| !n.is_null())?;
    match kind {
        Kind::Str => node.scalar_string().map(J::String),
        Kind::Bool | Kind::OptBool => as_bool(node).map(J::Bool),
        Kind::Int | Kind::OptInt => as_i64(node).map(J::from),
        Kind::F32 => as_f64(node).map(|f| units::json_f32(f as f32)),
        Kind::Bytes => Some(J::String(as_bytes(node).to_string())),
        Kind::Duration | Kind::OptDuration => node
            .scalar_string()
            .and_then(|s| units::parse_duration(&s).ok())
            .map(|d| J::String(units::format_duration(d))),
        Kind::StrList => Some(string_list(node)),
        Kind::Command => command(node),
        Kind::HealthTest => match &node.value {
            Value::Str(s) => Some(J::from(vec!["CMD-SHELL".to_string(), s.clone()])),
            _ => Some(string_list(node)),
        },
        Kind::Mapping => Some(string_map(node, Missing::Empty)),
        Kind::MappingEq => Some(string_map(node, Missing::Null)),
        Kind::MultiOptions => Some(multi_options(node)),
        Kind::Hosts => Some(hosts(node)),
        Kind::Ulimits => Some(ulimits(node)),
        Kind::FileMode => file_mode(node),
        Kind::DeviceCount => device_count(node),
        Kind::Ssh => Some(ssh(node)),
        Kind::Ptr(fields) => Some(encode_struct(fields, Some(node))),
        Kind::List(item) => node.as_seq().map(|items| {
            J::Array(
                items
                    .iter()
                    .map(|i| encode(*item, Some(i)).unwrap_or_else(|| zero(*item)))
                    .collect(),
            )
        }),
        Kind::MapOf(item) => node.as_map().map(|map| {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let out: JMap<String, J> = keys
                .into_iter()
                .map(|k| {
                    let v = encode(*item, map.get(k)).unwrap_or_else(|| zero(*item));
                    (k.clone(), v)
                })
                .collect();
            J::Object(out)
        }),
        Kind::Struct(_) => None,
    }
}

/// Encodes a struct: its fields in order, `omitempty` ones dropped when zero.
pub(crate) fn encode_struct(fields: &[Field], node: Option<&Node>) -> J {
    let map = node.and_then(Node::as_map);
    let mut out = JMap::new();
    for field in fields {
        let child = map.and_then(|m| m.get(field.yaml));
        match encode(field.kind, child) {
            None if field.omitempty => {}
            None => {
                out.insert(field.json.into(), zero(field.kind));
            }
            Some(v) if field.omitempty && is_zero(field.kind, &v) => {}
            Some(v) => {
                out.insert(field.json.into(), v);
            }
        }
    }
    J::Object(out)
}

/// The JSON of a Go zero value of `kind`.
fn zero(kind: Kind) -> J {
    match kind {
        Kind::Str => J::String(String::new()),
        Kind::Bool => J::Bool(false),
        Kind::Int | Kind::F32 | Kind::DeviceCount => J::from(0),
        Kind::Bytes => J::String("0".into()),
        Kind::Duration => J::String("0s".into()),
        Kind::Struct(fields) => encode_struct(fields, None),
        _ => J::Null,
    }
}

/// Whether `omitempty` drops this value.
fn is_zero(kind: Kind, v: &J) -> bool {
    match kind {
        Kind::OptBool
        | Kind::OptInt
        | Kind::OptDuration
        | Kind::FileMode
        | Kind::Ptr(_)
        | Kind::Struct(_) => false,
        Kind::Bytes => v.as_str() == Some("0"),
        Kind::Duration => v.as_str() == Some("0s"),
        _ => match v {
            J::Null => true,
            J::Bool(b) => !b,
            J::Number(n) => n.as_f64() == Some(0.0),
            J::String(s) => s.is_empty(),
            J::Array(a) => a.is_empty(),
            J::Object(o) => o.is_empty(),
        },
    }
}

fn as_bool(node: &Node) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::Str(s) => match s.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" | "on" | "1" => Some(true),
            "n" | "no" | "false" | "off" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn as_i64(node: &Node) -> Option<i64> {
    match &node.value {
        Value::Int(i) => Some(*i),
        Value::Float(f) => Some(*f as i64),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_f64(node: &Node) -> Option<f64> {
    match &node.value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `UnitBytes`: numbers as they are, strings through `RAMInBytes`, anything else zero.
fn as_bytes(node: &Node) -> i64 {
    match &node.value {
        Value::Int(i) => *i,
        Value::Str(s) => s
            .parse::<i64>()
            .ok()
            .or_else(|| units::parse_ram_in_bytes(s).ok())
            .unwrap_or(0),
        _ => 0,
    }
}

fn string_list(node: &Node) -> J {
    match &node.value {
        Value::Seq(items) => J::Array(
            items
                .iter()
                .map(|i| J::String(i.scalar_string().unwrap_or_default()))
                .collect(),
        ),
        _ => J::Array(vec![J::String(node.scalar_string().unwrap_or_default())]),
    }
}

fn command(node: &Node) -> Option<J> {
    match &node.value {
        Value::Str(s) => {
            let words = shellwords::split(s).unwrap_or_else(|_| vec![s.clone()]);
            Some(J::from(words))
        }
        Value::Seq(_) => Some(string_list(node)),
        _ => None,
    }
}

/// A map of strings (or of strings and nulls), from either a mapping or a `KEY=VALUE` list.
fn string_map(node: &Node, missing: Missing) -> J {
    let mut copy = node.clone();
    if to_string_map(&mut copy, missing).is_err() {
        return J::Object(JMap::new());
    }
    let Some(map) = copy.as_map() else {
        return J::Object(JMap::new());
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    J::Object(
        keys.into_iter()
            .filter_map(|k| {
                let v = map.get(k)?;
                let j = match v.scalar_string() {
                    Some(s) => J::String(s),
                    None if missing == Missing::Empty => J::String(String::new()),
                    None => J::Null,
                };
                Some((k.clone(), j))
            })
            .collect(),
    )
}

fn multi_options(node: &Node) -> J {
    let Some(map) = node.as_map() else {
        return J::Object(JMap::new());
    };
    let sprint = |n: &Node| J::String(n.scalar_string().unwrap_or_else(|| "<nil>".into()));
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    J::Object(
        keys.into_iter()
            .filter_map(|k| {
                let v = map.get(k)?;
                let list = match &v.value {
                    Value::Seq(items) => items.iter().map(sprint).collect(),
                    _ => vec![sprint(v)],
                };
                Some((k.clone(), J::Array(list)))
            })
            .collect(),
    )
}

fn hosts(node: &Node) -> J {
    let mut copy = node.clone();
    if canonical_extra_hosts(&mut copy).is_err() {
        return J::Array(Vec::new());
    }
    let mut list: Vec<String> = copy
        .as_seq()
        .map(|items| items.iter().filter_map(Node::scalar_string).collect())
        .unwrap_or_default();
    list.sort();
    J::from(list)
}

fn ulimits(node: &Node) -> J {
    let Some(map) = node.as_map() else {
        return J::Object(JMap::new());
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    J::Object(
        keys.into_iter()
            .filter_map(|k| {
                let v = map.get(k)?;
                let j = match &v.value {
                    Value::Int(i) if *i != 0 => J::from(*i),
                    Value::Map(_) => {
                        let mut limits = JMap::new();
                        for key in ["soft", "hard"] {
                            if let Some(n) = v.get(key).and_then(as_i64).filter(|n| *n != 0) {
                                limits.insert(key.into(), J::from(n));
                            }
                        }
                        J::Object(limits)
                    }
                    Value::Null => J::Null,
                    _ => J::Object(JMap::new()),
                };
                Some((k.clone(), j))
            })
            .collect(),
    )
}

fn file_mode(node: &Node) -> Option<J> {
    let mode = match &node.value {
        Value::Int(i) => *i,
        Value::Str(s) => i64::from_str_radix(s, 8).ok()?,
        _ => return None,
    };
    let text = if mode < 0 {
        format!("0-{:o}", mode.unsigned_abs())
    } else {
        format!("0{mode:o}")
    };
    Some(J::String(text))
}

fn device_count(node: &Node) -> Option<J> {
    match &node.value {
        Value::Int(i) => Some(J::from(*i)),
        Value::Str(s) if s.eq_ignore_ascii_case("all") => Some(J::from(-1)),
        Value::Str(s) => s.parse::<i64>().ok().map(J::from),
        _ => None,
    }
}

/// SSH keys as compose lists them: `id` alone for the agent, `id=path` for a key file
/// (compose itself cannot print the latter as JSON), sorted by id.
fn ssh(node: &Node) -> J {
    let mut keys: Vec<String> = match &node.value {
        Value::Map(map) => map
            .iter()
            .map(
                |(id, path)| match path.scalar_string().filter(|p| !p.is_empty()) {
                    Some(p) => format!("{id}={p}"),
                    None => id.clone(),
                },
            )
            .collect(),
        Value::Seq(items) => items.iter().filter_map(Node::scalar_string).collect(),
        _ => Vec::new(),
    };
    keys.sort();
    J::from(keys)
}

/// A value of Go type `any`: as decoded, with map keys sorted and integral floats printed
/// without a fraction.
pub(crate) fn raw(node: &Node) -> J {
    match &node.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => units::json_f64(*f),
        Value::Str(s) => J::String(s.clone()),
        Value::Seq(items) => J::Array(items.iter().map(raw).collect()),
        Value::Map(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            J::Object(
                keys.into_iter()
                    .filter_map(|k| Some((k.clone(), raw(map.get(k)?))))
                    .collect(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn node(yaml: &str) -> Node {
        parse_documents(yaml, "t.yaml").unwrap().remove(0)
    }

    const INNER: &[Field] = &[f("x", Kind::Int)];
    const OUTER: &[Field] = &[
        f("name", Kind::Str),
        always("required", Kind::Bool),
        f("ptr", Kind::OptBool),
        f("flag", Kind::Bool),
        f("inner", Kind::Struct(INNER)),
        f("opt", Kind::Ptr(INNER)),
        f("size", Kind::Bytes),
        f("wait", Kind::OptDuration),
        always("cmd", Kind::Command),
        go_named("path", "Path", Kind::Str),
    ];

    #[test]
    fn struct_fields_follow_go_tags() {
        let j = encode_struct(
            OUTER,
            Some(&node(
                "ptr: false\nflag: false\nsize: 1k\nwait: 90s\nzzz: 1\n",
            )),
        );
        assert_eq!(
            j.to_string(),
            r#"{"required":false,"ptr":false,"inner":{},"size":"1024","wait":"1m30s","cmd":null,"Path":""}"#
        );
    }

    #[test]
    fn maps_are_sorted_and_stringified() {
        let j = encode(Kind::Mapping, Some(&node("[b=2, a]"))).unwrap();
        assert_eq!(j.to_string(), r#"{"a":"","b":"2"}"#);
        let j = encode(Kind::MappingEq, Some(&node("{z: 1, a: null, m: true}"))).unwrap();
        assert_eq!(j.to_string(), r#"{"a":null,"m":"true","z":"1"}"#);
        let j = encode(
            Kind::MapOf(&Kind::Ptr(INNER)),
            Some(&node("{b: null, a: {x: 1}}")),
        )
        .unwrap();
        assert_eq!(j.to_string(), r#"{"a":{"x":1},"b":null}"#);
    }

    #[test]
    fn special_types() {
        let hosts = encode(
            Kind::Hosts,
            Some(&node("{zulu: 1.1.1.1, alpha: [2.2.2.2]}")),
        )
        .unwrap();
        assert_eq!(hosts.to_string(), r#"["alpha=2.2.2.2","zulu=1.1.1.1"]"#);
        let u = encode(
            Kind::Ulimits,
            Some(&node("{nproc: 65535, core: 0, nofile: {soft: 1, hard: 2}}")),
        )
        .unwrap();
        assert_eq!(
            u.to_string(),
            r#"{"core":{},"nofile":{"soft":1,"hard":2},"nproc":65535}"#
        );
        assert_eq!(
            encode(Kind::FileMode, Some(&node("288"))).unwrap(),
            J::from("0440")
        );
        assert_eq!(
            encode(Kind::FileMode, Some(&node("\"0440\""))).unwrap(),
            J::from("0440")
        );
        assert_eq!(
            encode(Kind::DeviceCount, Some(&node("all"))).unwrap(),
            J::from(-1)
        );
        assert_eq!(
            encode(Kind::F32, Some(&node("\"0.001\"")))
                .unwrap()
                .to_string(),
            "0.001"
        );
        assert_eq!(
            encode(Kind::Command, Some(&node("echo \"a b\"")))
                .unwrap()
                .to_string(),
            r#"["echo","a b"]"#
        );
        assert_eq!(
            encode(Kind::HealthTest, Some(&node("curl x")))
                .unwrap()
                .to_string(),
            r#"["CMD-SHELL","curl x"]"#
        );
        let ssh = encode(Kind::Ssh, Some(&node("{default: null}"))).unwrap();
        assert_eq!(ssh.to_string(), r#"["default"]"#);
        let opts = encode(Kind::MultiOptions, Some(&node("{a: b, n: [1, true]}"))).unwrap();
        assert_eq!(opts.to_string(), r#"{"a":["b"],"n":["1","true"]}"#);
    }

    #[test]
    fn raw_values_sort_keys() {
        let j = raw(&node("{b: 1.0, a: [x, 2.5]}"));
        assert_eq!(j.to_string(), r#"{"a":["x",2.5],"b":1}"#);
    }
}
