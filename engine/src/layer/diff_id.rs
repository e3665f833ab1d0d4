//! The diff_id: the sha256 of a layer's uncompressed tar, computed while the tar streams
//! into the unpacker so that the blob is read once. Image configs list diff_ids in
//! `rootfs.diff_ids`; a mismatch means a corrupt blob or a lying config.

use crate::digest::DigestWriter;
use crate::Digest;
use std::io::{self, Read, Sink, Write};

/// A reader that hashes and counts everything read through it.
pub struct HashingReader<R> {
    inner: R,
    hash: DigestWriter<Sink>,
}

impl<R: Read> HashingReader<R> {
    /// Wraps a reader of the uncompressed tar.
    pub fn new(inner: R) -> HashingReader<R> {
        HashingReader {
            inner,
            hash: DigestWriter::new(io::sink()),
        }
    }

    /// Reads whatever is left (tar padding after the end-of-archive blocks is part of the
    /// diff_id), then returns the digest and the number of bytes read in all.
    pub fn finish(mut self) -> io::Result<(Digest, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        let (digest, size, _) = self.hash.finish();
        Ok((digest, size))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.write_all(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn hashes_what_was_read_and_the_rest() {
        let data = b"0123456789".repeat(1000);
        let mut r = HashingReader::new(Cursor::new(data.clone()));
        let mut first = [0u8; 100];
        r.read_exact(&mut first).unwrap();
        let (digest, size) = r.finish().unwrap();
        assert_eq!(size, data.len() as u64);
        assert_eq!(digest, Digest::of(&data));
    }
}
