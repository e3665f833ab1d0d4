//! Blobs: content-addressed files, written through a temp file and verified before they
//! appear under their digest.

use super::temp::TempFile;
use super::{Store, StoreError};
use crate::digest::{Digest, DigestWriter};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::PathBuf;

/// Copy buffer size for streaming blobs in.
const COPY_BUF: usize = 256 * 1024;

impl Store {
    /// Whether the blob is stored (complete and verified: partial blobs never have this name).
    pub fn has_blob(&self, d: &Digest) -> bool {
        self.blob_path(d).is_file()
    }

    /// Where the blob lives. For reading only: the store owns the file.
    pub fn blob_path(&self, d: &Digest) -> PathBuf {
        self.blobs_dir().join(d.hex())
    }

    /// Opens a stored blob for reading.
    pub fn open_blob(&self, d: &Digest) -> Result<File, StoreError> {
        let p = self.blob_path(d);
        File::open(&p).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::BlobNotFound(d.clone()),
            _ => StoreError::io("open", &p, &d.to_string(), e),
        })
    }

    /// Reads a whole stored blob (for manifests and configs, which are small).
    pub fn read_blob(&self, d: &Digest) -> Result<Vec<u8>, StoreError> {
        let p = self.blob_path(d);
        fs::read(&p).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::BlobNotFound(d.clone()),
            _ => StoreError::io("read", &p, &d.to_string(), e),
        })
    }

    /// The size of a stored blob.
    pub fn blob_size(&self, d: &Digest) -> Result<u64, StoreError> {
        let p = self.blob_path(d);
        fs::metadata(&p)
            .map(|m| m.len())
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => StoreError::BlobNotFound(d.clone()),
                _ => StoreError::io("stat", &p, &d.to_string(), e),
            })
    }

    /// Streams into a temp file under the store, verifies digest (and size when known), then
    /// renames into place atomically; a failure leaves nothing behind. Without an expected
    /// digest the content is stored under whatever it hashes to. When the expected blob is
    /// already stored, the reader is not consumed and the stored size is returned.
    pub fn write_blob(
        &self,
        expected: Option<&Digest>,
        size: Option<u64>,
        r: &mut dyn Read,
    ) -> Result<(Digest, u64), StoreError> {
        if let Some(d) = expected {
            if self.has_blob(d) {
                return Ok((d.clone(), self.blob_size(d)?));
            }
        }
        let what = expected.map_or_else(|| "a new blob".to_string(), |d| format!("blob {d}"));
        let mut w = self.new_writer(expected.cloned(), size, what.clone())?;
        let mut buf = vec![0u8; COPY_BUF];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(StoreError::Source { what, source }),
            };
            w.write_chunk(&buf[..n])?;
        }
        w.finish()
    }

    /// A writer for a blob whose digest is known in advance (a registry download). Write the
    /// content, then call [`BlobWriter::commit`]; dropping it without commit removes the temp
    /// file.
    pub fn blob_writer(
        &self,
        expected: &Digest,
        size: Option<u64>,
    ) -> Result<BlobWriter, StoreError> {
        self.new_writer(Some(expected.clone()), size, format!("blob {expected}"))
    }

    /// A writer for new content whose digest is learnt as it is written (an import, a
    /// compression). [`BlobWriter::commit`] stores it under that digest.
    pub fn new_blob(&self) -> Result<BlobWriter, StoreError> {
        self.new_writer(None, None, "a new blob".to_string())
    }

    fn new_writer(
        &self,
        expected: Option<Digest>,
        size: Option<u64>,
        what: String,
    ) -> Result<BlobWriter, StoreError> {
        let tmp = self.tmp_dir();
        let mut temp = TempFile::create(&tmp, "blob")
            .map_err(|e| StoreError::io("create temp file in", &tmp, &what, e))?;
        let handle = temp
            .file()
            .and_then(|f| f.try_clone())
            .map_err(|e| StoreError::io("open", &tmp, &what, e))?;
        Ok(BlobWriter {
            store: self.clone(),
            temp,
            out: DigestWriter::new(io::BufWriter::with_capacity(COPY_BUF, handle)),
            written: 0,
            expected,
            size,
            what,
        })
    }
}

/// A blob being written: hashes as it goes, refuses more bytes than announced, and appears
/// in the store only on a successful [`BlobWriter::commit`].
pub struct BlobWriter {
    store: Store,
    temp: TempFile,
    out: DigestWriter<io::BufWriter<File>>,
    written: u64,
    expected: Option<Digest>,
    size: Option<u64>,
    what: String,
}

impl BlobWriter {
    fn write_chunk(&mut self, buf: &[u8]) -> Result<(), StoreError> {
        self.write_all(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidData {
                return StoreError::SizeMismatch {
                    digest: self.what.clone(),
                    expected: self.size.unwrap_or(0),
                    actual: self.written + buf.len() as u64,
                };
            }
            StoreError::io("write", self.temp.path(), &self.what, e)
        })
    }

    /// Checks size and digest and moves the blob into place. Returns its digest and size.
    pub fn commit(self) -> Result<(Digest, u64), StoreError> {
        self.finish()
    }

    fn finish(self) -> Result<(Digest, u64), StoreError> {
        let BlobWriter {
            store,
            temp,
            out,
            written: _,
            expected,
            size,
            what,
        } = self;
        let (digest, written, buffered) = out.finish();
        buffered
            .into_inner()
            .map_err(|e| StoreError::io("write", temp.path(), &what, e.into_error()))?;
        if let Some(want) = size {
            if written != want {
                return Err(StoreError::SizeMismatch {
                    digest: what,
                    expected: want,
                    actual: written,
                });
            }
        }
        if let Some(want) = expected {
            if want != digest {
                return Err(StoreError::DigestMismatch {
                    expected: want,
                    actual: digest,
                });
            }
        }
        let dest = store.blob_path(&digest);
        temp.persist(&dest)
            .map_err(|e| StoreError::io("store", &dest, &what, e))?;
        Ok((digest, written))
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(limit) = self.size {
            if self.written + buf.len() as u64 > limit {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is larger than its declared {limit} bytes", self.what),
                ));
            }
        }
        let n = self.out.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
