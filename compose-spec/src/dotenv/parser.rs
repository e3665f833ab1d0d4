//! compose-go's dotenv parser, statement by statement (see the module above for the format).

use super::{column, Entry};
use crate::error::{ErrorKind, LoadError, Result};
use crate::interpolate::unset_warning;
use crate::node::Mark;
use crate::template::{self, go_quote};
use indexmap::IndexMap;
use std::sync::Arc;

/// Parses `text` (BOM already removed) into `vars`.
pub(super) fn parse(
    text: &str,
    file: Arc<str>,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut IndexMap<String, Entry>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let mut parser = Parser {
        text,
        file,
        line: 1,
        lookup,
        warnings,
    };
    parser.run(vars)
}

/// compose-go's `isSpace`: blanks that are not line breaks.
fn is_blank(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{A0}')
}

struct Parser<'a> {
    text: &'a str,
    file: Arc<str>,
    /// compose-go's line counter (advanced as the parser crosses line breaks).
    line: u32,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    warnings: &'a mut Vec<String>,
}

impl Parser<'_> {
    fn run(&mut self, vars: &mut IndexMap<String, Entry>) -> Result<()> {
        let mut pos = 0;
        while let Some(start) = self.statement_start(pos) {
            let key_line = self.line;
            let (key, value_pos, inherited) = self.locate_key(start)?;
            let mark = Mark {
                file: self.file.clone(),
                line: key_line,
                col: self.col_at(start),
            };
            if key.contains(' ') {
                return Err(self.error(start, key_line, "key cannot contain a space".into()));
            }
            if inherited {
                if let Some(value) = (self.lookup)(&key) {
                    vars.insert(key, Entry { value, mark });
                }
                pos = value_pos;
                continue;
            }
            let (value, next) = self.extract_value(value_pos, vars)?;
            vars.insert(key, Entry { value, mark });
            pos = next;
        }
        Ok(())
    }

    /// The 1-based column of byte offset `pos` in the text.
    fn col_at(&self, pos: usize) -> u32 {
        let line_start = self
            .text
            .get(..pos)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        column(&self.text[line_start..], pos - line_start)
    }

    fn error(&self, pos: usize, line: u32, message: String) -> LoadError {
        let mark = Mark {
            file: self.file.clone(),
            line,
            col: self.col_at(pos),
        };
        LoadError::new(ErrorKind::Env, &mark, message)
    }

    /// Skips blank space (counting lines) and comment lines; the start of the next statement.
    fn statement_start(&mut self, mut pos: usize) -> Option<usize> {
        loop {
            let rest = &self.text[pos..];
            let mut found = None;
            for (i, c) in rest.char_indices() {
                if c == '\n' {
                    self.line += 1;
                }
                if !c.is_whitespace() {
                    found = Some(pos + i);
                    break;
                }
            }
            let start = found?;
            if !self.text[start..].starts_with('#') {
                return Some(start);
            }
            pos = start + self.text[start..].find('\n')?;
        }
    }

    /// Reads the key at `start`: (key, where the value starts, whether the line is a bare
    /// `KEY` to take from the lookup).
    fn locate_key(&mut self, start: usize) -> Result<(String, usize, bool)> {
        let mut s = start;
        let after_export = &self.text[s..];
        if after_export.starts_with("export")
            && after_export[6..].starts_with(['\t', '\n', '\x0c', '\r', ' '])
        {
            s += 6;
            s += self.text[s..].len() - self.text[s..].trim_start_matches(is_blank).len();
        }
        let src = &self.text[s..];
        if src.is_empty() {
            return Err(self.error(s, self.line, "zero length string".into()));
        }
        let (mut key, mut offset, mut inherited) = ("", 0, false);
        for (i, c) in src.char_indices() {
            if is_blank(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    key = &src[..i];
                    offset = i + 1;
                    inherited = c == '\n';
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphabetic() || c.is_numeric() => {}
                c => {
                    let first_line = src.split('\n').next().unwrap_or(src);
                    let msg = format!(
                        "unexpected character {} in variable name {}",
                        go_quote(&c.to_string()),
                        go_quote(first_line)
                    );
                    return Err(self.error(s + i, self.line, msg));
                }
            }
        }
        if inherited && !key.contains(' ') {
            self.line += 1;
        }
        let key = key.trim_end().to_string();
        let value_start = s + offset;
        let value = &self.text[value_start..];
        let skipped = value.len() - value.trim_start_matches(is_blank).len();
        Ok((key, value_start + skipped, inherited))
    }

    /// Reads the value at `start`; returns it and where the next statement may start.
    fn extract_value(
        &mut self,
        start: usize,
        vars: &IndexMap<String, Entry>,
    ) -> Result<(String, usize)> {
        let src = &self.text[start..];
        let quote = match src.as_bytes().first() {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => {
                let (raw, next) = match src.find('\n') {
                    Some(nl) => (&src[..nl], start + nl + 1),
                    None => (src, self.text.len()),
                };
                let value_line = self.line;
                self.line += 1;
                let raw = raw.split(" #").next().unwrap_or(raw).trim_end();
                let value = self.expand(raw, vars, start, value_line)?;
                return Ok((value, next));
            }
        };
        let (quote_line, bytes) = (self.line, src.as_bytes());
        let mut chars = Vec::new();
        let mut escaped = false;
        for (i, &c) in bytes.iter().enumerate().skip(1) {
            if c == b'\n' {
                self.line += 1;
            }
            if c != quote {
                if !escaped && c == b'\\' {
                    escaped = true;
                    continue;
                }
                if escaped {
                    escaped = false;
                    chars.push(b'\\');
                }
                chars.push(c);
                continue;
            }
            if escaped {
                escaped = false;
                chars.push(c);
                continue;
            }
            let value = String::from_utf8_lossy(&chars).into_owned();
            let value = if quote == b'"' {
                self.expand(&expand_escapes(&value), vars, start, quote_line)?
            } else {
                value
            };
            return Ok((value, start + i + 1));
        }
        let first_line = src.split('\n').next().unwrap_or(src);
        let msg = format!("unterminated quoted value {first_line}");
        Err(self.error(start, quote_line, msg))
    }

    /// `${VAR}` expansion: the lookup first, then the values read so far.
    fn expand(
        &mut self,
        value: &str,
        vars: &IndexMap<String, Entry>,
        pos: usize,
        line: u32,
    ) -> Result<String> {
        let lookup = |k: &str| (self.lookup)(k).or_else(|| vars.get(k).map(|e| e.value.clone()));
        match template::substitute(value, &lookup) {
            Ok(s) => {
                self.warnings
                    .extend(s.unset.iter().map(|n| unset_warning(n)));
                Ok(s.value)
            }
            Err(e) => Err(self.error(pos, line, e.to_string())),
        }
    }
}

/// The escapes of double-quoted values. `\$` becomes `$$` so that interpolation, which runs
/// next, yields a literal `$`; `\0NNN` is an octal byte value; unknown escapes stay as written.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (replacement, used) = match after.as_bytes().first() {
            Some(b'a') => ("\x07".to_string(), 1),
            Some(b'b') => ("\x08".to_string(), 1),
            Some(b'f') => ("\x0c".to_string(), 1),
            Some(b'n') => ("\n".to_string(), 1),
            Some(b'r') => ("\r".to_string(), 1),
            Some(b't') => ("\t".to_string(), 1),
            Some(b'v') => ("\x0b".to_string(), 1),
            Some(b'$') => ("$$".to_string(), 1),
            Some(b'"') => ("\"".to_string(), 1),
            Some(b'\\') => ("\\".to_string(), 1),
            Some(b'0') => {
                let digits = after[1..]
                    .bytes()
                    .take(3)
                    .take_while(u8::is_ascii_digit)
                    .count();
                let octal = &after[1..1 + digits];
                let value = (digits == 3)
                    .then(|| u32::from_str_radix(octal, 8).ok())
                    .flatten()
                    .filter(|v| *v <= 255)
                    .and_then(char::from_u32);
                match value {
                    Some(c) => (c.to_string(), 1 + digits),
                    None => (format!("\\0{octal}"), 1 + digits),
                }
            }
            _ => ("\\".to_string(), 0),
        };
        out.push_str(&replacement);
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dotenv::{parse, parse_into};

    fn none(_: &str) -> Option<String> {
        None
    }

    fn parse_ok(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String)> {
        parse(text, "test.env", lookup)
            .expect("parses")
            .into_iter()
            .collect()
    }

    fn get(text: &str, key: &str) -> Option<String> {
        parse(text, "test.env", &none)
            .expect("parses")
            .get(key)
            .cloned()
    }

    #[test]
    fn plain_values_and_spacing() {
        let text = "OPTION_A=1\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n";
        let got = parse_ok(text, &none);
        let want = [
            ("OPTION_A", "1"),
            ("OPTION_C", "3"),
            ("OPTION_D", "4"),
            ("OPTION_E", "5"),
            ("456", "ABC"),
            ("OPTION_F", ""),
            ("OPTION_G", ""),
            ("OPTION_H", "my string"),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn quotes() {
        assert_eq!(get("A='\\n'", "A").as_deref(), Some("\\n"));
        assert_eq!(get("A=\"\\n\"", "A").as_deref(), Some("\n"));
        assert_eq!(
            get("A = \"echo 'asd'\" # c", "A").as_deref(),
            Some("echo 'asd'")
        );
        assert_eq!(
            get("A='first\nsecond'", "A").as_deref(),
            Some("first\nsecond")
        );
        assert_eq!(get("A='Let\\'s go!'", "A").as_deref(), Some("Let's go!"));
        assert_eq!(
            get("Q=\"escaped\\\"bar\"", "Q").as_deref(),
            Some("escaped\"bar")
        );
        assert_eq!(get("Q=\"bar#baz\"#", "Q").as_deref(), Some("bar#baz"));
        assert_eq!(
            get("Q='bar#baz' # comment", "Q").as_deref(),
            Some("bar#baz")
        );
        assert_eq!(get("Q=foobar=", "Q").as_deref(), Some("foobar="));
        assert_eq!(get("Q=bar ", "Q").as_deref(), Some("bar"));
    }

    #[test]
    fn comments_whitespace_and_crlf() {
        let text = "# c\n\nC1=bar # x\nC3=bar #\nC4=123#not\n \t# indented\n KEY1 =value\n\tKEY3=value\nWIN=crlf\r\n\t\t \n";
        let got = parse_ok(text, &none);
        let keys: Vec<_> = got.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            keys,
            [
                "C1=bar",
                "C3=bar",
                "C4=123#not",
                "KEY1=value",
                "KEY3=value",
                "WIN=crlf"
            ]
        );
    }

    #[test]
    fn export_and_yaml_style() {
        let text = "OPTION_A: 1\nOPTION_B: Foo=bar\nexport OPTION_D=2\nexport exportFoo=2\nexportFOO=2\nexport\tOPTION_E=2\n  export OPTION_F=2\nexport OPTION_G=\"export A\"\n";
        let got = parse(text, "t", &none).unwrap();
        assert_eq!(got["OPTION_A"], "1");
        assert_eq!(got["OPTION_B"], "Foo=bar");
        assert_eq!(got["OPTION_D"], "2");
        assert_eq!(got["exportFoo"], "2");
        assert_eq!(got["exportFOO"], "2");
        assert_eq!(got["OPTION_E"], "2");
        assert_eq!(got["OPTION_F"], "2");
        assert_eq!(got["OPTION_G"], "export A");
    }

    #[test]
    fn escapes() {
        let got = parse(
            "E2=a\\tb\nE4=\"Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z\"\nE6=\"\\x07\"\nE8=\"bar\\nbaz\\\\\"\nE9=\"bar\\n\\ b\\az\"\n",
            "t",
            &none,
        )
        .unwrap();
        assert_eq!(got["E2"], "a\\tb");
        assert_eq!(got["E4"], "Z\x07Z\x08Z\x0cZ\nZ\rZ\tZ\x0bZ\\ZSZ");
        assert_eq!(got["E6"], "\\x07");
        assert_eq!(got["E8"], "bar\nbaz\\");
        assert_eq!(got["E9"], "bar\n\\ b\x07z");
        assert_eq!(expand_escapes("\\0\\01\\0777\\0089"), "\\0\\01\\0777\\0089");
    }

    #[test]
    fn expansion_prefers_lookup_then_earlier_keys() {
        let text = "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\nSQ='quote $OPTION_A'\nESC=\"foo\\$BAR\"\n";
        let got = parse(text, "t", &none).unwrap();
        assert_eq!(got["OPTION_D"], "1_1");
        assert_eq!(got["OPTION_E"], "");
        assert_eq!(got["SQ"], "quote $OPTION_A");
        assert_eq!(got["ESC"], "foo$BAR");
        let os = |k: &str| (k == "OPTION_A").then(|| "5".to_string());
        let got = parse(text, "t", &os).unwrap();
        assert_eq!(
            (got["OPTION_A"].as_str(), got["OPTION_D"].as_str()),
            ("1", "5_5")
        );
        let mut vars = IndexMap::new();
        let mut warnings = Vec::new();
        parse_into(text, "t", &none, &mut vars, &mut warnings).unwrap();
        assert_eq!(
            warnings,
            ["The \"OPTION_NOT_DEFINED\" variable is not set. Defaulting to a blank string."]
        );
    }

    #[test]
    fn bare_keys_come_from_the_lookup() {
        let os = |k: &str| (k == "FROM_OS").then(|| "v".to_string());
        let got = parse_ok("foo=bar\nFROM_OS\nMISSING\nbar=baz\n", &os);
        let keys: Vec<_> = got.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(keys, ["foo=bar", "FROM_OS=v", "bar=baz"]);
        // compose-go quirk: a bare key on the last line without a newline.
        assert_eq!(get("A=1\nFOO", "").as_deref(), Some("FOO"));
    }

    #[test]
    fn bom_and_unicode_keys() {
        let got = parse("\u{FEFF}OPTION_A=1\na[1]=c\náрvíztűrő=ÁRV\n", "t", &none).unwrap();
        assert_eq!(got["OPTION_A"], "1");
        assert_eq!(got["a[1]"], "c");
        assert_eq!(got["áрvíztűrő"], "ÁRV");
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let e = parse(
            "# c\nfoo=\"\n  a\n\"\nINVALID LINE\nzot=qix",
            "f.env",
            &none,
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Env);
        assert_eq!(e.message, "key cannot contain a space");
        assert_eq!(e.to_string(), "f.env:5:1: key cannot contain a space");
        let e = parse("KEY=\"value\n", "f.env", &none).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.env:1:5: unterminated quoted value \"value"
        );
        let e = parse("lol$wut", "f.env", &none).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.env:1:4: unexpected character \"$\" in variable name \"lol$wut\""
        );
        let e = parse("A=1\nRESULT=${UNSET_VAR:?Test error}", "f.env", &none).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.env:2:8: required variable UNSET_VAR is missing a value: Test error"
        );
        let e = parse("export B=2\nexport ", "f.env", &none).unwrap_err();
        assert_eq!(e.message, "zero length string");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC*") {
            let _ = parse(&text, "p.env", &none);
        }

        #[test]
        fn never_panics_on_env_like_text(text in "[A-Za-z_ =:#'\"\\\\$\\{\\}\n\t\r-]{0,40}") {
            let _ = parse(&text, "p.env", &none);
        }
    }
}
