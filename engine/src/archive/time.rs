//! Timestamps in the RFC 3339 form image configs use.

/// Now, as docker writes `created` (RFC 3339 with nanoseconds, UTC).
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_parses_back() {
        let s = super::now_rfc3339();
        assert!(s.ends_with('Z'));
        assert!(chrono::DateTime::parse_from_rfc3339(&s).is_ok());
    }
}
