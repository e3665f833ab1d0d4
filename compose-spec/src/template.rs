//! Compose's `${VAR}` template language.
//!
//! Compose files, `.env` files and `env_file`s all use the same small language (Compose
//! Specification, *Interpolation*): `$VAR`, `${VAR}`, defaults `${VAR:-d}` / `${VAR-d}`,
//! alternates `${VAR:+a}` / `${VAR+a}`, required values `${VAR:?msg}` / `${VAR?msg}`, nesting
//! inside the default/alternate/message, and `$$` for a literal `$`. The rules below follow the
//! reference loader (compose-go `template`) to the letter, including its quirks, because
//! users' files depend on them:
//!
//! * a `$` that does not start an expression (`a $ b`, `$1`, `$}`) is kept as is;
//! * `${` that does not start a valid expression (`${`, `${}`, `${ x}`, `${x!}`) is an error;
//! * an expression with an operator extends to the *last* `}` on its line, then is cut back
//!   at the brace that balances its opening one, and the text after the cut is substituted
//!   again (this is how `${A:-{"json":1}}` keeps its braces);
//! * defaults, alternates and messages are only evaluated when they are used, so an unused
//!   `${B}` inside them neither warns nor fails (compose-go after v2.9.1; the only observable
//!   difference with v2.9.1 is fewer warnings and errors in branches that are not taken).

use std::fmt;

/// The result of substituting one string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Substitution {
    /// The substituted text.
    pub value: String,
    /// Variables used without a default that were unset, in the order they were met (one
    /// entry per use), so callers can warn like compose: `The "X" variable is not set.`
    pub unset: Vec<String>,
}

/// Why a template could not be substituted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateError {
    /// The template is malformed (`${`, `${}`, `${foo!}`...).
    Invalid {
        /// The (innermost) template string in which the error was found; compose prints it
        /// after "invalid interpolation format for PATH".
        template: String,
    },
    /// `${VAR?msg}` or `${VAR:?msg}` with the variable missing (or empty for `:?`).
    MissingRequired {
        /// The variable name.
        variable: String,
        /// The substituted message (may be empty).
        reason: String,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Invalid { template } => {
                write!(f, "Invalid template: {}", go_quote(template))
            }
            TemplateError::MissingRequired { variable, reason } if reason.is_empty() => {
                write!(f, "required variable {variable} is missing a value")
            }
            TemplateError::MissingRequired { variable, reason } => {
                write!(
                    f,
                    "required variable {variable} is missing a value: {reason}"
                )
            }
        }
    }
}

impl std::error::Error for TemplateError {}

/// A variable a string refers to (for `config --variables`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariableRef {
    /// The variable name.
    pub name: String,
    /// The text after `-` / `:-`, unsubstituted (`Some("")` for `${X:-}`).
    pub default: Option<String>,
    /// The text after `+` / `:+`, unsubstituted.
    pub alternate: Option<String>,
    /// Whether the variable uses `?` / `:?`.
    pub required: bool,
}

/// Substitutes every expression in `input`, looking variables up with `lookup` (`None` means
/// unset, which differs from set-but-empty for `-`, `+` and `?`).
pub fn substitute(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Substitution, TemplateError> {
    let mut unset = Vec::new();
    let value = substitute_in(input, lookup, &mut unset)?;
    Ok(Substitution { value, unset })
}

/// Every variable `input` refers to, in compose's order: for an expression whose text was cut
/// at its balancing brace, the variables after the cut come first, then the expression's own
/// variable, then those inside its default or alternate. A name may appear several times;
/// like compose, callers should let the last occurrence win. Required messages are not
/// searched, and malformed expressions are skipped.
pub fn variables(input: &str) -> Vec<VariableRef> {
    let mut out = Vec::new();
    collect_variables(input, &mut out);
    out
}

/// What an expression starting at a `$` matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `$$`.
    Escaped,
    /// `$NAME`.
    Named,
    /// `${...}`.
    Braced,
    /// `${` not followed by a valid expression.
    Invalid,
}

/// The length in bytes of the name character at `i`, if there is one. Names are
/// `[_a-z][_a-z0-9]*` matched case-insensitively with Unicode case folding, as in Go's regexp,
/// which also lets in `ſ` (folds to `s`) and the Kelvin sign (folds to `k`).
fn name_char_len(s: &str, i: usize, first: bool) -> Option<usize> {
    let c = s.get(i..)?.chars().next()?;
    let ok = c == '_'
        || c.is_ascii_alphabetic()
        || (!first && c.is_ascii_digit())
        || c == '\u{17F}'
        || c == '\u{212A}';
    ok.then(|| c.len_utf8())
}

/// The end of the name starting at `i` (or `None` when no name starts there).
fn name_end(s: &str, i: usize) -> Option<usize> {
    let mut end = i + name_char_len(s, i, true)?;
    while let Some(n) = name_char_len(s, end, false) {
        end += n;
    }
    Some(end)
}

/// Matches an expression at `start` (where `s` has a `$`), returning its kind and end.
fn match_at(s: &str, start: usize) -> Option<(Kind, usize)> {
    let b = s.as_bytes();
    let next = *b.get(start + 1)?;
    if next == b'$' {
        return Some((Kind::Escaped, start + 2));
    }
    if next != b'{' {
        return name_end(s, start + 1).map(|end| (Kind::Named, end));
    }
    let invalid = Some((Kind::Invalid, start + 2));
    let Some(name) = name_end(s, start + 2) else {
        return invalid;
    };
    match b.get(name) {
        Some(b'}') => return Some((Kind::Braced, name + 1)),
        None => return invalid,
        Some(_) => {}
    }
    let mut op = name;
    if b.get(op) == Some(&b':') {
        op += 1;
    }
    if !matches!(b.get(op), Some(b'-' | b'+' | b'?')) {
        return invalid;
    }
    // `.*}`: the last `}` before the end of the line.
    let tail = &s[op + 1..];
    let line = tail.find('\n').map_or(tail, |nl| &tail[..nl]);
    match line.rfind('}') {
        Some(close) => Some((Kind::Braced, op + 1 + close + 1)),
        None => invalid,
    }
}

/// Finds every expression in `s`, left to right, without overlaps.
fn find_all(s: &str) -> Vec<(Kind, usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = s.get(from..).and_then(|t| t.find('$')) {
        let start = from + rel;
        match match_at(s, start) {
            Some((kind, end)) => {
                found.push((kind, start, end));
                from = end;
            }
            None => from = start + 1,
        }
    }
    found
}

/// Compose-go's brace counter: the index of the `}` that balances the first `{`, where the
/// character right after each `{` is skipped (so `{}` inside a default does not count).
fn first_brace_closing_index(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut open = 0i64;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if b[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

fn substitute_in(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for (kind, start, end) in find_all(template) {
        out.push_str(&template[last..start]);
        let replaced =
            replace(kind, &template[start..end], lookup, unset).map_err(|e| match e {
                TemplateError::Invalid { template: t } if t.is_empty() => TemplateError::Invalid {
                    template: template.to_string(),
                },
                other => other,
            })?;
        out.push_str(&replaced);
        last = end;
    }
    out.push_str(&template[last..]);
    Ok(out)
}

/// Replaces one matched expression.
fn replace(
    kind: Kind,
    matched: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> Result<String, TemplateError> {
    let (head, rest) = match first_brace_closing_index(matched) {
        Some(i) => (&matched[..=i], &matched[i + 1..]),
        None => (matched, ""),
    };
    let body = match kind {
        Kind::Escaped => return Ok("$".into()),
        Kind::Invalid => {
            return Err(TemplateError::Invalid {
                template: String::new(),
            })
        }
        Kind::Named => &head[1..],
        Kind::Braced => &head[2..head.len() - 1],
    };
    let name_len = name_end(body, 0).unwrap_or(0);
    let (name, op) = body.split_at(name_len);
    let Some((colon, op, arg)) = split_operator(op) else {
        return Ok(lookup(name).unwrap_or_else(|| {
            unset.push(name.to_string());
            String::new()
        }));
    };
    let value = lookup(name);
    let is_empty = value.as_deref().is_none_or(str::is_empty);
    let replaced = match op {
        b'-' if value.is_none() || (colon && is_empty) => substitute_in(arg, lookup, unset)?,
        b'+' if value.is_some() && !(colon && is_empty) => substitute_in(arg, lookup, unset)?,
        b'?' if value.is_none() || (colon && is_empty) => {
            let reason = substitute_in(arg, lookup, unset)?;
            return Err(TemplateError::MissingRequired {
                variable: name.to_string(),
                reason,
            });
        }
        _ => value.unwrap_or_default(),
    };
    Ok(replaced + &substitute_in(rest, lookup, unset)?)
}

/// Splits `:-arg` / `-arg` (and `+`, `?`) into (has colon, operator, argument).
fn split_operator(s: &str) -> Option<(bool, u8, &str)> {
    let (colon, s) = match s.strip_prefix(':') {
        Some(t) => (true, t),
        None => (false, s),
    };
    let op = *s.as_bytes().first()?;
    matches!(op, b'-' | b'+' | b'?').then(|| (colon, op, &s[1..]))
}

fn collect_variables(s: &str, out: &mut Vec<VariableRef>) {
    for (kind, start, end) in find_all(s) {
        let matched = &s[start..end];
        let val = match kind {
            Kind::Escaped | Kind::Invalid => continue,
            Kind::Named => &matched[1..],
            Kind::Braced => match first_brace_closing_index(matched) {
                Some(i) if i > 0 => {
                    collect_variables(&matched[i + 1..], out);
                    &matched[2..i]
                }
                _ => &matched[2..matched.len() - 1],
            },
        };
        // Compose splits the name at the first non-ASCII-name character.
        let cut = val
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(val.len());
        let (name, rest) = val.split_at(cut);
        if name.is_empty() {
            continue;
        }
        let mut var = VariableRef {
            name: name.to_string(),
            default: None,
            alternate: None,
            required: false,
        };
        if let Some((_, op, arg)) = split_operator(rest) {
            match op {
                b'?' => var.required = true,
                b'-' => var.default = Some(arg.to_string()),
                _ => var.alternate = Some(arg.to_string()),
            }
        }
        let nested = var.default.clone().or_else(|| var.alternate.clone());
        out.push(var);
        if let Some(text) = nested.filter(|t| !t.is_empty()) {
            collect_variables(&text, out);
        }
    }
}

/// Quotes a string the way Go's `%q` does, since compose's messages embed values that way
/// (`parsing "abc": invalid syntax`, `unexpected character "$"`).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mapping compose-go's template tests (and conformance cases 001-041) use.
    fn env(name: &str) -> Option<String> {
        match name {
            "FOO" => Some("first".into()),
            "BAR" => Some(String::new()),
            "JSON" => Some(r#"{"json":2}"#.into()),
            _ => None,
        }
    }

    fn sub(s: &str) -> String {
        match substitute(s, &env) {
            Ok(v) => v.value,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> TemplateError {
        match substitute(s, &env) {
            Ok(v) => panic!("{s}: expected an error, got {:?}", v.value),
            Err(e) => e,
        }
    }

    #[test]
    fn escapes_and_literals() {
        assert_eq!(sub("$${foo}"), "${foo}");
        assert_eq!(sub("foo"), "foo");
        assert_eq!(sub("a $ string"), "a $ string");
        assert_eq!(sub("^REGEX$"), "^REGEX$");
        assert_eq!(sub("$}"), "$}");
        assert_eq!(sub("$"), "$");
        assert_eq!(sub("$1 $- $$$"), "$1 $- $$");
    }

    #[test]
    fn invalid_templates_name_the_template() {
        for t in ["${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}", "${é}"] {
            assert_eq!(
                err(t),
                TemplateError::Invalid {
                    template: t.to_string()
                },
                "{t}"
            );
        }
        // A default that is itself invalid reports the inner template.
        assert_eq!(
            err("${missing:-${}}"),
            TemplateError::Invalid {
                template: "${}".into()
            }
        );
        // `.` does not cross lines, so an operator expression spanning lines is invalid.
        assert!(matches!(err("${A:-x\ny}"), TemplateError::Invalid { .. }));
    }

    #[test]
    fn plain_variables() {
        assert_eq!(sub("$FOO-bar"), "first-bar");
        assert_eq!(sub("This $FOO var"), "This first var");
        assert_eq!(sub("This ${FOO} var"), "This first var");
        let s = substitute("This ${missing} ${BAR} $missing var", &env).unwrap();
        assert_eq!(s.value, "This    var");
        assert_eq!(s.unset, vec!["missing", "missing"]);
    }

    #[test]
    fn defaults() {
        assert_eq!(sub("ok ${missing:-def}"), "ok def");
        assert_eq!(sub("ok ${missing-def}"), "ok def");
        assert_eq!(sub("ok ${BAR:-def}"), "ok def");
        assert_eq!(sub("ok ${FOO:-def}"), "ok first");
        assert_eq!(sub("ok ${BAR-def}"), "ok ");
        assert_eq!(
            sub("ok ${BAR:-/non:-alphanumeric}"),
            "ok /non:-alphanumeric"
        );
        assert_eq!(sub("${UNSET_VAR-myerror?msg}"), "myerror?msg");
        assert_eq!(sub("${VARNAME-va:-lu:?e}"), "va:-lu:?e");
        assert_eq!(sub("${VARNAME-va?lu+e}"), "va?lu+e");
    }

    #[test]
    fn alternates() {
        assert_eq!(sub("ok ${UNSET_VAR:+presence_value}"), "ok ");
        assert_eq!(sub("ok ${UNSET_VAR+presence_value}"), "ok ");
        assert_eq!(sub("ok ${FOO:+presence_value}"), "ok presence_value");
        assert_eq!(sub("ok ${BAR+presence_value}"), "ok presence_value");
        assert_eq!(sub("ok ${BAR:+presence_value}"), "ok ");
        let set = |n: &str| (n == "VARNAME").then(|| "x".to_string());
        assert_eq!(
            substitute("${VARNAME:+va:?lu:-e}", &set).unwrap().value,
            "va:?lu:-e"
        );
        assert_eq!(
            substitute("${VARNAME+va-lu?e}", &set).unwrap().value,
            "va-lu?e"
        );
    }

    #[test]
    fn required() {
        assert_eq!(
            err("not ok ${UNSET_VAR:?Mandatory Variable Unset}").to_string(),
            "required variable UNSET_VAR is missing a value: Mandatory Variable Unset"
        );
        assert_eq!(
            err("${BAR:?Mandatory Variable Empty}").to_string(),
            "required variable BAR is missing a value: Mandatory Variable Empty"
        );
        assert_eq!(
            err("${UNSET_VAR?}").to_string(),
            "required variable UNSET_VAR is missing a value"
        );
        assert_eq!(
            err("${UNSET_VAR:?Mandatory Variable ${FOO}}").to_string(),
            "required variable UNSET_VAR is missing a value: Mandatory Variable first"
        );
        assert_eq!(
            err("${VARNAME:?val?ue}").to_string(),
            "required variable VARNAME is missing a value: val?ue"
        );
        assert_eq!(
            err("${VARNAME?va-lu+e:?e}").to_string(),
            "required variable VARNAME is missing a value: va-lu+e:?e"
        );
        assert_eq!(sub("ok ${FOO:?err} ${BAR?err}"), "ok first ");
        assert_eq!(sub("ok ${SUBDOMAIN:-redis}.${FOO:?}"), "ok redis.first");
    }

    #[test]
    fn nesting_and_balanced_braces() {
        assert_eq!(sub("ok ${UNSET_VAR-${FOO} ${FOO}}"), "ok first first");
        assert_eq!(sub("ok ${BAR+$FOO ${FOO:+second}}"), "ok first second");
        assert_eq!(sub(r#"ok ${missing:-{"json":1}}"#), r#"ok {"json":1}"#);
        assert_eq!(sub(r#"ok ${JSON-{"json":1}}"#), r#"ok {"json":2}"#);
        assert_eq!(sub("${FOO:-${BAR:-${ZOT:-qix}}}"), "first");
        let none = |_: &str| None;
        let s = |t: &str| substitute(t, &none).unwrap().value;
        assert_eq!(s("${FOO:-${BAR:-x}_test_${BAR:-y}}"), "x_test_y");
        assert_eq!(s("${FOO:-${BAR:-${ZOT:-x}}_test}"), "x_test");
        assert_eq!(s("${FOO:-baz} }}}"), "baz }}}");
        assert_eq!(s("${A:-{}} ${A:-{x}y} ${A-}}}"), "{}} {x}y }");
        assert_eq!(s("${A-a} and ${B-b} and } ${A:-q}"), "a and b and } q");
        assert_eq!(s("${A:-x}\n${B:-y}"), "x\ny");
    }

    #[test]
    fn unused_branches_are_lazy() {
        let s = substitute("${A:+${A},}B", &|_| None).unwrap();
        assert_eq!((s.value.as_str(), s.unset.len()), ("B", 0));
        let s = substitute("${A:-${B}}", &|_| None).unwrap();
        assert_eq!((s.value.as_str(), s.unset), ("", vec!["B".to_string()]));
        let a = |n: &str| (n == "A").then(|| "value".to_string());
        let s = substitute("${A?${B}}", &a).unwrap();
        assert_eq!((s.value.as_str(), s.unset.len()), ("value", 0));
        // An invalid template in an unused default is not evaluated either.
        assert_eq!(substitute("${A:-${}}", &a).unwrap().value, "value");
    }

    #[test]
    fn go_regexp_case_folding_in_names() {
        let v = |n: &str| (n == "\u{17F}").then(|| "long-s".to_string());
        assert_eq!(substitute("${\u{17F}}", &v).unwrap().value, "long-s");
    }

    #[test]
    fn variables_are_listed_with_their_modifiers() {
        let vars = variables("${A:-${B}}\n$C ${D?msg}\n${E:+x} $$F ${");
        let names: Vec<_> = vars.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "D", "E"]);
        assert_eq!(vars[0].default.as_deref(), Some("${B}"));
        assert!(vars[3].required);
        assert_eq!(vars[4].alternate.as_deref(), Some("x"));
        // Text after the balancing brace is listed before the expression itself.
        let vars = variables("${A-x} ${B}");
        let names: Vec<_> = vars.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["B", "A"]);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC*") {
            let _ = substitute(&text, &env);
            let _ = variables(&text);
        }

        #[test]
        fn never_panics_on_template_like_text(text in "[$\\{\\}:?+\\-A-Za-z_ \n\u{17F}\u{212A}é]{0,30}") {
            let _ = substitute(&text, &env);
            let _ = variables(&text);
        }

        #[test]
        fn text_without_dollar_is_unchanged(text in "[^$]*") {
            proptest::prop_assert_eq!(substitute(&text, &env).unwrap().value, text);
        }
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(go_quote("é\u{1}"), "\"é\\x01\"");
    }
}
