//! Profiles: which services are enabled (to be written).

use crate::error::Result;
use crate::node::Node;

/// Keeps the services enabled by `profiles` and drops the others (and unused resources).
pub fn apply_profiles(_doc: &mut Node, _profiles: &[String]) -> Result<()> {
    Ok(())
}
