//! The positioned document tree every loader stage works on.
//!
//! Compose files go through many stages (interpolation, include, extends, merge, validation,
//! canonical form) before they become a model. Each stage needs to report errors at the
//! `file:line:column` the user wrote, so the tree keeps a [`Mark`] on every node instead of
//! decoding into plain JSON values straight away.

use indexmap::IndexMap;
use std::fmt;
use std::sync::Arc;

/// Where a node was written: file, 1-based line and 1-based column.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mark {
    /// The file the node came from (empty for nodes the loader made up).
    pub file: Arc<str>,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub col: u32,
}

impl Mark {
    /// A mark for nodes the loader synthesises (defaults, normalisation).
    pub fn synthetic() -> Mark {
        Mark::default()
    }

    /// Whether this mark points at a real place in a file.
    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, "{}", self.file);
        }
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// The two Compose-specific YAML tags that change how files merge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tag {
    /// No merge tag.
    #[default]
    None,
    /// `!reset`: remove the value inherited from earlier files or from `extends`.
    Reset,
    /// `!override`: replace the inherited value instead of merging into it.
    Override,
}

/// An ordered mapping with string keys, as Compose files only allow string keys.
pub type Map = IndexMap<String, Node>;

/// A value in the document tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty value.
    Null,
    /// A YAML boolean.
    Bool(bool),
    /// A YAML integer.
    Int(i64),
    /// A YAML float.
    Float(f64),
    /// A string (quoted or plain and not resolved to another type).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping.
    Map(Map),
}

/// A value plus where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value starts.
    pub mark: Mark,
    /// Where the key that holds this value starts, when it sits in a mapping.
    pub key_mark: Mark,
    /// A `!reset` or `!override` tag.
    pub tag: Tag,
}

impl Node {
    /// A node at `mark`.
    pub fn new(value: Value, mark: Mark) -> Node {
        Node {
            value,
            key_mark: mark.clone(),
            mark,
            tag: Tag::None,
        }
    }

    /// A node made by the loader rather than read from a file.
    pub fn synthetic(value: Value) -> Node {
        Node::new(value, Mark::synthetic())
    }

    /// A synthetic string node.
    pub fn str(s: impl Into<String>) -> Node {
        Node::synthetic(Value::Str(s.into()))
    }

    /// A synthetic empty mapping.
    pub fn empty_map() -> Node {
        Node::synthetic(Value::Map(Map::new()))
    }

    /// The same value with another mark (used when a value is rewritten in place).
    pub fn with_value(&self, value: Value) -> Node {
        Node {
            value,
            mark: self.mark.clone(),
            key_mark: self.key_mark.clone(),
            tag: self.tag,
        }
    }

    /// The mapping, if this is one.
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The mapping, mutable, if this is one.
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The sequence, if this is one.
    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The sequence, mutable, if this is one.
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A child of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// A child of a mapping, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// A string child of a mapping.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// The scalar rendered as a string the way Go's `fmt.Sprint` renders a decoded YAML value,
    /// which is how compose turns `PORT: 3000` into the string `"3000"`.
    pub fn scalar_string(&self) -> Option<String> {
        match &self.value {
            Value::Null => None,
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_go_float(*f)),
            Value::Str(s) => Some(s.clone()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// A short word for the kind of value, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "mapping",
        }
    }

    /// Converts the tree into JSON, dropping marks and tags.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(format_go_float(*f))),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(s) => J::Array(s.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// Builds a synthetic tree from JSON (for values computed by the loader).
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let value = match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::Str(s.clone()),
            J::Array(a) => Value::Seq(a.iter().map(Node::from_json).collect()),
            J::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Node::from_json(v)))
                    .collect(),
            ),
        };
        Node::synthetic(value)
    }
}

/// Formats a float as Go's `%v` does for float64 (shortest representation, `1e+06` style
/// exponents for large values), so interpolated and stringified numbers match compose.
pub fn format_go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e6).contains(&abs) {
        let s = format!("{:e}", f);
        // Rust prints `1e6`; Go prints `1e+06`.
        if let Some((mant, exp)) = s.split_once('e') {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            return format!("{mant}e{sign}{digits:0>2}");
        }
        return s;
    }
    let s = format!("{}", f);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formatting() {
        assert_eq!(format_go_float(1.5), "1.5");
        assert_eq!(format_go_float(3.0), "3");
        assert_eq!(format_go_float(1e21), "1e+21");
        assert_eq!(format_go_float(0.00001), "1e-05");
    }

    #[test]
    fn scalar_strings_follow_go() {
        assert_eq!(
            Node::synthetic(Value::Int(3000)).scalar_string().as_deref(),
            Some("3000")
        );
        assert_eq!(
            Node::synthetic(Value::Bool(true))
                .scalar_string()
                .as_deref(),
            Some("true")
        );
        assert_eq!(Node::synthetic(Value::Null).scalar_string(), None);
    }
}
