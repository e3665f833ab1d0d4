//! Short syntaxes to their canonical long form (to be written).

use crate::error::Result;
use crate::node::Node;

/// Rewrites every short syntax of a validated document into its long form.
pub fn canonical(_doc: &mut Node) -> Result<()> {
    Ok(())
}

/// Drops empty values the way compose does after the canonical transform.
pub fn omit_empty(_doc: &mut Node) {}

/// Sets default values that compose fills in before validation (build context, ...).
pub fn set_default_values(_doc: &mut Node) -> Result<()> {
    Ok(())
}
