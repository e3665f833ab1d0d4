//! `WWW-Authenticate` challenges: how a registry says which credentials it wants.
//!
//! A registry answers an unauthenticated `GET /v2/` with 401 and either
//! `Basic realm="…"` (send the user and password on every request) or
//! `Bearer realm="https://auth…/token",service="…",scope="…"` (trade them, or nothing, for a
//! token at the realm). The header grammar (RFC 7235) allows several challenges in one header
//! and quoted strings with escapes, so it gets a small parser of its own.

use std::collections::BTreeMap;

/// One challenge: the scheme (lower-cased) and its parameters (names lower-cased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// `basic` or `bearer` (or whatever else the server sent).
    pub scheme: String,
    /// `realm`, `service`, `scope`, `error`, …
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// A parameter by (lower-case) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// Parses every challenge in one `WWW-Authenticate` header value. Malformed parts are
/// skipped rather than failing the whole header: the caller decides whether any usable
/// challenge is left.
pub fn parse(header: &str) -> Vec<Challenge> {
    let mut p = Parser {
        s: header.as_bytes(),
        i: 0,
    };
    let mut out: Vec<Challenge> = Vec::new();
    loop {
        p.skip_separators();
        let Some(token) = p.token() else { break };
        p.skip_ws();
        // `token =` starts a parameter of the current challenge; a bare token starts a new one.
        if p.peek() == Some(b'=') {
            p.i += 1;
            p.skip_ws();
            let value = p.value();
            if let Some(last) = out.last_mut() {
                last.params.insert(token.to_ascii_lowercase(), value);
            }
            continue;
        }
        let mut ch = Challenge {
            scheme: token.to_ascii_lowercase(),
            params: BTreeMap::new(),
        };
        // The first parameter follows the scheme after whitespace, not a comma.
        p.skip_ws();
        if let Some(name) = p.token_before_eq() {
            p.skip_ws();
            p.i += 1; // '='
            p.skip_ws();
            let value = p.value();
            ch.params.insert(name.to_ascii_lowercase(), value);
        }
        out.push(ch);
    }
    out
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Option<String> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if is_tchar(c) {
                self.i += 1;
            } else {
                break;
            }
        }
        if self.i == start {
            // Not a token: skip one byte so the loop always advances.
            if self.i < self.s.len() {
                self.i += 1;
                return self.token();
            }
            return None;
        }
        Some(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// A token followed by `=` (a parameter name), leaving the position at the `=`; nothing
    /// is consumed when the next token is not a parameter name.
    fn token_before_eq(&mut self) -> Option<String> {
        let save = self.i;
        let mut j = self.i;
        while j < self.s.len() && is_tchar(self.s[j]) {
            j += 1;
        }
        let name_end = j;
        while j < self.s.len() && matches!(self.s[j], b' ' | b'\t') {
            j += 1;
        }
        if name_end > save && self.s.get(j) == Some(&b'=') {
            let name = String::from_utf8_lossy(&self.s[save..name_end]).into_owned();
            self.i = j;
            return Some(name);
        }
        None
    }

    fn value(&mut self) -> String {
        if self.peek() != Some(b'"') {
            let start = self.i;
            while let Some(c) = self.peek() {
                if is_tchar(c) || c == b'/' || c == b':' {
                    self.i += 1;
                } else {
                    break;
                }
            }
            return String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        }
        self.i += 1;
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    if let Some(n) = self.peek() {
                        out.push(n);
                        self.i += 1;
                    }
                }
                _ => out.push(c),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// RFC 7230 `tchar`, plus `/` and `:` which some servers leave unquoted in realms.
fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_bearer_challenge() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#;
        let c = parse(h);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c[0].param("service"), Some("registry.docker.io"));
        assert_eq!(c[0].param("scope"), Some("repository:library/nginx:pull"));
    }

    #[test]
    fn basic_challenge_and_case() {
        let c = parse(r#"BASIC Realm="Registry Realm""#);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(c[0].param("realm"), Some("Registry Realm"));
    }

    #[test]
    fn several_challenges_escapes_and_unquoted_values() {
        let c = parse(
            r#"Basic realm="a \"quoted\" realm", Bearer realm=https://h/token , service = reg,error="insufficient_scope""#,
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].param("realm"), Some(r#"a "quoted" realm"#));
        assert_eq!(c[1].scheme, "bearer");
        assert_eq!(c[1].param("realm"), Some("https://h/token"));
        assert_eq!(c[1].param("service"), Some("reg"));
        assert_eq!(c[1].param("error"), Some("insufficient_scope"));
    }

    #[test]
    fn garbage_gives_no_usable_challenge() {
        let c = parse("===,,\"");
        assert!(c.iter().all(|c| c.param("realm").is_none()), "{c:?}");
        assert!(parse("").is_empty());
    }
}
