//! The one error type of the log module.

use std::path::PathBuf;

/// Why writing or reading a container log failed.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// A log file could not be opened, written, renamed or read.
    #[error("{action} log file {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `--log-opt max-size` is not a size like `10m`.
    #[error(
        "invalid log size {0:?}: expected a number with an optional unit k, m or g (like 10m)"
    )]
    InvalidSize(String),
    /// `--since` is neither RFC 3339, a unix time nor a duration like `10m`.
    #[error("invalid --since value {0:?}: expected RFC 3339 (2024-01-02T03:04:05Z), a unix time or a duration like 10m")]
    InvalidSince(String),
}

impl LogError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        LogError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
