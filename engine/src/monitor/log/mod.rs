//! The container log in docker's json-file format: one JSON object per line,
//! `{"log":"hello\n","stream":"stdout","time":"2024-01-02T03:04:05.123456789Z"}`, in
//! `<name>`, rotated by size into `<name>.1` … `<name>.<max-file - 1>` (oldest last).
//!
//! [`LogWriter`] is used by the monitor; [`read_log`] and [`Follower`] by `logs`
//! (`--tail`, `--since`, `-t`, `-f`), and they survive rotation and a restarted container
//! appending to the same file.

mod entry;
mod error;
mod follow;
mod reader;
mod writer;

pub use entry::{format_line, LogEntry, Stream};
pub use error::LogError;
pub use follow::Follower;
pub use reader::{log_files, parse_since, read_log, ReadOptions};
pub use writer::{parse_size, LogOptions, LogWriter, MAX_LINE};
