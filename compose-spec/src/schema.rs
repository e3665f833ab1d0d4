//! Validation against the Compose schema (to be written).

use crate::error::Result;
use crate::node::Node;

/// Rejects non-string keys and a top level that is not a mapping (before interpolation).
pub fn check_document(_doc: &Node) -> Result<()> {
    Ok(())
}

/// Validates a merged document against the Compose Specification schema.
pub fn validate(_doc: &Node) -> Result<()> {
    Ok(())
}
