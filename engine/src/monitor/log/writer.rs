//! The monitor's side: turns the container's stdout/stderr bytes into json-file lines and
//! rotates the file by size. Lines are cut at newlines; a line longer than [`MAX_LINE`] or
//! left unfinished when its stream ends is written as a partial entry (no `\n` in `log`),
//! like docker, so readers that concatenate `log` values get the exact output back.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{LogEntry, LogError, Stream};

/// Docker's copier buffer: longer lines are split into partial entries of this size.
pub const MAX_LINE: usize = 16 * 1024;

/// Rotation settings (`--log-opt max-size=10m --log-opt max-file=3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// Rotate once the file would grow past this many bytes; `None` never rotates.
    pub max_size: Option<u64>,
    /// How many files to keep, the current one included (docker's default 1 truncates).
    pub max_file: u32,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            max_size: None,
            max_file: 1,
        }
    }
}

/// Parses docker's sizes: `1024`, `100k`, `10m`, `1g` (also `kb`, `mb`, `gb`), 1024-based.
pub fn parse_size(s: &str) -> Result<u64, LogError> {
    let bad = || LogError::InvalidSize(s.to_string());
    let lower = s.trim().to_ascii_lowercase();
    let digits = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let n: u64 = lower[..digits].parse().map_err(|_| bad())?;
    let mult: u64 = match &lower[digits..] {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).filter(|&v| v > 0).ok_or_else(bad)
}

/// Appends to one container log; reopening an existing log continues it (restarts).
#[derive(Debug)]
pub struct LogWriter {
    path: PathBuf,
    options: LogOptions,
    file: File,
    size: u64,
    pending: [Vec<u8>; 2],
}

impl LogWriter {
    /// Opens `path` for appending, creating it if needed.
    pub fn open(path: &Path, options: LogOptions) -> Result<LogWriter, LogError> {
        let file = append(path)?;
        let size = file
            .metadata()
            .map_err(|e| LogError::io("stat", path, e))?
            .len();
        Ok(LogWriter {
            path: path.to_path_buf(),
            options,
            file,
            size,
            pending: [Vec::new(), Vec::new()],
        })
    }

    /// Logs `data` read from `stream` at `now`; an unfinished last line waits for more.
    pub fn write(
        &mut self,
        stream: Stream,
        data: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), LogError> {
        let idx = stream.index();
        let mut buf = std::mem::take(&mut self.pending[idx]);
        buf.extend_from_slice(data);
        let mut start = 0;
        while let Some(nl) = buf[start..].iter().position(|&b| b == b'\n') {
            let end = start + nl + 1;
            self.write_chunks(stream, &buf[start..end], now)?;
            start = end;
        }
        let rest = &buf[start..];
        let full = rest.len() - rest.len() % MAX_LINE;
        self.write_chunks(stream, &rest[..full], now)?;
        self.pending[idx] = rest[full..].to_vec();
        Ok(())
    }

    /// Writes what is left of an unfinished line of `stream` as a partial entry (call when
    /// the stream ends).
    pub fn flush_partial(&mut self, stream: Stream, now: DateTime<Utc>) -> Result<(), LogError> {
        let rest = std::mem::take(&mut self.pending[stream.index()]);
        self.write_chunks(stream, &rest, now)
    }

    fn write_chunks(
        &mut self,
        stream: Stream,
        line: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), LogError> {
        for chunk in line.chunks(MAX_LINE) {
            self.write_entry(&LogEntry::new(stream, chunk, now))?;
        }
        Ok(())
    }

    /// Appends one entry, rotating first if it would not fit.
    pub fn write_entry(&mut self, entry: &LogEntry) -> Result<(), LogError> {
        let mut line =
            serde_json::to_vec(entry).map_err(|e| LogError::io("encode", &self.path, e.into()))?;
        line.push(b'\n');
        if let Some(max) = self.options.max_size {
            if self.size > 0 && self.size + line.len() as u64 > max {
                self.rotate()?;
            }
        }
        self.file
            .write_all(&line)
            .map_err(|e| LogError::io("write", &self.path, e))?;
        self.size += line.len() as u64;
        Ok(())
    }

    /// Shifts `log.N` to `log.N+1` (dropping the oldest) and starts an empty `log`.
    fn rotate(&mut self) -> Result<(), LogError> {
        let keep = self.options.max_file.max(1);
        if keep == 1 {
            self.file
                .set_len(0)
                .map_err(|e| LogError::io("truncate", &self.path, e))?;
            self.size = 0;
            return Ok(());
        }
        let numbered = |n: u32| rotated(&self.path, n);
        remove_if_exists(&numbered(keep - 1))?;
        for n in (1..keep - 1).rev() {
            rename_if_exists(&numbered(n), &numbered(n + 1))?;
        }
        rename_if_exists(&self.path, &numbered(1))?;
        self.file = append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

/// `<path>.<n>`: the n-th newest rotated file.
pub(crate) fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

fn append(path: &Path) -> Result<File, LogError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| LogError::io("open", path, e))
}

fn remove_if_exists(path: &Path) -> Result<(), LogError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(LogError::io("remove", path, e)),
        _ => Ok(()),
    }
}

fn rename_if_exists(from: &Path, to: &Path) -> Result<(), LogError> {
    match fs::rename(from, to) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(LogError::io("rotate", from, e)),
        _ => Ok(()),
    }
}
