//! The model as `docker compose config --format json` prints it (to be written).

use crate::node::Node;

/// Converts the final canonical tree into compose's JSON model.
pub fn to_json(doc: &Node) -> serde_json::Value {
    doc.to_json()
}
