//! Short random ids: the names of layer links (`image/l/<id>`) and of temporary directories.
//!
//! A link id stands in for a 64-hex chain id in overlay mount options, so it must be short
//! and still never collide: 26 characters of base32 carry 130 random bits, as docker's
//! overlay2 uses.

use super::LayerError;

/// Length of a link id, as in docker's overlay2 (26 base32 characters, 130 bits).
pub const LINK_ID_LEN: usize = 26;
const LINK_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// `len` random characters of the base32 alphabet.
pub(crate) fn random_id(len: usize) -> Result<String, LayerError> {
    let mut bytes = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        let n =
            rustix::rand::getrandom(&mut bytes[filled..], rustix::rand::GetRandomFlags::empty())
                .map_err(|e| LayerError::io("read random bytes for", "a link id", e.into()))?;
        filled += n;
    }
    Ok(bytes
        .iter()
        .map(|b| char::from(LINK_ALPHABET[usize::from(b % 32)]))
        .collect())
}

pub(crate) fn is_link_id(s: &str) -> bool {
    s.len() == LINK_ID_LEN && s.bytes().all(|b| LINK_ALPHABET.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_ids_are_26_base32_characters_and_differ() {
        let a = random_id(LINK_ID_LEN).unwrap();
        let b = random_id(LINK_ID_LEN).unwrap();
        assert!(is_link_id(&a), "{a}");
        assert_ne!(a, b);
        assert!(!is_link_id("short"));
        assert!(!is_link_id(&"a".repeat(LINK_ID_LEN)));
    }
}
