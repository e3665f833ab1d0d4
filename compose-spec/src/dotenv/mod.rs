//! The `.env` file format compose reads for `--env-file`, the project `.env`, `env_file` and
//! `label_file` (compose-go's `dotenv` parser), and the `raw` format Compose offers as an
//! `env_file` alternative.
//!
//! The dotenv format, as compose reads it:
//!
//! * `KEY=VALUE`, `KEY: VALUE` (YAML style) and `export KEY=VALUE`; spaces around the
//!   separator are ignored; keys may hold letters, digits, `_ . - [ ]`;
//! * a line holding only `KEY` takes the value from the lookup, or is skipped when unset;
//! * `#` starts a comment at the start of a line, and after ` #` in an unquoted value;
//! * `'single quoted'` values are literal (only `\'` is unescaped) and may span lines;
//! * `"double quoted"` values may span lines and understand `\n \t \r \a \b \f \v \\ \" \$`
//!   and `\0NNN` octal escapes;
//! * unquoted and double-quoted values are `${VAR}`-interpolated: the lookup first (the
//!   environment wins), then the keys already read;
//! * a UTF-8 BOM is skipped, CRLF line ends work.
//!
//! The algorithm mirrors compose-go's statement by statement, including its quirks (a last
//! line `KEY` without a newline becomes the value of an empty key; text after a closing quote
//! on the same line starts a new statement), because files that work with docker compose
//! must give the same environment here.

mod parser;
mod raw;

pub use raw::parse_raw_into;

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::Mark;
use crate::template::go_quote;
use indexmap::IndexMap;
use std::path::Path;

/// One value read from a file, with where its key was written (so later stages can point
/// at the env file line a value came from).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The value after unquoting, unescaping and interpolation.
    pub value: String,
    /// Where the key was written.
    pub mark: Mark,
}

/// The two `env_file` formats: compose's dotenv, and `raw` (`format: raw`), where values are
/// taken literally.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// The dotenv format described in the module documentation.
    #[default]
    DotEnv,
    /// One `KEY=VALUE` per line, kept verbatim (quotes included); `#` lines are comments;
    /// a line `KEY` takes the value from the lookup. Keys may not contain spaces or tabs.
    Raw,
}

impl Format {
    /// The format for an `env_file` entry's `format` attribute (empty means dotenv).
    pub fn from_name(name: &str) -> std::result::Result<Format, String> {
        match name {
            "" | ".env" => Ok(Format::DotEnv),
            "raw" => Ok(Format::Raw),
            other => Err(format!("unsupported env_file format {}", go_quote(other))),
        }
    }
}

/// Parses dotenv text into an ordered map (later keys override earlier ones but keep their
/// first position). `file` only names the file in errors. Warnings are dropped; use
/// [`parse_into`] to get them.
pub fn parse(
    text: &str,
    file: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>> {
    let mut entries = IndexMap::new();
    let mut warnings = Vec::new();
    parse_into(text, file, lookup, &mut entries, &mut warnings)?;
    for w in warnings {
        tracing::warn!("{w}");
    }
    Ok(entries.into_iter().map(|(k, e)| (k, e.value)).collect())
}

/// Reads and parses a dotenv file (see [`parse`]).
pub fn read_file(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>> {
    let text = read_text(path)?;
    parse(&text, &path.to_string_lossy(), lookup)
}

/// Reads a file as text for the parsers here, with compose's wording when it cannot.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        LoadError::nowhere(
            ErrorKind::Io,
            format!("failed to read {}: {}", path.display(), io_reason(&e)),
        )
    })?;
    Ok(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()))
}

/// The reason part of an I/O error, as Go words the common ones.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => e.to_string(),
    }
}

/// Parses dotenv text into `vars`, which may already hold values (from earlier files) that
/// `${VAR}` falls back to after the lookup; new keys override them. Warnings for unset
/// variables are appended to `warnings`.
pub fn parse_into(
    text: &str,
    file: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut IndexMap<String, Entry>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    parser::parse(text, file.into(), lookup, vars, warnings)
}

/// The 1-based column (in characters) of byte offset `pos` within `line_text`.
fn column(line_text: &str, pos: usize) -> u32 {
    let chars = line_text.get(..pos).map_or(0, |t| t.chars().count());
    u32::try_from(chars + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name() {
        assert_eq!(Format::from_name(""), Ok(Format::DotEnv));
        assert_eq!(Format::from_name("raw"), Ok(Format::Raw));
        assert_eq!(
            Format::from_name("foo"),
            Err("unsupported env_file format \"foo\"".to_string())
        );
    }

    #[test]
    fn reads_files_and_reports_missing_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.env");
        std::fs::write(&path, "A=1\nB=${A}2\n").expect("write");
        let got = read_file(&path, &|_| None).unwrap();
        assert_eq!(got["B"], "12");
        let missing = dir.path().join("nope.env");
        let e = read_file(&missing, &|_| None).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Io);
        assert!(e.message.ends_with("nope.env: no such file or directory"));
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(column("éa=b", 3), 3);
        assert_eq!(column("x", 10), 1);
    }
}
