//! Reading `/proc/self/mountinfo`, to tell whether a snapshot is mounted without keeping any
//! state of our own (tug has no daemon; a later command must find out from the kernel).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

/// The mount points listed in a mountinfo table (field 5 of each line), unescaped.
pub fn mount_points(table: &str) -> impl Iterator<Item = PathBuf> + '_ {
    table
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(unescape)
}

/// The kernel writes space, tab, newline and backslash in paths as `\040`, `\011`, `\012`
/// and `\134`.
fn unescape(field: &str) -> PathBuf {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b));
        if bytes[i] == b'\\' && octal {
            let v = bytes[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    PathBuf::from(OsString::from_vec(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mount_points_and_unescapes_them() {
        let table = "\
22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw
97 22 0:50 / /var/lib/tug/containers/a\\040b/merged rw - overlay overlay rw,lowerdir=l/X
";
        let points: Vec<PathBuf> = mount_points(table).collect();
        assert_eq!(
            points,
            [
                PathBuf::from("/"),
                PathBuf::from("/var/lib/tug/containers/a b/merged")
            ]
        );
    }

    #[test]
    fn a_lone_backslash_stays() {
        assert_eq!(unescape("a\\b\\0"), PathBuf::from("a\\b\\0"));
    }
}
