//! The `raw` env_file format (`format: raw`), as Compose v2 reads it: one `KEY=VALUE` per
//! line taken verbatim, quotes included, with no interpolation.

use super::{column, Entry};
use crate::error::{ErrorKind, LoadError, Result};
use crate::node::Mark;
use indexmap::IndexMap;
use std::sync::Arc;

/// Parses `format: raw` text into `vars` (later keys override earlier ones).
pub fn parse_raw_into(
    text: &str,
    file: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut IndexMap<String, Entry>,
) -> Result<()> {
    let file: Arc<str> = file.into();
    for (index, raw_line) in text.split_inclusive('\n').enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let mut line = raw_line.strip_suffix('\n').unwrap_or(raw_line);
        line = line.strip_suffix('\r').unwrap_or(line);
        if index == 0 {
            line = line.strip_prefix('\u{FEFF}').unwrap_or(line);
        }
        let trimmed = line.trim_start();
        let col = column(line, line.len() - trimmed.len());
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mark = Mark {
            file: file.clone(),
            line: number,
            col,
        };
        let (key, value) = match trimmed.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (trimmed, None),
        };
        if key.is_empty() {
            let msg = format!("no variable name on line '{trimmed}'");
            return Err(LoadError::new(ErrorKind::Env, &mark, msg));
        }
        if key.contains([' ', '\t']) {
            let msg = format!("variable '{key}' contains whitespaces");
            return Err(LoadError::new(ErrorKind::Env, &mark, msg));
        }
        let value = match value {
            Some(v) => v.to_string(),
            None => match lookup(key) {
                Some(v) => v,
                None => continue,
            },
        };
        vars.insert(key.to_string(), Entry { value, mark });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn raw_format_keeps_values_verbatim() {
        let mut vars = IndexMap::new();
        let os = |k: &str| (k == "D").then(|| "dval".to_string());
        let text = "\u{FEFF}A=$HOME \"q\" # c  \r\nB=\"x\"\n  # comment\n\tD\nNOPE\nG=a=b";
        parse_raw_into(text, "r.env", &os, &mut vars).unwrap();
        let got: Vec<_> = vars
            .iter()
            .map(|(k, e)| format!("{k}={}", e.value))
            .collect();
        assert_eq!(got, ["A=$HOME \"q\" # c  ", "B=\"x\"", "D=dval", "G=a=b"]);
        let e = parse_raw_into("export C=1", "r.env", &none, &mut vars).unwrap_err();
        assert_eq!(e.message, "variable 'export C' contains whitespaces");
        let e = parse_raw_into("=x", "r.env", &none, &mut vars).unwrap_err();
        assert_eq!(e.message, "no variable name on line '=x'");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC*") {
            let mut vars = IndexMap::new();
            let _ = parse_raw_into(&text, "p.env", &none, &mut vars);
        }
    }
}
