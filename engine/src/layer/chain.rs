//! Chain ids: the identity of a layer *together with everything below it*.
//!
//! Per the OCI image spec, `ChainID(L0) = DiffID(L0)` and
//! `ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln))`, with both digests in their
//! `sha256:<hex>` form. Two images that share a base share its chain ids, so the layer store
//! keys unpacked layers by chain id and each base is unpacked once.

use crate::Digest;

/// The chain id of a layer whose parent chain is `parent` (None for the bottom layer).
pub fn chain_id(parent: Option<&Digest>, diff_id: &Digest) -> Digest {
    match parent {
        None => diff_id.clone(),
        Some(parent) => Digest::of(format!("{parent} {diff_id}").as_bytes()),
    }
}

/// The chain ids of a stack of diff_ids, bottom layer first (the order of `rootfs.diff_ids`).
pub fn chain_ids(diff_ids: &[Digest]) -> Vec<Digest> {
    let mut out: Vec<Digest> = Vec::with_capacity(diff_ids.len());
    for diff_id in diff_ids {
        let next = chain_id(out.last(), diff_id);
        out.push(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bottom_chain_is_the_diff_id_and_upper_ones_hash_the_pair() {
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        let c = Digest::of(b"c");
        let ids = chain_ids(&[a.clone(), b.clone(), c.clone()]);
        assert_eq!(ids[0], a);
        let ab = Digest::of(format!("{a} {b}").as_bytes());
        assert_eq!(ids[1], ab);
        assert_eq!(ids[2], Digest::of(format!("{ab} {c}").as_bytes()));
    }

    #[test]
    fn matches_the_spec_string_form() {
        // Expected value from `printf 'sha256:5bd2… sha256:00…01' | sha256sum`.
        let d0: Digest = "sha256:5bd2b6c7e4e5a4bb1f8b1d4c5f5c3f0e5b5d0b5d1b6e1f2a3b4c5d6e7f8091a2"
            .parse()
            .unwrap();
        let d1: Digest = "sha256:0000000000000000000000000000000000000000000000000000000000000001"
            .parse()
            .unwrap();
        assert_eq!(
            chain_ids(&[d0, d1])[1].hex(),
            "278527e212e6bb0a1bd03e8aecbf4cabac0d8ac3ef8991685d3f1910442bf0be"
        );
    }
}
