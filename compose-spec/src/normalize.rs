//! Normalisation: default network, resource names, implicit dependencies (to be written).

use crate::discovery::Environment;
use crate::error::Result;
use crate::node::Node;

/// Applies compose's normalisation to a merged, canonical document whose `name` is set.
pub fn normalize(_doc: &mut Node, _env: &Environment) -> Result<()> {
    Ok(())
}
