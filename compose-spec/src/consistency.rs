//! Cross-reference checks on the final model (to be written).

use crate::error::Result;
use crate::node::Node;

/// Checks that every referenced service, network, volume, secret and config exists.
pub fn check(_doc: &Node) -> Result<()> {
    Ok(())
}
