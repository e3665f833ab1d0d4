//! Recognising and undoing a layer blob's compression while it streams.
//!
//! The first bytes decide (gzip `1f 8b`, zstd `28 b5 2f fd`, else a plain tar), as docker does:
//! media types are often wrong in the wild (docker-archive layers labelled gzip but stored
//! plain), while the magic bytes cannot lie. bzip2 and xz, which docker also reads for
//! `docker import`, are recognised only to be refused with a clear message.

use super::LayerError;
use crate::image::media_type::{sniff_compression, Compression};
use flate2::read::MultiGzDecoder;
use std::io::{self, Cursor, Read};

/// How many leading bytes are enough to recognise every format.
const MAGIC_LEN: usize = 6;

/// Wraps `reader` in the decoder its first bytes call for, returning which one it was.
pub fn decompress<'a, R: Read + 'a>(
    mut reader: R,
) -> Result<(Compression, Box<dyn Read + 'a>), LayerError> {
    let mut head = [0u8; MAGIC_LEN];
    let mut filled = 0;
    while filled < MAGIC_LEN {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LayerError::Read(e)),
        }
    }
    let head = &head[..filled];
    if head.starts_with(b"BZh") {
        return Err(LayerError::UnsupportedCompression("bzip2"));
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Err(LayerError::UnsupportedCompression("xz"));
    }
    let compression = sniff_compression(head);
    let whole = Cursor::new(head.to_vec()).chain(reader);
    let decoded: Box<dyn Read + 'a> = match compression {
        Compression::None => Box::new(whole),
        // Multi-member: `gzip` concatenations are valid layers and Go's reader accepts them.
        Compression::Gzip => Box::new(MultiGzDecoder::new(whole)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::new(whole).map_err(LayerError::Read)?)
        }
    };
    Ok((compression, decoded))
}

/// A short name for logs and stats.
pub fn name(c: Compression) -> &'static str {
    match c {
        Compression::None => "tar",
        Compression::Gzip => "tar+gzip",
        Compression::Zstd => "tar+zstd",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn roundtrip(data: &[u8], compressed: Vec<u8>, want: Compression) {
        let (c, mut r) = decompress(Cursor::new(compressed)).unwrap();
        assert_eq!(c, want);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn detects_and_decodes_each_format() {
        let data = b"ustar-ish payload that is long enough to matter".repeat(50);
        roundtrip(&data, data.clone(), Compression::None);

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        roundtrip(&data, gz.finish().unwrap(), Compression::Gzip);

        let zst = zstd::stream::encode_all(Cursor::new(&data), 3).unwrap();
        roundtrip(&data, zst, Compression::Zstd);
    }

    #[test]
    fn gzip_members_are_concatenated() {
        let mut all = Vec::new();
        for part in [&b"first "[..], b"second"] {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(part).unwrap();
            all.extend(gz.finish().unwrap());
        }
        roundtrip(b"first second", all, Compression::Gzip);
    }

    #[test]
    fn short_and_empty_streams_are_plain() {
        roundtrip(b"ab", b"ab".to_vec(), Compression::None);
        roundtrip(b"", Vec::new(), Compression::None);
    }

    #[test]
    fn bzip2_and_xz_are_refused_by_name() {
        let err = decompress(Cursor::new(b"BZh91AY&SY".to_vec()))
            .err()
            .unwrap();
        assert!(err.to_string().contains("bzip2"), "{err}");
        let err = decompress(Cursor::new(b"\xfd7zXZ\0rest".to_vec()))
            .err()
            .unwrap();
        assert!(err.to_string().contains("xz"), "{err}");
    }
}
