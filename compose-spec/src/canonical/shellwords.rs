//! Splitting a command string into words, as compose does for `command`, `entrypoint` and
//! hook commands (`go-shellwords` v1.0.12 with environment and backtick expansion off).
//!
//! It is not a shell: quotes group words, a backslash escapes the next character (outside
//! single quotes), and parsing stops at the first unquoted `;`, `&`, `|`, `<` or `>`, so
//! `echo a && echo b` is `["echo", "a"]`. A `(` not preceded by `$` is an error, as is an
//! unterminated quote.

/// The error go-shellwords reports for every malformed line.
pub(crate) const INVALID: &str = "invalid command line string";

/// Splits `line` into words.
pub(crate) fn split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut args = Vec::new();
    let mut buf = String::new();
    let (mut escaped, mut double_quoted, mut single_quoted) = (false, false, false);
    let (mut back_quote, mut dollar_quote) = (false, false);
    // Whether the current word has content (or was quoted, so that "" is a word).
    let mut got = false;
    for r in line.chars() {
        if escaped {
            buf.push(r);
            escaped = false;
            got = true;
            continue;
        }
        if r == '\\' {
            if single_quoted {
                buf.push(r);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(r, ' ' | '\t' | '\r' | '\n') {
            if single_quoted || double_quoted || back_quote || dollar_quote {
                buf.push(r);
            } else if got {
                args.push(std::mem::take(&mut buf));
                got = false;
            }
            continue;
        }
        match r {
            '`' if !single_quoted && !double_quoted && !dollar_quote => back_quote = !back_quote,
            ')' if !single_quoted && !double_quoted && !back_quote => dollar_quote = !dollar_quote,
            '(' if !single_quoted && !double_quoted && !back_quote => {
                if !dollar_quote && buf.ends_with('$') {
                    dollar_quote = true;
                    buf.push('(');
                    continue;
                }
                return Err(INVALID);
            }
            '"' if !single_quoted && !dollar_quote => {
                if double_quoted {
                    got = true;
                }
                double_quoted = !double_quoted;
                continue;
            }
            '\'' if !double_quoted && !dollar_quote => {
                if single_quoted {
                    got = true;
                }
                single_quoted = !single_quoted;
                continue;
            }
            ';' | '&' | '|' | '<' | '>'
                if !(single_quoted || double_quoted || back_quote || dollar_quote) =>
            {
                if r == '>' && buf.starts_with(|c: char| c.is_ascii_digit()) {
                    // `2>&1`: the file descriptor is not a word.
                    got = false;
                }
                break;
            }
            _ => {}
        }
        got = true;
        buf.push(r);
    }
    if got {
        args.push(buf);
    }
    if escaped || single_quoted || double_quoted || back_quote || dollar_quote {
        return Err(INVALID);
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Vec<String> {
        split(line).unwrap()
    }

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            ok("bundle exec thin -p 3000"),
            ["bundle", "exec", "thin", "-p", "3000"]
        );
        assert_eq!(
            ok("/bin/ash -c \"rm -rf /tmp/might-not-exist\""),
            ["/bin/ash", "-c", "rm -rf /tmp/might-not-exist"]
        );
        assert_eq!(ok("echo 'x y' \"\" ''"), ["echo", "x y", "", ""]);
        assert_eq!(ok("echo \"a b\"c d"), ["echo", "a bc", "d"]);
        assert_eq!(ok("a 'b\\c'"), ["a", "b\\c"]);
        assert_eq!(ok(""), Vec::<String>::new());
        assert_eq!(ok("   "), Vec::<String>::new());
    }

    #[test]
    fn escapes() {
        assert_eq!(ok("echo a\\\\"), ["echo", "a\\"]);
        assert_eq!(ok("a\\tb\\nc"), ["atbnc"]);
        assert_eq!(ok("a \"\\\\\""), ["a", "\\"]);
        assert_eq!(ok("c\\ d"), ["c d"]);
    }

    #[test]
    fn shell_operators_end_the_line() {
        assert_eq!(ok("echo a && echo b"), ["echo", "a"]);
        assert_eq!(ok("echo 2>&1 x"), ["echo"]);
        assert_eq!(ok("echo 2a>b"), ["echo"]);
        assert_eq!(ok("echo a>b"), ["echo", "a"]);
    }

    #[test]
    fn substitutions() {
        assert_eq!(ok("echo $(date)"), ["echo", "$(date)"]);
        assert_eq!(ok("sh -c \"echo $(date)\""), ["sh", "-c", "echo $(date)"]);
        assert_eq!(ok("echo `x y`"), ["echo", "`x y`"]);
        assert_eq!(ok("echo \"a`b\" c"), ["echo", "a`b", "c"]);
    }

    #[test]
    fn malformed_lines() {
        assert_eq!(split("echo (x)"), Err(INVALID));
        assert_eq!(split("echo \"a"), Err(INVALID));
        assert_eq!(split("echo `a\"b` c"), Err(INVALID));
        assert_eq!(split("echo a\\"), Err(INVALID));
        assert_eq!(split("echo x)"), Err(INVALID));
    }
}
