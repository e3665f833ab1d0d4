//! `extends`: a service inherits another service's definition (to be written).

use crate::error::Result;
use crate::loader::FileContext;
use crate::node::Node;

/// Resolves every service's `extends` in one file's document.
pub fn apply_extends(_doc: &mut Node, _ctx: &FileContext) -> Result<()> {
    Ok(())
}
