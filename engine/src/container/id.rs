//! Container ids (64 random hex digits, like docker) and names (docker's rule, or a random
//! `adjective_surname` when none is given).

use super::{names, ContainerError};

/// 32 random bytes from the kernel, as 64 lowercase hex digits.
pub fn random_container_id() -> Result<String, ContainerError> {
    let bytes = random_bytes::<32>()?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// True for 64 lowercase hex digits (a store folder name).
pub fn is_container_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks docker's name rule `[a-zA-Z0-9][a-zA-Z0-9_.-]+` and returns the name without the
/// leading `/` docker accepts.
pub fn validate_name(name: &str) -> Result<&str, ContainerError> {
    let n = name.strip_prefix('/').unwrap_or(name);
    let mut bytes = n.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric());
    let rest_ok =
        n.len() >= 2 && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if first_ok && rest_ok {
        Ok(n)
    } else {
        Err(ContainerError::InvalidName(name.to_string()))
    }
}

/// A random `adjective_surname` name; `attempt` > 0 appends a digit as docker does on retry.
pub fn random_name(attempt: u32) -> Result<String, ContainerError> {
    let r = random_bytes::<4>()?;
    let a =
        names::ADJECTIVES[usize::from(u16::from_le_bytes([r[0], r[1]])) % names::ADJECTIVES.len()];
    let s = names::SURNAMES[usize::from(u16::from_le_bytes([r[2], r[3]])) % names::SURNAMES.len()];
    Ok(if attempt > 0 {
        format!("{a}_{s}{}", r[0] % 10)
    } else {
        format!("{a}_{s}")
    })
}

fn random_bytes<const N: usize>() -> Result<[u8; N], ContainerError> {
    let mut buf = [0u8; N];
    let mut filled = 0;
    while filled < N {
        filled +=
            rustix::rand::getrandom(&mut buf[filled..], rustix::rand::GetRandomFlags::empty())
                .map_err(|e| ContainerError::Random(e.into()))?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_64_hex_and_differ() {
        let a = random_container_id().unwrap();
        let b = random_container_id().unwrap();
        assert!(is_container_id(&a), "{a}");
        assert_ne!(a, b);
        assert!(!is_container_id(&a[..63]));
        assert!(!is_container_id(&a.to_uppercase()));
    }

    #[test]
    fn names_follow_docker_rule() {
        assert_eq!(validate_name("/web-1").unwrap(), "web-1");
        assert_eq!(validate_name("a.b_c").unwrap(), "a.b_c");
        for bad in ["", "a", "-web", "_x", "we b", "wéb", "/"] {
            let err = validate_name(bad).unwrap_err().to_string();
            assert!(
                err.contains("only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn random_names_are_valid_adjective_surname() {
        for attempt in 0..20 {
            let n = random_name(attempt).unwrap();
            assert!(validate_name(&n).is_ok(), "{n}");
            let (adj, _) = n.split_once('_').unwrap();
            assert!(names::ADJECTIVES.contains(&adj), "{n}");
        }
    }
}
