//! The `logs` side: every file of a log, oldest first, filtered by `--tail` and `--since`,
//! and a [`Follower`] positioned right after what was read, so `-f` misses nothing.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::writer::rotated;
use super::{Follower, LogEntry, LogError};
use crate::monitor::duration::parse_go_duration;

/// `logs` filters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Only the last N entries (`--tail N`); `None` is docker's `all`.
    pub tail: Option<usize>,
    /// Only entries at or after this time (`--since`).
    pub since: Option<DateTime<Utc>>,
}

/// Parses `--since`: RFC 3339, a unix time (`1700000000[.5]`) or a duration before `now`.
pub fn parse_since(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, LogError> {
    let bad = || LogError::InvalidSince(s.to_string());
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(secs) = s.parse::<f64>() {
        let nanos = (secs * 1e9).round();
        if !nanos.is_finite() || nanos < 0.0 || nanos > i64::MAX as f64 {
            return Err(bad());
        }
        return Ok(DateTime::from_timestamp_nanos(nanos as i64));
    }
    let d = parse_go_duration(s).map_err(|_| bad())?;
    let d = chrono::Duration::from_std(d).map_err(|_| bad())?;
    now.checked_sub_signed(d).ok_or_else(bad)
}

/// The files of the log at `path` that exist, oldest first (`path.N` … `path.1`, `path`).
pub fn log_files(path: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = (1..)
        .map(|n| rotated(path, n))
        .take_while(|p| p.exists())
        .collect();
    files.reverse();
    if path.exists() {
        files.push(path.to_path_buf());
    }
    files
}

/// Reads the whole log at `path` with `options`, and returns a follower that continues
/// exactly where this read stopped.
pub fn read_log(path: &Path, options: ReadOptions) -> Result<(Vec<LogEntry>, Follower), LogError> {
    let current = match File::open(path) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(LogError::io("open", path, e)),
    };
    let current_ino = match &current {
        Some(f) => Some(
            f.metadata()
                .map_err(|e| LogError::io("stat", path, e))?
                .ino(),
        ),
        None => None,
    };
    let mut entries = Vec::new();
    for file in log_files(path).iter().filter(|p| p.as_path() != path) {
        // A rotation after we opened `current` may have renamed it to `path.1`.
        if fs::metadata(file).ok().map(|m| m.ino()) == current_ino {
            continue;
        }
        let mut f = File::open(file).map_err(|e| LogError::io("open", file, e))?;
        let mut offset = 0;
        entries.extend(read_complete_lines(&mut f, file, &mut offset)?);
    }
    let mut offset = 0;
    if let Some(f) = current.as_ref() {
        let mut f = f;
        entries.extend(read_complete_lines(&mut f, path, &mut offset)?);
    }
    if let Some(n) = options.tail {
        let skip = entries.len().saturating_sub(n);
        entries.drain(..skip);
    }
    if let Some(since) = options.since {
        entries.retain(|e| e.timestamp().is_some_and(|t| t >= since));
    }
    let follower = Follower::resume(path, current, current_ino, offset);
    Ok((entries, follower))
}

/// Parses the complete lines of `file` from `*offset` on and moves `*offset` past them; a
/// last line without its newline (a write in progress) is left for the next read.
pub(crate) fn read_complete_lines(
    mut file: impl Read + Seek,
    path: &Path,
    offset: &mut u64,
) -> Result<Vec<LogEntry>, LogError> {
    file.seek(SeekFrom::Start(*offset))
        .map_err(|e| LogError::io("seek", path, e))?;
    let mut buf = Vec::new();
    file.read_to_end(&mut buf)
        .map_err(|e| LogError::io("read", path, e))?;
    let Some(last_nl) = buf.iter().rposition(|&b| b == b'\n') else {
        return Ok(Vec::new());
    };
    *offset += last_nl as u64 + 1;
    let mut out = Vec::new();
    for line in buf[..last_nl]
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
    {
        match serde_json::from_slice::<LogEntry>(line) {
            Ok(e) => out.push(e),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "skipping a malformed log line")
            }
        }
    }
    Ok(out)
}
