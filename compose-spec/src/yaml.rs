//! YAML text to [`Node`] trees: anchors, aliases, merge keys, tags and duplicate keys.
//!
//! The event parser of `yaml-rust2` gives us positions and tags; this module turns its events
//! into positioned trees and applies the rules compose relies on (go-yaml v3 semantics):
//! plain scalars resolve to null, booleans, integers (base prefixes, octal `0755`, `_`
//! separators) and floats; `<<` merge keys merge mappings without overriding explicit keys;
//! duplicate keys are errors; an alias to an anchor still being defined is a cycle; and alias
//! expansion is bounded so that an "alias bomb" fails instead of exhausting memory.

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Map, Mark, Node, Tag, Value};
use std::collections::HashMap;
use std::sync::Arc;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// The largest number of nodes alias expansion may produce for one file.
const MAX_EXPANDED_NODES: usize = 1_000_000;

/// Parses every document of a YAML stream.
pub fn parse_documents(text: &str, file: &str) -> Result<Vec<Node>> {
    let file: Arc<str> = Arc::from(file);
    let mut collector = Collector::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut collector, true) {
        let m = e.marker();
        let mark = Mark {
            file: file.clone(),
            line: m.line() as u32,
            col: m.col() as u32 + 1,
        };
        return Err(LoadError::new(
            ErrorKind::Yaml,
            &mark,
            format!("yaml: {}", scan_message(&e.to_string())),
        ));
    }
    let mut builder = Builder {
        events: collector.events,
        pos: 0,
        file,
        anchors: HashMap::new(),
        in_progress: Vec::new(),
        budget: MAX_EXPANDED_NODES,
    };
    builder.documents()
}

/// yaml-rust2 appends " at byte N line L column C" to its messages; we print our own mark.
fn scan_message(s: &str) -> String {
    let msg = match s.find(" at byte ") {
        Some(i) => &s[..i],
        None => s,
    };
    if msg.contains("found a tab") || (msg.contains("tab") && msg.contains("indentation")) {
        return "found a tab character that violates indentation".into();
    }
    msg.to_string()
}

#[derive(Default)]
struct Collector {
    events: Vec<(Event, Marker)>,
}

impl MarkedEventReceiver for Collector {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        self.events.push((ev, mark));
    }
}

struct Builder {
    events: Vec<(Event, Marker)>,
    pos: usize,
    file: Arc<str>,
    anchors: HashMap<usize, Node>,
    in_progress: Vec<usize>,
    budget: usize,
}

impl Builder {
    fn mark(&self, m: &Marker) -> Mark {
        Mark {
            file: self.file.clone(),
            line: m.line() as u32,
            col: m.col() as u32 + 1,
        }
    }

    fn err(&self, m: &Mark, msg: impl Into<String>) -> LoadError {
        LoadError::new(ErrorKind::Yaml, m, msg)
    }

    fn next(&mut self) -> Option<(Event, Marker)> {
        let e = self.events.get(self.pos).cloned();
        self.pos += 1;
        e
    }

    fn documents(&mut self) -> Result<Vec<Node>> {
        let mut docs = Vec::new();
        while let Some((ev, _)) = self.next() {
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart => {
                    self.anchors.clear();
                    let node = self.node()?;
                    docs.push(node);
                }
                _ => {}
            }
        }
        Ok(docs)
    }

    fn spend(&mut self, n: usize, mark: &Mark) -> Result<()> {
        if n > self.budget {
            return Err(self.err(mark, "yaml: document contains excessive aliasing"));
        }
        self.budget -= n;
        Ok(())
    }

    fn node(&mut self) -> Result<Node> {
        let (ev, m) = self
            .next()
            .ok_or_else(|| LoadError::nowhere(ErrorKind::Yaml, "yaml: unexpected end of input"))?;
        let mark = self.mark(&m);
        match ev {
            Event::Alias(id) => {
                if self.in_progress.contains(&id) {
                    return Err(self.err(&mark, "yaml: anchor cycle detected"));
                }
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| self.err(&mark, "yaml: unknown anchor"))?;
                let size = count_nodes(&node);
                self.spend(size, &mark)?;
                Ok(node)
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = resolve_scalar(&text, style, tag.as_ref(), &mark)?;
                let mut node = Node::new(value, mark);
                node.tag = merge_tag(tag.as_ref());
                self.spend(1, &node.mark.clone())?;
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                Ok(node)
            }
            Event::SequenceStart(anchor, tag) => {
                if anchor > 0 {
                    self.in_progress.push(anchor);
                }
                let mut items = Vec::new();
                loop {
                    if matches!(self.events.get(self.pos), Some((Event::SequenceEnd, _))) {
                        self.pos += 1;
                        break;
                    }
                    items.push(self.node()?);
                }
                let mut node = Node::new(Value::Seq(items), mark);
                node.tag = merge_tag(tag.as_ref());
                self.finish_anchor(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(anchor, tag) => {
                if anchor > 0 {
                    self.in_progress.push(anchor);
                }
                let map = self.mapping(&mark)?;
                let mut node = Node::new(Value::Map(map), mark);
                node.tag = merge_tag(tag.as_ref());
                self.finish_anchor(anchor, &node);
                Ok(node)
            }
            other => Err(self.err(&mark, format!("yaml: unexpected event {other:?}"))),
        }
    }

    fn finish_anchor(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.in_progress.retain(|a| *a != anchor);
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn mapping(&mut self, start: &Mark) -> Result<Map> {
        let mut map = Map::new();
        // Values from `<<` merge keys, applied after the explicit keys so they never win.
        let mut merged: Vec<Map> = Vec::new();
        loop {
            if matches!(self.events.get(self.pos), Some((Event::MappingEnd, _))) {
                self.pos += 1;
                break;
            }
            let key = self.node()?;
            let key_mark = key.mark.clone();
            let is_merge = matches!(&key.value, Value::Str(s) if s == "<<") && key.tag == Tag::None;
            let value = self.node()?;
            if is_merge {
                merged.extend(merge_sources(value, &key_mark)?);
                continue;
            }
            let name = match &key.value {
                Value::Str(s) => s.clone(),
                // Non-string keys are kept as their text; the schema stage rejects them with
                // compose's "non-string key" message where it matters.
                Value::Int(i) => format!("{NON_STRING_PREFIX}{i}"),
                Value::Float(f) => format!("{NON_STRING_PREFIX}{f}"),
                Value::Bool(b) => format!("{NON_STRING_PREFIX}{b}"),
                Value::Null => format!("{NON_STRING_PREFIX}null"),
                Value::Seq(_) | Value::Map(_) => {
                    return Err(self.err(
                        &key_mark,
                        "yaml: invalid map key: complex keys are not supported",
                    ))
                }
            };
            if let Some(prev) = map.get(&name) {
                return Err(self.err(
                    &key_mark,
                    format!(
                        "yaml: mapping key \"{}\" already defined at line {}",
                        display_key(&name),
                        prev.key_mark.line
                    ),
                ));
            }
            let mut value = value;
            value.key_mark = key_mark;
            map.insert(name, value);
        }
        let _ = start;
        for source in merged {
            for (k, v) in source {
                if !map.contains_key(&k) {
                    map.insert(k, v);
                }
            }
        }
        Ok(map)
    }
}

/// Prefix marking a mapping key that was not a string in the YAML source.
pub const NON_STRING_PREFIX: &str = "\u{0}nonstring:";

/// The key as the user wrote it, without the non-string marker.
pub fn display_key(k: &str) -> &str {
    k.strip_prefix(NON_STRING_PREFIX).unwrap_or(k)
}

fn merge_sources(value: Node, key_mark: &Mark) -> Result<Vec<Map>> {
    let bad = || {
        LoadError::new(
            ErrorKind::Yaml,
            key_mark,
            "yaml: map merge requires map or sequence of maps as the value",
        )
    };
    match value.value {
        Value::Map(m) => Ok(vec![m]),
        Value::Seq(items) => items
            .into_iter()
            .map(|n| match n.value {
                Value::Map(m) => Ok(m),
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

fn count_nodes(n: &Node) -> usize {
    match &n.value {
        Value::Seq(s) => 1 + s.iter().map(count_nodes).sum::<usize>(),
        Value::Map(m) => 1 + m.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

fn merge_tag(tag: Option<&yaml_rust2::parser::Tag>) -> Tag {
    match tag {
        Some(t) if t.handle == "!" && t.suffix == "reset" => Tag::Reset,
        Some(t) if t.handle == "!" && t.suffix == "override" => Tag::Override,
        _ => Tag::None,
    }
}

fn resolve_scalar(
    text: &str,
    style: TScalarStyle,
    tag: Option<&yaml_rust2::parser::Tag>,
    mark: &Mark,
) -> Result<Value> {
    if let Some(t) = tag {
        if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" {
            return match t.suffix.as_str() {
                "str" | "binary" => Ok(Value::Str(text.to_string())),
                "null" => Ok(Value::Null),
                "bool" | "int" | "float" => match resolve_plain(text) {
                    v @ (Value::Bool(_) | Value::Int(_) | Value::Float(_)) => Ok(v),
                    _ => Err(LoadError::new(
                        ErrorKind::Yaml,
                        mark,
                        format!("yaml: cannot decode !!{} `{}`", t.suffix, text),
                    )),
                },
                _ => Ok(resolve_plain(text)),
            };
        }
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::Str(text.to_string()));
    }
    Ok(resolve_plain(text))
}

/// Resolves a plain scalar as go-yaml v3 does when decoding into an untyped value.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(i) = parse_go_int(text) {
        return Value::Int(i);
    }
    if looks_like_float(text) {
        if let Ok(f) = text.replace('_', "").parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(text.to_string())
}

/// `strconv.ParseInt(s, 0, 64)`: optional sign, `0x`/`0o`/`0b` prefixes, a leading `0` for
/// octal, and `_` between digits.
fn parse_go_int(text: &str) -> Option<i64> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    if radix == 10 && body.contains('_') {
        // Go only allows underscores in base-prefixed literals or plain decimal with digits
        // around them; both are covered by the checks above.
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v = i64::from_str_radix(&clean, radix).ok()?;
    Some(if neg { -v } else { v })
}

fn looks_like_float(text: &str) -> bool {
    let t = text.trim_start_matches(['-', '+']);
    let mut seen_digit = false;
    let mut seen_exp = false;
    let mut prev = ' ';
    for c in t.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_exp => {}
            'e' | 'E' if seen_digit && !seen_exp => seen_exp = true,
            '+' | '-' if prev == 'e' || prev == 'E' => {}
            '_' => {}
            _ => return false,
        }
        prev = c;
    }
    seen_digit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        parse_documents(text, "t.yaml").unwrap().remove(0)
    }

    #[test]
    fn resolves_scalars_like_go_yaml() {
        assert_eq!(resolve_plain("0755"), Value::Int(493));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("yes"), Value::Str("yes".into()));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain("3."), Value::Float(3.0));
        assert_eq!(resolve_plain("1.2.3"), Value::Str("1.2.3".into()));
        assert_eq!(resolve_plain("~"), Value::Null);
    }

    #[test]
    fn merge_keys_do_not_override_explicit_keys() {
        let n = one("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n");
        let x = n.get("x").unwrap();
        assert_eq!(x.get("a").unwrap().value, Value::Int(1));
        assert_eq!(x.get("b").unwrap().value, Value::Int(3));
    }

    #[test]
    fn duplicate_keys_are_rejected_with_line() {
        let e = parse_documents("a: 1\na: 2\n", "t.yaml").unwrap_err();
        assert!(
            e.message
                .contains("mapping key \"a\" already defined at line 1"),
            "{e}"
        );
        assert_eq!(e.mark.line, 2);
    }

    #[test]
    fn self_referencing_anchor_is_a_cycle() {
        let e = parse_documents("x: &h\n  y:\n    <<: *h\n", "t.yaml").unwrap_err();
        assert!(e.message.contains("cycle detected"), "{e}");
    }

    #[test]
    fn tags_and_marks_are_kept() {
        let n = one("a:\n  b: !reset []\n");
        let b = n.get("a").unwrap().get("b").unwrap();
        assert_eq!(b.tag, Tag::Reset);
        assert_eq!((b.key_mark.line, b.key_mark.col), (2, 3));
    }

    #[test]
    fn alias_bombs_fail() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='h' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let e = parse_documents(&text, "t.yaml").unwrap_err();
        assert!(e.message.contains("excessive aliasing"), "{e}");
    }

    #[test]
    fn multiple_documents() {
        let docs = parse_documents("a: 1\n---\nb: 2\n", "t.yaml").unwrap();
        assert_eq!(docs.len(), 2);
    }
}
