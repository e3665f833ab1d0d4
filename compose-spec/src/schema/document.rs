//! Checks compose makes on each YAML document before interpolation: only string keys, a
//! mapping at the top level, and `services` (and each service) as mappings.

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{format_go_float, Node, Tag, Value};
use crate::yaml::{display_key, NON_STRING_PREFIX};

/// Runs the document-level checks; see [`super::check_document`].
pub fn check(doc: &Node) -> Result<()> {
    non_string_keys(doc, "")?;
    let Some(top) = doc.as_map() else {
        return Err(LoadError::new(
            ErrorKind::Schema,
            &doc.mark,
            "top-level object must be a mapping",
        ));
    };
    let Some(services) = top.get("services").filter(|s| s.tag != Tag::Reset) else {
        return Ok(());
    };
    let Some(services) = services.as_map() else {
        return Err(LoadError::new(
            ErrorKind::Schema,
            &services.mark,
            "services must be a mapping",
        ));
    };
    for (name, service) in services {
        if service.tag == Tag::Reset || matches!(service.value, Value::Null | Value::Map(_)) {
            continue;
        }
        return Err(LoadError::new(
            ErrorKind::Schema,
            &service.mark,
            format!("services.{} must be a mapping", display_key(name)),
        ));
    }
    Ok(())
}

/// Rejects the first key that YAML did not read as a string, naming where it is the way
/// compose does (`non-string key in services.foo.volumes[0]: 1`).
fn non_string_keys(node: &Node, prefix: &str) -> Result<()> {
    match &node.value {
        Value::Map(map) => {
            for (key, value) in map {
                if let Some(raw) = key.strip_prefix(NON_STRING_PREFIX) {
                    let location = if prefix.is_empty() {
                        "at top level".to_string()
                    } else {
                        format!("in {prefix}")
                    };
                    return Err(LoadError::new(
                        ErrorKind::Schema,
                        &value.key_mark,
                        format!("non-string key {location}: {}", go_key(raw)),
                    ));
                }
                let child = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                non_string_keys(value, &child)?;
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                non_string_keys(item, &format!("{prefix}[{i}]"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A non-string key as Go's `%#v` prints the decoded value: `<nil>` for null, Go's float
/// formatting for floats, the text otherwise.
fn go_key(raw: &str) -> String {
    if raw == "null" {
        return "<nil>".into();
    }
    if raw.parse::<i64>().is_err() {
        if let Ok(f) = raw.parse::<f64>() {
            return format_go_float(f);
        }
    }
    raw.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn err(text: &str) -> String {
        let doc = parse_documents(text, "t.yaml").unwrap().remove(0);
        check(&doc).unwrap_err().message
    }

    fn ok(text: &str) {
        let doc = parse_documents(text, "t.yaml").unwrap().remove(0);
        check(&doc).unwrap();
    }

    #[test]
    fn non_string_keys_are_named_with_their_path() {
        assert_eq!(err("123:\n  foo: 1\n"), "non-string key at top level: 123");
        assert_eq!(
            err("services:\n  foo: {image: a}\n  123: {image: b}\n"),
            "non-string key in services: 123"
        );
        assert_eq!(
            err("services:\n  e:\n    environment:\n      1: FOO\n"),
            "non-string key in services.e.environment: 1"
        );
        assert_eq!(
            err("services:\n  foo:\n    volumes: [{1: a}]\n"),
            "non-string key in services.foo.volumes[0]: 1"
        );
        assert_eq!(err("~: 1\n"), "non-string key at top level: <nil>");
        assert_eq!(err("true: 1\n"), "non-string key at top level: true");
        assert_eq!(err("1.5: 1\n"), "non-string key at top level: 1.5");
    }

    #[test]
    fn top_level_and_services_must_be_mappings() {
        assert_eq!(err("- a\n"), "top-level object must be a mapping");
        assert_eq!(err("services:\n  - foo\n"), "services must be a mapping");
        assert_eq!(err("services:\n"), "services must be a mapping");
        assert_eq!(
            err("services:\n  foo: busybox\n"),
            "services.foo must be a mapping"
        );
    }

    #[test]
    fn accepts_null_services_and_reset_tags() {
        ok("services:\n  foo:\n");
        ok("services: !reset\n");
        ok("services:\n  foo: !reset\n");
        ok("name: x\n");
    }

    #[test]
    fn error_points_at_the_key() {
        let doc = parse_documents("services:\n  123: {}\n", "t.yaml")
            .unwrap()
            .remove(0);
        let e = check(&doc).unwrap_err();
        assert_eq!((e.mark.line, e.mark.col), (2, 3));
    }
}
