//! `!reset` and `!override`: which inherited values a document drops before it is merged.
//!
//! Compose records the path of every tagged node when it decodes a document (compose-go's
//! `ResetProcessor`), removes the `!reset` nodes from the document, and later deletes the
//! recorded paths from whatever the document is merged over: the model of the earlier files,
//! and the copy of a base service in `extends`. A `!reset` value is therefore gone
//! everywhere, and an `!override` value is merged into a tree that no longer has the key, so it
//! replaces it. Recording paths (rather than keeping tags on the nodes) keeps the behaviour
//! exact when a merge rule rewrites a value (a mapping turned into a `KEY=VALUE` list loses
//! nothing) and when a service is both extended and merged over an earlier file.

use crate::node::{Node, Tag, Value};

/// The `!reset`/`!override` paths of one document, in document order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResetPaths {
    paths: Vec<Vec<String>>,
}

impl ResetPaths {
    /// Records the tagged paths of `doc`, removes its `!reset` nodes and clears its tags.
    ///
    /// Sequence items are recorded with their index (`ports.0`), as compose does; such paths
    /// never match when applied, since sequences are never edited item by item, so a `!reset`
    /// item only disappears from its own document.
    pub fn take(doc: &mut Node) -> ResetPaths {
        let mut resets = ResetPaths::default();
        let mut path = Vec::new();
        if resets.visit(doc, &mut path) {
            *doc = doc.with_value(Value::Null);
            doc.tag = Tag::None;
        }
        resets
    }

    /// Whether the document had no tags at all.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The recorded paths (dotted keys, for tests and diagnostics).
    pub fn paths(&self) -> impl Iterator<Item = String> + '_ {
        self.paths.iter().map(|p| p.join("."))
    }

    /// Deletes every recorded path from `target` (a whole model).
    pub fn apply(&self, target: &mut Node) {
        self.apply_under(&[], target);
    }

    /// Deletes the recorded paths from `target` as if it sat at `prefix` in a model; `extends`
    /// applies the extending document's paths to the base copy at `services.<name>`.
    pub fn apply_under(&self, prefix: &[&str], target: &mut Node) {
        if self.paths.is_empty() {
            return;
        }
        let mut path: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
        self.apply_at(target, &mut path);
    }

    /// Returns true when `node` itself is a `!reset` node and must be removed by its parent.
    fn visit(&mut self, node: &mut Node, path: &mut Vec<String>) -> bool {
        match node.tag {
            Tag::Reset => {
                self.paths.push(path.clone());
                return true;
            }
            Tag::Override => {
                self.paths.push(path.clone());
                // Compose keeps an `!override` subtree as written, without looking for more
                // tags inside it.
                clear_tags(node);
                return false;
            }
            Tag::None => {}
        }
        match &mut node.value {
            Value::Map(map) => map.retain(|key, child| {
                path.push(key.clone());
                let remove = self.visit(child, path);
                path.pop();
                !remove
            }),
            Value::Seq(items) => {
                let mut index = 0usize;
                items.retain_mut(|child| {
                    path.push(index.to_string());
                    index += 1;
                    let remove = self.visit(child, path);
                    path.pop();
                    !remove
                });
            }
            _ => {}
        }
        false
    }

    fn apply_at(&self, node: &mut Node, path: &mut Vec<String>) {
        match &mut node.value {
            Value::Map(map) => map.retain(|key, child| {
                path.push(key.clone());
                let hit = self.matches(path);
                if !hit {
                    self.apply_at(child, path);
                }
                path.pop();
                !hit
            }),
            Value::Seq(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    path.push(format!("[{i}]"));
                    if !self.matches(path) {
                        self.apply_at(child, path);
                    }
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn matches(&self, path: &[String]) -> bool {
        self.paths.iter().any(|pattern| {
            pattern.len() == path.len() && pattern.iter().zip(path).all(|(q, p)| q == "*" || q == p)
        })
    }
}

/// Clears the merge tags of a whole subtree.
pub(crate) fn clear_tags(node: &mut Node) {
    node.tag = Tag::None;
    match &mut node.value {
        Value::Map(map) => map.values_mut().for_each(clear_tags),
        Value::Seq(items) => items.iter_mut().for_each(clear_tags),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn doc(text: &str) -> Node {
        parse_documents(text, "t.yaml")
            .ok()
            .and_then(|d| d.into_iter().next())
            .unwrap_or_else(|| Node::synthetic(Value::Null))
    }

    #[test]
    fn take_records_paths_and_removes_reset_nodes() {
        let mut d = doc("services:\n  a:\n    build: !reset\n    ports: !override [\"80\"]\n    dns: [a, !reset b, c]\n");
        let r = ResetPaths::take(&mut d);
        let paths: Vec<String> = r.paths().collect();
        assert_eq!(
            paths,
            ["services.a.build", "services.a.ports", "services.a.dns.1"]
        );
        let a = d.get("services").and_then(|s| s.get("a")).unwrap();
        assert!(a.get("build").is_none());
        assert_eq!(a.get("ports").map(|p| p.tag), Some(Tag::None));
        assert_eq!(a.get("dns").and_then(Node::as_seq).map(Vec::len), Some(2));
    }

    #[test]
    fn apply_deletes_mapping_keys_but_never_sequence_items() {
        let mut d = doc(
            "services:\n  a:\n    environment: {FOO: !reset , X: !reset }\n    dns: [!reset a]\n",
        );
        let r = ResetPaths::take(&mut d);
        let mut base = doc(
            "services:\n  a:\n    image: x\n    environment: {FOO: a, KEEP: b}\n    dns: [a, b]\n",
        );
        r.apply(&mut base);
        let a = base.get("services").and_then(|s| s.get("a")).unwrap();
        let env = a.get("environment").and_then(Node::as_map).unwrap();
        assert_eq!(env.keys().collect::<Vec<_>>(), ["KEEP"]);
        assert_eq!(a.get("dns").and_then(Node::as_seq).map(Vec::len), Some(2));
        assert!(a.get("image").is_some());
    }

    #[test]
    fn apply_under_targets_one_service() {
        let mut d = doc("services:\n  a:\n    volumes: !reset []\n  b:\n    command: !reset\n");
        let r = ResetPaths::take(&mut d);
        let mut base = doc("volumes: [x]\ncommand: echo\n");
        r.apply_under(&["services", "a"], &mut base);
        assert!(base.get("volumes").is_none());
        assert!(base.get("command").is_some());
    }
}
