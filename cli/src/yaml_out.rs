//! A small YAML writer for `config --format yaml`.
//!
//! The model is plain JSON data, so a full YAML library is not needed: mappings and
//! sequences in block style, and strings quoted whenever a plain scalar would be read back
//! as something else (a number, a boolean, null) or would not parse.

use serde_json::Value;

/// Renders a JSON value as a YAML document.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => write_seq(a, 0, &mut out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn indent(n: usize, out: &mut String) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn write_map(m: &serde_json::Map<String, Value>, level: usize, out: &mut String) {
    for (k, v) in m {
        indent(level, out);
        out.push_str(&string(k));
        out.push(':');
        write_child(v, level, out);
    }
}

fn write_seq(a: &[Value], level: usize, out: &mut String) {
    for v in a {
        indent(level, out);
        out.push_str("- ");
        match v {
            Value::Object(m) if !m.is_empty() => {
                // The first key goes on the dash line, the rest align under it.
                let mut first = true;
                for (k, val) in m {
                    if !first {
                        indent(level + 2, out);
                    }
                    first = false;
                    out.push_str(&string(k));
                    out.push(':');
                    write_child(val, level + 2, out);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(inner, level + 2, out);
            }
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn write_child(v: &Value, level: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(m, level + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(a, level + 2, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn string(s: &str) -> String {
    if needs_quotes(s) {
        // JSON strings are valid YAML double-quoted scalars.
        Value::String(s.to_string()).to_string()
    } else {
        s.to_string()
    }
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null"
            | "~"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | ".nan"
    ) {
        return true;
    }
    if s.parse::<f64>().is_ok() || s.starts_with("0x") || s.starts_with("0o") {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return true;
    }
    s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| c.is_control() || c == '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_nested_structures() {
        let v = json!({"services": {"web": {"image": "nginx", "ports": [{"target": 80, "published": "8080"}], "command": null}}});
        let y = to_yaml(&v);
        assert_eq!(
            y,
            "services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n        published: \"8080\"\n    command: null\n"
        );
    }

    #[test]
    fn quotes_ambiguous_strings() {
        assert_eq!(string("true"), "\"true\"");
        assert_eq!(string("1.5"), "\"1.5\"");
        assert_eq!(string("a: b"), "\"a: b\"");
        assert_eq!(string("plain"), "plain");
    }
}
