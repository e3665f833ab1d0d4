//! GNU sparse files in PAX archives (`tar --format=posix --sparse`), formats 0.1 and 1.0.
//!
//! The tar crate expands the old GNU sparse headers itself, but not the PAX variants: there
//! the header holds a made-up name (`./GNUSparseFile.0/x`), the real name and size are PAX
//! records, and the data is only the non-hole segments, with the segment map either in a PAX
//! record (0.1) or in front of the data (1.0). Go's archive/tar, and so docker, reads both;
//! so does tug. The holes stay holes on disk.

use super::LayerError;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use tar::Entry;

/// A PAX sparse entry's real name, size and (for 0.1) segment map.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PaxSparse {
    /// `GNU.sparse.name`: the file's real path.
    pub name: Option<Vec<u8>>,
    /// The file's real size.
    pub real_size: u64,
    /// `(offset, length)` segments; `None` when they lead the data (format 1.0).
    pub map: Option<Vec<(u64, u64)>>,
}

/// Reads the PAX sparse records of `entry`, if it is such an entry.
pub(crate) fn pax_sparse<R: Read>(
    entry: &mut Entry<'_, R>,
    shown: &str,
) -> Result<Option<PaxSparse>, LayerError> {
    let bad = |why: String| LayerError::Header {
        entry: shown.to_string(),
        field: "GNU.sparse",
        source: io::Error::new(io::ErrorKind::InvalidData, why),
    };
    let Some(pax) = entry.pax_extensions().map_err(LayerError::Read)? else {
        return Ok(None);
    };
    let (mut major, mut minor, mut name, mut size, mut map) = (None, None, None, None, None);
    let mut old_style = false;
    for record in pax {
        let record = record.map_err(LayerError::Read)?;
        let value = || String::from_utf8_lossy(record.value_bytes()).into_owned();
        match record.key_bytes() {
            b"GNU.sparse.major" => major = Some(value()),
            b"GNU.sparse.minor" => minor = Some(value()),
            b"GNU.sparse.name" => name = Some(record.value_bytes().to_vec()),
            b"GNU.sparse.realsize" | b"GNU.sparse.size" => size = Some(value()),
            b"GNU.sparse.map" => map = Some(value()),
            b"GNU.sparse.offset" | b"GNU.sparse.numbytes" => old_style = true,
            _ => {}
        }
    }
    if old_style {
        return Err(bad("PAX sparse format 0.0 is not supported".into()));
    }
    if major.is_none() && map.is_none() {
        return Ok(None);
    }
    let real_size = size
        .ok_or_else(|| bad("no real size".into()))?
        .parse::<u64>()
        .map_err(|e| bad(format!("real size: {e}")))?;
    let map = match (major.as_deref(), minor.as_deref()) {
        (Some("1"), Some("0")) => None,
        (None | Some("0"), _) => {
            let map = map.ok_or_else(|| bad("no GNU.sparse.map".into()))?;
            Some(parse_map(map.split(',')).map_err(bad)?)
        }
        (major, minor) => {
            return Err(bad(format!(
                "unknown sparse format {}.{}",
                major.unwrap_or("?"),
                minor.unwrap_or("?")
            )))
        }
    };
    Ok(Some(PaxSparse {
        name,
        real_size,
        map,
    }))
}

fn parse_map<'a>(mut nums: impl Iterator<Item = &'a str>) -> Result<Vec<(u64, u64)>, String> {
    let mut out = Vec::new();
    while let Some(off) = nums.next() {
        let len = nums.next().ok_or("odd number of map values")?;
        let off = off.trim().parse::<u64>().map_err(|e| format!("map: {e}"))?;
        let len = len.trim().parse::<u64>().map_err(|e| format!("map: {e}"))?;
        out.push((off, len));
    }
    Ok(out)
}

/// Writes the sparse entry's segments into `file` at their offsets and sizes it; returns the
/// bytes of data written.
pub(crate) fn write_sparse<R: Read>(
    entry: &mut R,
    file: &File,
    sparse: &PaxSparse,
    buf: &mut [u8],
) -> io::Result<u64> {
    let map = match &sparse.map {
        Some(map) => map.clone(),
        None => read_leading_map(entry)?,
    };
    let mut written = 0;
    for (offset, len) in map {
        let end = offset.checked_add(len).filter(|e| *e <= sparse.real_size);
        if end.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "sparse segment {offset}+{len} beyond the real size {}",
                    sparse.real_size
                ),
            ));
        }
        let mut left = len;
        let mut at = offset;
        while left > 0 {
            let want = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
            entry.read_exact(&mut buf[..want])?;
            file.write_all_at(&buf[..want], at)?;
            at += want as u64;
            left -= want as u64;
            written += want as u64;
        }
    }
    file.set_len(sparse.real_size)?;
    Ok(written)
}

/// Format 1.0: decimal numbers, one per line (the count, then offset/length pairs), padded
/// to a 512-byte block.
fn read_leading_map<R: Read>(r: &mut R) -> io::Result<Vec<(u64, u64)>> {
    let mut consumed = 0u64;
    let mut line = || -> io::Result<u64> {
        let mut digits = String::new();
        let mut byte = [0u8];
        loop {
            r.read_exact(&mut byte)?;
            consumed += 1;
            match byte[0] {
                b'\n' => break,
                b @ b'0'..=b'9' if digits.len() < 20 => digits.push(char::from(b)),
                _ => return Err(invalid("bad sparse map")),
            }
        }
        digits.parse().map_err(|_| invalid("bad sparse map number"))
    };
    let count = line()?;
    let mut map = Vec::new();
    for _ in 0..count {
        let off = line()?;
        let len = line()?;
        map.push((off, len));
    }
    let pad = (512 - consumed % 512) % 512;
    io::copy(&mut r.take(pad), &mut io::sink())?;
    Ok(map)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_a_1_0_map_and_skips_its_padding() {
        let mut data = b"2\n0\n3\n4096\n2\n".to_vec();
        data.resize(512, 0);
        data.extend_from_slice(b"abcde");
        let mut r = Cursor::new(data);
        assert_eq!(read_leading_map(&mut r).unwrap(), [(0, 3), (4096, 2)]);
        assert_eq!(r.position(), 512);
    }

    #[test]
    fn rejects_garbage_maps() {
        assert!(read_leading_map(&mut Cursor::new(b"x\n".to_vec())).is_err());
        assert!(parse_map("1,2,3".split(',')).is_err());
        assert_eq!(parse_map("1,2,3,4".split(',')).unwrap(), [(1, 2), (3, 4)]);
    }

    #[test]
    fn writes_segments_at_their_offsets_with_holes_between() {
        let tmp = tempfile::tempfile().unwrap();
        let sparse = PaxSparse {
            name: None,
            real_size: 10_000,
            map: Some(vec![(0, 3), (8000, 2)]),
        };
        let mut data = Cursor::new(b"abcde".to_vec());
        let n = write_sparse(&mut data, &tmp, &sparse, &mut [0u8; 4]).unwrap();
        assert_eq!(n, 5);
        let mut back = Vec::new();
        (&tmp).read_to_end(&mut back).unwrap();
        assert_eq!(back.len(), 10_000);
        assert_eq!(&back[..3], b"abc");
        assert_eq!(&back[8000..8002], b"de");
        assert!(back[3..8000].iter().all(|b| *b == 0));
    }

    #[test]
    fn segments_beyond_the_real_size_are_refused() {
        let tmp = tempfile::tempfile().unwrap();
        let sparse = PaxSparse {
            name: None,
            real_size: 10,
            map: Some(vec![(8, 5)]),
        };
        let err = write_sparse(&mut Cursor::new(vec![0; 5]), &tmp, &sparse, &mut [0; 8]);
        assert!(err.is_err());
    }
}
