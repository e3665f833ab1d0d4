//! Decompression of layer blobs and archives, judged by media type or by magic bytes.

use crate::image::media_type::{sniff_compression, Compression};
use std::io::{self, Cursor, Read};

/// A reader that decompresses `r` according to `c`.
pub(crate) fn decoder<'a>(c: Compression, r: impl Read + 'a) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match c {
        Compression::None => Box::new(r),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(r)?),
    })
}

/// Formats docker accepts that tug does not (yet): named so the error is useful.
pub(crate) fn unsupported_format(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"BZh") {
        Some("bzip2")
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else {
        None
    }
}

/// Reads the first bytes of `r` to tell its compression, and returns a reader that yields
/// the decompressed stream from the start, plus what was found.
pub(crate) fn sniffing_decoder<'a>(
    mut r: impl Read + 'a,
) -> io::Result<(Box<dyn Read + 'a>, Compression, Vec<u8>)> {
    let mut head = vec![0u8; 6];
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(n);
    let c = sniff_compression(&head);
    let whole = Cursor::new(head.clone()).chain(r);
    Ok((decoder(c, whole)?, c, head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn sniffing_finds_gzip_and_plain() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"hello world").unwrap();
        let bytes = gz.finish().unwrap();
        let (mut r, c, _) = sniffing_decoder(&bytes[..]).unwrap();
        assert_eq!(c, Compression::Gzip);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello world");

        let (mut r, c, _) = sniffing_decoder(&b"abc"[..]).unwrap();
        assert_eq!(c, Compression::None);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "abc");
        assert_eq!(unsupported_format(b"BZh91AY"), Some("bzip2"));
    }
}
