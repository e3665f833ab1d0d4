//! `logs -f`: polls the log file for new entries. It keeps its open handle, so a rotation
//! (the file renamed to `.1`) loses nothing: the old handle is drained, then the new file is
//! opened from its start. A truncated file (max-file 1) is read again from its start, and a
//! restarted container simply appends to the same file.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::reader::read_complete_lines;
use super::{LogEntry, LogError};

/// A reader that continues a log where the last read stopped.
#[derive(Debug)]
pub struct Follower {
    path: PathBuf,
    file: Option<File>,
    ino: Option<u64>,
    offset: u64,
}

impl Follower {
    pub(crate) fn resume(path: &Path, file: Option<File>, ino: Option<u64>, offset: u64) -> Self {
        Follower {
            path: path.to_path_buf(),
            file,
            ino,
            offset,
        }
    }

    /// The entries written since the last call (or since the read that made this follower).
    /// The caller sleeps between polls and stops when the container is gone for good.
    pub fn poll(&mut self) -> Result<Vec<LogEntry>, LogError> {
        let mut out = Vec::new();
        if let Some(f) = self.file.as_ref() {
            let len = f
                .metadata()
                .map_err(|e| LogError::io("stat", &self.path, e))?
                .len();
            if len < self.offset {
                self.offset = 0;
            }
            out.extend(read_complete_lines(f, &self.path, &mut self.offset)?);
        }
        let now_ino = std::fs::metadata(&self.path).ok().map(|m| m.ino());
        if now_ino.is_some() && now_ino != self.ino {
            let f = match File::open(&self.path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
                Err(e) => return Err(LogError::io("open", &self.path, e)),
            };
            self.ino = Some(
                f.metadata()
                    .map_err(|e| LogError::io("stat", &self.path, e))?
                    .ino(),
            );
            self.offset = 0;
            out.extend(read_complete_lines(&f, &self.path, &mut self.offset)?);
            self.file = Some(f);
        }
        Ok(out)
    }
}
