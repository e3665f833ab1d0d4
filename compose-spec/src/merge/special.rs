//! The attributes that do not merge by the generic rule (compose-go's `mergeSpecials`).

use super::{display_path, go_type, go_v, merge_mappings, merged_node, path_matches, same_value};
use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Map, Mark, Node, Value};

/// A merge rule for one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// The override replaces the inherited value, even when null.
    Override,
    /// Both sides become sequences (`KEY=VALUE` for mappings, sorted) and are appended.
    ToSequence,
    /// Like [`Rule::ToSequence`], dropping override entries already present.
    ExtraHosts,
    /// `build: path` is `{context: path}`; then a mapping merge.
    Build,
    /// List entries become `{condition: service_started, required: true}`; then a mapping merge.
    DependsOn,
    /// List entries become null-valued keys; then a mapping merge (`networks`, `models`).
    ListToMapping,
    /// Options merge only when both sides use the same driver (or one has none).
    Logging,
    /// An ulimit is replaced as a whole.
    Ulimit,
    /// IPAM configs merge by subnet.
    IpamConfig,
}

/// compose-go v2.9.1's table of special paths.
const RULES: &[(&[&str], Rule)] = &[
    (&["networks", "*", "ipam", "config"], Rule::IpamConfig),
    (&["networks", "*", "labels"], Rule::ToSequence),
    (&["volumes", "*", "labels"], Rule::ToSequence),
    (&["services", "*", "annotations"], Rule::ToSequence),
    (&["services", "*", "build"], Rule::Build),
    (&["services", "*", "build", "args"], Rule::ToSequence),
    (
        &["services", "*", "build", "additional_contexts"],
        Rule::ToSequence,
    ),
    (&["services", "*", "build", "extra_hosts"], Rule::ExtraHosts),
    (&["services", "*", "build", "labels"], Rule::ToSequence),
    (&["services", "*", "command"], Rule::Override),
    (&["services", "*", "depends_on"], Rule::DependsOn),
    (&["services", "*", "deploy", "labels"], Rule::ToSequence),
    (&["services", "*", "dns"], Rule::ToSequence),
    (&["services", "*", "dns_opt"], Rule::ToSequence),
    (&["services", "*", "dns_search"], Rule::ToSequence),
    (&["services", "*", "entrypoint"], Rule::Override),
    (&["services", "*", "env_file"], Rule::ToSequence),
    (&["services", "*", "label_file"], Rule::ToSequence),
    (&["services", "*", "environment"], Rule::ToSequence),
    (&["services", "*", "extra_hosts"], Rule::ExtraHosts),
    (&["services", "*", "healthcheck", "test"], Rule::Override),
    (&["services", "*", "labels"], Rule::ToSequence),
    (&["services", "*", "logging"], Rule::Logging),
    (&["services", "*", "models"], Rule::ListToMapping),
    (&["services", "*", "networks"], Rule::ListToMapping),
    (&["services", "*", "sysctls"], Rule::ToSequence),
    (&["services", "*", "tmpfs"], Rule::ToSequence),
    (&["services", "*", "ulimits", "*"], Rule::Ulimit),
];

/// The special rule for `path`, if any.
pub(crate) fn rule_for(path: &[String]) -> Option<Rule> {
    RULES
        .iter()
        .find(|(pattern, _)| path_matches(path, pattern))
        .map(|(_, rule)| *rule)
}

/// Merges `over` into `base` with `rule`.
pub(crate) fn apply(rule: Rule, base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    match rule {
        Rule::Override | Rule::Ulimit => Ok(over),
        Rule::ToSequence => {
            let mark = base.mark.clone();
            let mut items = to_sequence(base);
            let key_mark = over.key_mark.clone();
            items.extend(to_sequence(over));
            Ok(merged_node(Value::Seq(items), mark, key_mark))
        }
        Rule::ExtraHosts => {
            let mark = base.mark.clone();
            let mut items = to_sequence(base);
            let key_mark = over.key_mark.clone();
            let added: Vec<Node> = to_sequence(over)
                .into_iter()
                .filter(|n| !items.iter().any(|m| same_value(m, n)))
                .collect();
            items.extend(added);
            Ok(merged_node(Value::Seq(items), mark, key_mark))
        }
        Rule::Build => {
            let (mark, key_mark) = (base.mark.clone(), over.key_mark.clone());
            let base = build_mapping(base);
            let over = build_mapping(over);
            let merged = merge_mappings(base, over, path)?;
            Ok(merged_node(Value::Map(merged), mark, key_mark))
        }
        Rule::DependsOn => {
            let (mark, key_mark) = (base.mark.clone(), over.key_mark.clone());
            let base = to_mapping(base, true, path)?;
            let over = to_mapping(over, true, path)?;
            let merged = merge_mappings(base, over, path)?;
            Ok(merged_node(Value::Map(merged), mark, key_mark))
        }
        Rule::ListToMapping => {
            let (mark, key_mark) = (base.mark.clone(), over.key_mark.clone());
            let base = to_mapping(base, false, path)?;
            let over = to_mapping(over, false, path)?;
            let merged = merge_mappings(base, over, path)?;
            Ok(merged_node(Value::Map(merged), mark, key_mark))
        }
        Rule::Logging => merge_logging(base, over, path),
        Rule::IpamConfig => merge_ipam_config(base, over, path),
    }
}

/// compose-go's `convertIntoSequence`: a mapping becomes sorted `KEY=VALUE` strings (a bare
/// `KEY` for null, one entry per item for a list value), a string a one-item list; other
/// scalars and null contribute nothing.
fn to_sequence(node: Node) -> Vec<Node> {
    let mark = node.mark.clone();
    match node.value {
        Value::Seq(items) => items,
        Value::Str(_) => vec![node],
        Value::Map(map) => {
            let mut entries: Vec<String> = Vec::new();
            for (key, value) in &map {
                match &value.value {
                    Value::Null => entries.push(key.clone()),
                    Value::Seq(items) => {
                        entries.extend(items.iter().map(|item| format!("{key}={}", go_v(item))))
                    }
                    _ => entries.push(format!("{key}={}", go_v(value))),
                }
            }
            entries.sort();
            entries
                .into_iter()
                .map(|s| Node::new(Value::Str(s), mark.clone()))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// `build: ctx` as the mapping `{context: ctx}`.
fn build_mapping(node: Node) -> Map {
    match node.value {
        Value::Map(map) => map,
        Value::Str(_) => {
            let mut map = Map::new();
            map.insert("context".into(), node);
            map
        }
        _ => Map::new(),
    }
}

/// compose-go's `convertIntoMapping`: a list of names becomes a mapping whose values are the
/// `depends_on` defaults (`with_defaults`) or null.
fn to_mapping(node: Node, with_defaults: bool, path: &[String]) -> Result<Map> {
    match node.value {
        Value::Map(map) => Ok(map),
        Value::Seq(items) => {
            let mut map = Map::new();
            for item in items {
                let name = match &item.value {
                    Value::Str(s) => s.clone(),
                    _ => {
                        return Err(LoadError::new(
                            ErrorKind::Schema,
                            &item.mark,
                            format!(
                                "{}: unexpected type {}, expected a service or network name",
                                display_path(path),
                                go_type(&item)
                            ),
                        ))
                    }
                };
                let mut value = if with_defaults {
                    depends_on_defaults(&item.mark)
                } else {
                    Node::new(Value::Null, item.mark.clone())
                };
                value.key_mark = item.mark.clone();
                map.insert(name, value);
            }
            Ok(map)
        }
        _ => Ok(Map::new()),
    }
}

fn depends_on_defaults(mark: &Mark) -> Node {
    let mut map = Map::new();
    map.insert(
        "condition".into(),
        Node::new(Value::Str("service_started".into()), mark.clone()),
    );
    map.insert(
        "required".into(),
        Node::new(Value::Bool(true), mark.clone()),
    );
    Node::new(Value::Map(map), mark.clone())
}

/// Logging options merge when both sides name the same driver or one names none; a different
/// driver replaces the whole logging configuration.
fn merge_logging(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    if over.is_null() {
        return Ok(base);
    }
    let (mark, key_mark) = (base.mark.clone(), over.key_mark.clone());
    match (base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => {
            let same_driver = match (o.get("driver"), b.get("driver")) {
                (Some(x), Some(y)) => same_value(x, y),
                _ => true,
            };
            if same_driver {
                let merged = merge_mappings(b, o, path)?;
                Ok(merged_node(Value::Map(merged), mark, key_mark))
            } else {
                Ok(merged_node(Value::Map(o), over.mark, key_mark))
            }
        }
        (_, value) => Ok(Node {
            value,
            mark: over.mark,
            key_mark,
            tag: over.tag,
        }),
    }
}

/// One entry of the merged IPAM config list: an inherited entry (merged in place, so later
/// overrides see earlier merges) or an override entry.
enum Ipam {
    Base(usize),
    Over(Node),
}

/// compose-go's `mergeIPAMConfig`, quirks included: every inherited entry is compared with
/// every override entry; an override with another subnet is added once; one with the same
/// subnet is merged into the inherited entry. An empty inherited list yields an empty list.
fn merge_ipam_config(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node> {
    let unexpected = |n: &Node, at: &Mark| {
        LoadError::new(
            ErrorKind::Schema,
            at,
            format!("{}: unexpected type {}", display_path(path), go_type(n)),
        )
    };
    let Value::Seq(bases) = &base.value else {
        return Err(unexpected(&base, &over.mark));
    };
    let Value::Seq(overs) = &over.value else {
        return Err(unexpected(&base, &over.mark));
    };
    let mut rights: Vec<Node> = bases.iter().map(as_mapping_node).collect();
    let overs: Vec<Node> = overs.iter().map(as_mapping_node).collect();
    let mut out: Vec<Ipam> = Vec::new();
    let subnet_of = |entry: &Ipam, rights: &[Node]| -> Option<Node> {
        match entry {
            Ipam::Base(i) => rights.get(*i).and_then(|n| n.get("subnet")).cloned(),
            Ipam::Over(n) => n.get("subnet").cloned(),
        }
    };
    let same_subnet = |a: Option<&Node>, b: Option<&Node>| match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => same_value(x, y),
        _ => false,
    };
    for i in 0..rights.len() {
        for left in &overs {
            let left_subnet = left.get("subnet");
            let right_subnet = rights.get(i).and_then(|r| r.get("subnet"));
            if !same_subnet(left_subnet, right_subnet) {
                let known = out
                    .iter()
                    .any(|e| same_subnet(subnet_of(e, &rights).as_ref(), left_subnet));
                if !known {
                    out.push(Ipam::Over(left.clone()));
                    continue;
                }
            }
            let right = std::mem::replace(&mut rights[i], Node::empty_map());
            let (mark, key_mark) = (right.mark.clone(), right.key_mark.clone());
            let right_map = match right.value {
                Value::Map(m) => m,
                _ => Map::new(),
            };
            let left_map = left.as_map().cloned().unwrap_or_default();
            let merged = merge_mappings(right_map, left_map, path)?;
            rights[i] = merged_node(Value::Map(merged), mark, key_mark);
            let merged_subnet = rights[i].get("subnet").cloned();
            let existing = out
                .iter()
                .position(|e| same_subnet(subnet_of(e, &rights).as_ref(), merged_subnet.as_ref()));
            match existing {
                Some(j) => out[j] = Ipam::Base(i),
                None => out.push(Ipam::Base(i)),
            }
        }
    }
    let items = out
        .into_iter()
        .map(|e| match e {
            Ipam::Base(i) => rights.get(i).cloned().unwrap_or_else(Node::empty_map),
            Ipam::Over(n) => n,
        })
        .collect();
    Ok(merged_node(Value::Seq(items), base.mark, over.key_mark))
}

fn as_mapping_node(n: &Node) -> Node {
    match n.value {
        Value::Map(_) => n.clone(),
        _ => n.with_value(Value::Map(Map::new())),
    }
}
