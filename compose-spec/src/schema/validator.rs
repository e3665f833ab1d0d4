//! Checks a tree against a [`Schema`] and picks the error compose would report.
//!
//! A JSON-schema validator finds many violations at once (every alternative of a `oneOf`
//! fails in its own way). Compose reports a single one: the deepest in the document, where
//! an unknown key counts one level deeper than its mapping; among equally deep ones we take
//! the first in document order (compose's choice there depends on Go map order). Keeping
//! that rule makes `environment: "FOO=1"` report "must be a mapping" (the first alternative)
//! while `environment: {FOO: [1]}` reports the bad value inside the mapping.

use super::suggest;
use super::types::{Object, Schema, Types};
use crate::node::{Mark, Node, Tag, Value};
use crate::yaml::display_key;
use std::collections::HashMap;

/// What is wrong with a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// Not one of the accepted types.
    Type(Types),
    /// A number below the minimum.
    Minimum(i64),
    /// A number above the maximum.
    Maximum(i64),
    /// Keys the mapping does not allow, with a suggestion when one unknown key looks like
    /// a typo of a known one.
    Additional {
        /// The unknown keys, in document order.
        keys: Vec<String>,
        /// The known key the single unknown key is probably a typo of.
        suggestion: Option<&'static str>,
    },
    /// Required keys that are missing.
    Required(Vec<&'static str>),
    /// A string outside a fixed list.
    Enum(&'static [&'static str]),
    /// A string that does not match a pattern.
    Pattern {
        /// The string.
        got: String,
        /// The pattern's text.
        pattern: &'static str,
    },
    /// Two equal items in an array that must not have duplicates.
    Duplicate(usize, usize),
}

/// One violation: where (path and mark) and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// Keys and indexes from the document root.
    pub path: Vec<String>,
    /// What is wrong.
    pub kind: Kind,
    /// Where it is in the file (the key for unknown keys, else the value).
    pub mark: Mark,
}

impl Violation {
    /// How deep the violation is; compose reports the deepest one.
    fn specificity(&self) -> usize {
        self.path.len() + usize::from(matches!(self.kind, Kind::Additional { .. }))
    }

    /// The message in compose's words (`services.foo.image must be a string`).
    pub fn message(&self) -> String {
        let path = self.path.join(".");
        match &self.kind {
            Kind::Type(t) => format!("{path} must be a {}", t.human()),
            Kind::Minimum(n) => format!("{path} must be greater than or equal to {n}"),
            Kind::Maximum(n) => format!("{path} must be less than or equal to {n}"),
            Kind::Additional { keys, suggestion } => {
                let mut msg = format!(
                    "{path} additional properties {} not allowed",
                    join_quoted(keys)
                );
                if let Some(s) = suggestion {
                    msg.push_str(&format!(" (did you mean \"{s}\"?)"));
                }
                msg
            }
            Kind::Required(missing) if missing.len() == 1 => {
                format!("{path} missing property {}", join_quoted(missing))
            }
            Kind::Required(missing) => {
                format!("{path} missing properties {}", join_quoted(missing))
            }
            Kind::Enum([one]) => format!("{path} value must be {}", quote(one)),
            Kind::Enum(values) => format!("{path} value must be one of {}", join_quoted(values)),
            Kind::Pattern { got, pattern } => {
                format!(
                    "{path} {} does not match pattern {}",
                    quote(got),
                    quote(pattern)
                )
            }
            Kind::Duplicate(i, j) => format!("{path} items at {i} and {j} are equal"),
        }
    }
}

/// Quotes a string the way compose's validator does: Go's `%q` body in single quotes.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn join_quoted<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| quote(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every violation of `schema` by `node`, in document order.
pub fn violations(node: &Node, schema: &'static Schema) -> Vec<Violation> {
    let mut walker = Walker::default();
    walker.check(node, schema);
    walker.out
}

/// The violation compose reports: the most specific, the first on ties.
pub fn most_specific(violations: Vec<Violation>) -> Option<Violation> {
    let mut best: Option<Violation> = None;
    for v in violations {
        if best
            .as_ref()
            .is_none_or(|b| v.specificity() > b.specificity())
        {
            best = Some(v);
        }
    }
    best
}

#[derive(Default)]
struct Walker {
    path: Vec<String>,
    out: Vec<Violation>,
}

impl Walker {
    fn report(&mut self, mark: &Mark, kind: Kind) {
        self.out.push(Violation {
            path: self.path.clone(),
            kind,
            mark: mark.clone(),
        });
    }

    fn child(&mut self, key: String, node: &Node, schema: &'static Schema) {
        self.path.push(key);
        self.check(node, schema);
        self.path.pop();
    }

    fn check(&mut self, node: &Node, schema: &'static Schema) {
        // `!reset` values were applied by the merge; whatever is left of them is not data.
        if node.tag == Tag::Reset {
            return;
        }
        match schema {
            Schema::Any => {}
            Schema::Type(t) => {
                if !t.accepts(node) {
                    self.report(mark_of(node), Kind::Type(*t));
                }
            }
            Schema::Range { types, min, max } => self.range(node, *types, *min, *max),
            Schema::Enum(values) => match node.as_str() {
                None => self.report(mark_of(node), Kind::Type(Types::STRING)),
                Some(s) if !values.contains(&s) => self.report(mark_of(node), Kind::Enum(values)),
                Some(_) => {}
            },
            Schema::Pattern(p) => match node.as_str() {
                None => self.report(mark_of(node), Kind::Type(Types::STRING)),
                Some(s) if !(p.matches)(s) => self.report(
                    mark_of(node),
                    Kind::Pattern {
                        got: s.to_string(),
                        pattern: p.text,
                    },
                ),
                Some(_) => {}
            },
            Schema::Array { items, unique } => self.array(node, items, *unique),
            Schema::Object(obj) => self.object(node, obj),
            Schema::OneOf(alternatives) => {
                let mut failures = Vec::new();
                for alt in alternatives.iter() {
                    let mut sub = Walker {
                        path: self.path.clone(),
                        out: Vec::new(),
                    };
                    sub.check(node, alt);
                    if sub.out.is_empty() {
                        return;
                    }
                    failures.append(&mut sub.out);
                }
                self.out.append(&mut failures);
            }
        }
    }

    fn range(&mut self, node: &Node, types: Types, min: Option<i64>, max: Option<i64>) {
        if !types.accepts(node) {
            self.report(mark_of(node), Kind::Type(types));
            return;
        }
        let n = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            _ => return,
        };
        if let Some(m) = min.filter(|m| n < *m as f64) {
            self.report(mark_of(node), Kind::Minimum(m));
        }
        if let Some(m) = max.filter(|m| n > *m as f64) {
            self.report(mark_of(node), Kind::Maximum(m));
        }
    }

    fn array(&mut self, node: &Node, items: &'static Schema, unique: bool) {
        let Some(seq) = node.as_seq() else {
            self.report(mark_of(node), Kind::Type(Types::ARRAY));
            return;
        };
        if unique {
            if let Some((i, j)) = first_duplicate(seq) {
                self.report(mark_of(node), Kind::Duplicate(i, j));
            }
        }
        for (i, item) in seq.iter().enumerate() {
            self.child(i.to_string(), item, items);
        }
    }

    fn object(&mut self, node: &Node, obj: &'static Object) {
        let Some(map) = node.as_map() else {
            if !obj.also.accepts(node) {
                self.report(mark_of(node), Kind::Type(Types::OBJECT.or(obj.also)));
            }
            return;
        };
        let present = |k: &str| map.get(k).is_some_and(|v| v.tag != Tag::Reset);
        let missing: Vec<&'static str> = obj
            .required
            .iter()
            .copied()
            .filter(|k| !present(k))
            .collect();
        if !missing.is_empty() {
            self.report(mark_of(node), Kind::Required(missing));
        }
        let mut unknown: Vec<(String, &Mark)> = Vec::new();
        for (raw_key, value) in map {
            if value.tag == Tag::Reset {
                continue;
            }
            let key = display_key(raw_key);
            let mut evaluated = false;
            if let Some(schema) = obj.prop(key) {
                evaluated = true;
                self.child(key.to_string(), value, schema);
            }
            for (pattern, schema) in obj.patterns {
                if pattern.matches(key) {
                    evaluated = true;
                    self.child(key.to_string(), value, schema);
                }
            }
            if !evaluated && obj.closed {
                unknown.push((key.to_string(), &value.key_mark));
            }
        }
        if let Some((_, mark)) = unknown.first() {
            let mark = (*mark).clone();
            let suggestion = match unknown.as_slice() {
                [(key, _)] => suggest::closest(key, obj.prop_names()),
                _ => None,
            };
            let keys = unknown.into_iter().map(|(k, _)| k).collect();
            self.report(&mark, Kind::Additional { keys, suggestion });
        }
    }
}

/// Where to point for a problem with `node`. An empty (null) value has no text of its own
/// and the parser places it wherever the next token starts, so point at its key instead.
fn mark_of(node: &Node) -> &Mark {
    if node.is_null() && node.key_mark.is_known() {
        &node.key_mark
    } else {
        &node.mark
    }
}

/// The first pair `(j, i)`, `j < i`, of items equal as JSON values, with the smallest `i`
/// and then the smallest `j` (compose reports "items at j and i are equal").
fn first_duplicate(items: &[Node]) -> Option<(usize, usize)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let mut key = String::new();
        canonical_json(item, &mut key);
        if let Some(j) = seen.get(&key) {
            return Some((*j, i));
        }
        seen.insert(key, i);
    }
    None
}

/// A text form in which two values are equal exactly when they are equal JSON values
/// (`1` and `1.0` alike, mapping keys in any order).
fn canonical_json(node: &Node, out: &mut String) {
    match &node.value {
        Value::Null => out.push('n'),
        Value::Bool(b) => out.push_str(if *b { "t" } else { "f" }),
        Value::Int(i) => out.push_str(&format!("#{i}")),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18 => {
            out.push_str(&format!("#{}", *f as i64))
        }
        Value::Float(f) => out.push_str(&format!("#{f:e}")),
        Value::Str(s) => out.push_str(&format!("{s:?}")),
        Value::Seq(items) => {
            out.push('[');
            for item in items {
                canonical_json(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Map(m) => {
            let mut entries: Vec<(&String, &Node)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (k, v) in entries {
                out.push_str(&format!("{k:?}:"));
                canonical_json(v, out);
                out.push(',');
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::types::{COMMAND, LIST_OR_DICT};
    use crate::yaml::parse_documents;

    fn doc(text: &str) -> Node {
        parse_documents(text, "t.yaml").unwrap().remove(0)
    }

    fn first(text: &str, schema: &'static Schema) -> Option<String> {
        most_specific(violations(&doc(text), schema)).map(|v| v.message())
    }

    #[test]
    fn one_of_reports_first_alternative_on_ties() {
        assert_eq!(
            first("FOO=1", &LIST_OR_DICT).as_deref(),
            Some(" must be a mapping")
        );
    }

    #[test]
    fn deeper_errors_win() {
        assert_eq!(
            first("FOO: [1]", &LIST_OR_DICT).as_deref(),
            Some("FOO must be a boolean, null, number or string")
        );
    }

    #[test]
    fn valid_values_have_no_violations() {
        assert!(violations(&doc("[a, b]"), &COMMAND).is_empty());
        assert!(violations(&doc("A: 1\nB: ~"), &LIST_OR_DICT).is_empty());
    }

    #[test]
    fn duplicates_compare_as_json() {
        let seq = doc("[1, 2, 1.0]");
        assert_eq!(first_duplicate(seq.as_seq().unwrap()), Some((0, 2)));
        let seq = doc("[{a: 1, b: 2}, {b: 2, a: 1}]");
        assert_eq!(first_duplicate(seq.as_seq().unwrap()), Some((0, 1)));
        let seq = doc("['1', 1]");
        assert_eq!(first_duplicate(seq.as_seq().unwrap()), None);
    }

    #[test]
    fn quoting_follows_go() {
        assert_eq!(quote("it's"), "'it\\'s'");
        assert_eq!(quote("a\nb"), "'a\\nb'");
    }
}
