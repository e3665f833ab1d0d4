//! Merging several Compose files (and `extends` bases) into one tree (to be completed).

use crate::error::Result;
use crate::node::{Node, Value};

/// Merges `over` into `base` following the Compose merge rules.
pub fn merge(base: Node, over: Node) -> Result<Node> {
    Ok(match (base.value, over.value) {
        (Value::Map(mut b), Value::Map(o)) => {
            for (k, v) in o {
                let merged = match b.shift_remove(&k) {
                    Some(prev) => merge(prev, v)?,
                    None => v,
                };
                b.insert(k, merged);
            }
            Node { value: Value::Map(b), ..over_meta(&base.mark, over.mark, over.key_mark, over.tag) }
        }
        (_, v) => Node { value: v, mark: over.mark, key_mark: over.key_mark, tag: over.tag },
    })
}

fn over_meta(_b: &crate::node::Mark, mark: crate::node::Mark, key_mark: crate::node::Mark, tag: crate::node::Tag) -> Node {
    Node { value: Value::Null, mark, key_mark, tag }
}

/// Removes duplicates that merging can create (ports, volumes, ... with the same unique key).
pub fn enforce_unicity(_doc: &mut Node) -> Result<()> {
    Ok(())
}
