//! The loader's error type.
//!
//! Every loading stage fails with a [`LoadError`]: what kind of problem it is (so callers and
//! tests can match on it), a message worded like compose's own (so users and scripts that grep
//! for docker compose's messages keep working), and where in which file it happened.

use crate::node::Mark;
use std::fmt;

/// Which stage or rule rejected the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A file could not be read or found.
    Io,
    /// The YAML itself is malformed (syntax, anchors, merge keys, duplicate keys).
    Yaml,
    /// A `${...}` expression is malformed or a required variable is missing.
    Interpolation,
    /// A `.env` or `env_file` file is malformed.
    Env,
    /// The file does not fit the Compose schema (unknown key, wrong type, bad enum value).
    Schema,
    /// A short syntax (port, volume, duration, size...) cannot be parsed.
    Format,
    /// References between services and resources are inconsistent.
    Consistency,
    /// `extends` or `include` cannot be resolved.
    Reference,
    /// The project name is invalid.
    ProjectName,
    /// The dependency graph has a cycle.
    Cycle,
}

/// A loading error with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The kind of problem.
    pub kind: ErrorKind,
    /// What is wrong, in compose's wording where compose has one.
    pub message: String,
    /// Where it is (may be synthetic when the problem has no single place).
    pub mark: Mark,
}

impl LoadError {
    /// An error at a place in a file.
    pub fn new(kind: ErrorKind, mark: &Mark, message: impl Into<String>) -> LoadError {
        LoadError {
            kind,
            message: message.into(),
            mark: mark.clone(),
        }
    }

    /// An error that has no single place.
    pub fn nowhere(kind: ErrorKind, message: impl Into<String>) -> LoadError {
        LoadError::new(kind, &Mark::synthetic(), message)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mark.is_known() {
            write!(f, "{}: {}", self.mark, self.message)
        } else if !self.mark.file.is_empty() {
            write!(f, "{}: {}", self.mark.file, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for LoadError {}

/// Shorthand for loader results.
pub type Result<T, E = LoadError> = std::result::Result<T, E>;
