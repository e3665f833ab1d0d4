//! Interpolation of one parsed Compose file: `${VAR}` in every string value, then casts.
//!
//! Compose substitutes variables before it validates the file, so `scale: ${N}` or
//! `privileged: $FLAG` are strings at that point. Right after substituting, compose-go casts
//! the strings found at a fixed list of paths to the type the schema wants (integers, floats,
//! booleans); strings anywhere else stay strings. The cast applies to every string at those
//! paths, interpolated or not (`read_only: "true"` becomes `true`). Keys are never
//! substituted. Errors name the dotted key path (`services.web.labels.value`, with `[]` for
//! list items), worded like compose's.

use crate::error::{ErrorKind, LoadError, Result};
use crate::node::{Node, Value};
use crate::template::{self, go_quote, TemplateError, VariableRef};
use indexmap::IndexMap;

/// Substitutes variables in every string value of `doc` and casts the values at the typed
/// paths. Returns the warnings compose prints (unset variables, YAML 1.1 booleans).
pub fn interpolate(doc: &mut Node, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<String>> {
    let mut walker = Walker {
        lookup,
        path: Vec::new(),
        warnings: Vec::new(),
    };
    walker.walk(doc)?;
    Ok(walker.warnings)
}

/// Every variable the string values of `doc` refer to, for `config --variables`: keyed by
/// name in order of first use, where a later use replaces the details of an earlier one (as
/// compose's `ExtractVariables` does).
pub fn collect_variables(doc: &Node) -> IndexMap<String, VariableRef> {
    let mut out = IndexMap::new();
    collect_into(doc, &mut out);
    out
}

fn collect_into(node: &Node, out: &mut IndexMap<String, VariableRef>) {
    match &node.value {
        Value::Str(s) => {
            for var in template::variables(s) {
                out.insert(var.name.clone(), var);
            }
        }
        Value::Map(m) => m.values().for_each(|v| collect_into(v, out)),
        Value::Seq(items) => items.iter().for_each(|v| collect_into(v, out)),
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
    }
}

/// The warning compose prints for a variable used without a default while unset.
pub fn unset_warning(name: &str) -> String {
    format!("The \"{name}\" variable is not set. Defaulting to a blank string.")
}

/// The type a value at a typed path is cast to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cast {
    /// Go `strconv.Atoi`.
    Int,
    /// Go `strconv.ParseInt(s, 10, 64)`.
    Int64,
    /// Go `strconv.ParseFloat(s, 64)`.
    Float,
    /// Go `strconv.ParseFloat(s, 32)`.
    Float32,
    /// YAML 1.1 booleans, as compose-go's `toBoolean`.
    Bool,
}

/// compose-go v2.9.1's `interpolateTypeCastMapping` (`*` matches any key or list item, `[]`
/// a list item). Newer compose-go also casts `depends_on.*.required`/`restart`; Compose
/// v2.40.3 does not, and rejects strings there, so neither do we.
const CASTS: &[(&[&str], Cast)] = &[
    (&["services", "*", "cpu_count"], Cast::Int64),
    (&["services", "*", "cpu_percent"], Cast::Float),
    (&["services", "*", "cpu_period"], Cast::Int64),
    (&["services", "*", "cpu_quota"], Cast::Int64),
    (&["services", "*", "cpu_rt_period"], Cast::Int64),
    (&["services", "*", "cpu_rt_runtime"], Cast::Int64),
    (&["services", "*", "cpus"], Cast::Float32),
    (&["services", "*", "cpu_shares"], Cast::Int64),
    (&["services", "*", "init"], Cast::Bool),
    (&["services", "*", "deploy", "replicas"], Cast::Int),
    (
        &["services", "*", "deploy", "update_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "update_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "rollback_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "rollback_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "restart_policy", "max_attempts"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "placement",
            "max_replicas_per_node",
        ],
        Cast::Int,
    ),
    (&["services", "*", "healthcheck", "retries"], Cast::Int),
    (&["services", "*", "healthcheck", "disable"], Cast::Bool),
    (&["services", "*", "oom_kill_disable"], Cast::Bool),
    (&["services", "*", "oom_score_adj"], Cast::Int64),
    (&["services", "*", "pids_limit"], Cast::Int64),
    (&["services", "*", "ports", "[]", "target"], Cast::Int),
    (&["services", "*", "privileged"], Cast::Bool),
    (&["services", "*", "read_only"], Cast::Bool),
    (&["services", "*", "scale"], Cast::Int),
    (&["services", "*", "stdin_open"], Cast::Bool),
    (&["services", "*", "tty"], Cast::Bool),
    (&["services", "*", "ulimits", "*"], Cast::Int),
    (&["services", "*", "ulimits", "*", "hard"], Cast::Int),
    (&["services", "*", "ulimits", "*", "soft"], Cast::Int),
    (&["services", "*", "volumes", "[]", "read_only"], Cast::Bool),
    (
        &["services", "*", "volumes", "[]", "volume", "nocopy"],
        Cast::Bool,
    ),
    (&["networks", "*", "external"], Cast::Bool),
    (&["networks", "*", "internal"], Cast::Bool),
    (&["networks", "*", "attachable"], Cast::Bool),
    (&["networks", "*", "enable_ipv4"], Cast::Bool),
    (&["networks", "*", "enable_ipv6"], Cast::Bool),
    (&["volumes", "*", "external"], Cast::Bool),
    (&["secrets", "*", "external"], Cast::Bool),
    (&["configs", "*", "external"], Cast::Bool),
];

/// The cast for a value at `path`, if any.
fn cast_for(path: &[String]) -> Option<Cast> {
    CASTS.iter().find_map(|(pattern, cast)| {
        let matches = pattern.len() == path.len()
            && pattern.iter().zip(path).all(|(p, s)| *p == "*" || p == s);
        matches.then_some(*cast)
    })
}

struct Walker<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    /// Keys from the root to the current node (`[]` for list items).
    path: Vec<String>,
    warnings: Vec<String>,
}

impl Walker<'_> {
    fn walk(&mut self, node: &mut Node) -> Result<()> {
        match &mut node.value {
            Value::Map(map) => {
                for (key, child) in map.iter_mut() {
                    self.path.push(key.clone());
                    self.walk(child)?;
                    self.path.pop();
                }
            }
            Value::Seq(items) => {
                for child in items.iter_mut() {
                    self.path.push("[]".into());
                    self.walk(child)?;
                    self.path.pop();
                }
            }
            Value::Str(text) => {
                let substituted = template::substitute(text, self.lookup)
                    .map_err(|e| self.template_error(&node.mark, e))?;
                self.warnings
                    .extend(substituted.unset.iter().map(|n| unset_warning(n)));
                node.value = match cast_for(&self.path) {
                    Some(cast) => self.cast(cast, substituted.value, &node.mark)?,
                    None => Value::Str(substituted.value),
                };
            }
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
        Ok(())
    }

    fn path_string(&self) -> String {
        self.path.join(".")
    }

    fn template_error(&self, mark: &crate::node::Mark, e: TemplateError) -> LoadError {
        let message = match e {
            TemplateError::Invalid { template } => format!(
                "invalid interpolation format for {}.\nYou may need to escape any $ with another $.\n{}",
                self.path_string(),
                template
            ),
            other => format!("error while interpolating {}: {}", self.path_string(), other),
        };
        LoadError::new(ErrorKind::Interpolation, mark, message)
    }

    fn cast(&mut self, cast: Cast, s: String, mark: &crate::node::Mark) -> Result<Value> {
        let result = match cast {
            Cast::Int => parse_int(&s, "strconv.Atoi").map(Value::Int),
            Cast::Int64 => parse_int(&s, "strconv.ParseInt").map(Value::Int),
            Cast::Float => parse_float(&s, false).map(Value::Float),
            Cast::Float32 => parse_float(&s, true).map(Value::Float),
            Cast::Bool => parse_bool(&s).map(|(b, warning)| {
                self.warnings.extend(warning);
                Value::Bool(b)
            }),
        };
        result.map_err(|reason| {
            LoadError::new(
                ErrorKind::Interpolation,
                mark,
                format!(
                    "error while interpolating {}: failed to cast to expected type: {}",
                    self.path_string(),
                    reason
                ),
            )
        })
    }
}

/// Go's decimal integer parsing (optional sign, digits only), with Go's error wording.
fn parse_int(s: &str, func: &str) -> std::result::Result<i64, String> {
    use std::num::IntErrorKind;
    s.parse::<i64>().map_err(|e| {
        let why = match e.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => "value out of range",
            _ => "invalid syntax",
        };
        format!("{func}: parsing {}: {why}", go_quote(s))
    })
}

/// Go's `strconv.ParseFloat` for decimal input (hexadecimal floats are not supported), with
/// Go's error wording. `single` checks the range of a 32-bit float but keeps the decimal value
/// so it prints as written (Go prints `float32(0.1)` as `0.1`).
fn parse_float(s: &str, single: bool) -> std::result::Result<f64, String> {
    let err = |why: &str| format!("strconv.ParseFloat: parsing {}: {why}", go_quote(s));
    // Rust accepts the same decimal forms as Go, plus nothing Go rejects except that Go also
    // takes underscores and hex floats; both are vanishingly rare in Compose files.
    let value: f64 = s.parse().map_err(|_| err("invalid syntax"))?;
    let literal_inf = s.to_ascii_lowercase().contains("inf");
    let overflow = if single {
        s.parse::<f32>().is_ok_and(f32::is_infinite)
    } else {
        value.is_infinite()
    };
    if overflow && !literal_inf {
        return Err(err("value out of range"));
    }
    Ok(value)
}

/// compose-go's `toBoolean`: `true`/`false` in any case, and the YAML 1.1 spellings with a
/// warning.
fn parse_bool(s: &str) -> std::result::Result<(bool, Option<String>), String> {
    let warn = |v: bool| {
        format!(
            "{} for boolean is not supported by YAML 1.2, please use `{v}`",
            go_quote(s)
        )
    };
    match s.to_lowercase().as_str() {
        "true" => Ok((true, None)),
        "false" => Ok((false, None)),
        "y" | "yes" | "on" => Ok((true, Some(warn(true)))),
        "n" | "no" | "off" => Ok((false, Some(warn(false)))),
        _ => Err(format!("invalid boolean: {s}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn load(text: &str) -> Node {
        let mut docs = yaml::parse_documents(text, "compose.yaml").expect("valid yaml");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn run(text: &str, pairs: &[(&str, &str)]) -> Result<(serde_json::Value, Vec<String>)> {
        let mut doc = load(text);
        let lookup = env(pairs);
        let warnings = interpolate(&mut doc, &lookup)?;
        Ok((doc.to_json(), warnings))
    }

    #[test]
    fn substitutes_values_not_keys() {
        let (json, warnings) = run(
            "services:\n  ${FOO}:\n    image: \"example:${USER}\"\n    volumes: [\"$FOO:/target\"]\n    labels: {a: $NOPE}\n",
            &[("USER", "jenny"), ("FOO", "bar")],
        )
        .unwrap();
        let svc = &json["services"]["${FOO}"];
        assert_eq!(svc["image"], "example:jenny");
        assert_eq!(svc["volumes"][0], "bar:/target");
        assert_eq!(svc["labels"]["a"], "");
        assert_eq!(
            warnings,
            ["The \"NOPE\" variable is not set. Defaulting to a blank string."]
        );
    }

    #[test]
    fn casts_typed_paths() {
        let text = "services:\n  web:\n    scale: ${N}\n    cpus: $F\n    privileged: $B\n    read_only: \"yes\"\n    healthcheck: {retries: $N}\n    ulimits: {nproc: $N, nofile: {soft: $N, hard: '7'}}\n    ports: [{target: $N, published: $N}]\n    deploy: {update_config: {max_failure_ratio: $F}}\n    labels: {n: $N}\nnetworks:\n  front: {external: $B}\n";
        let (json, warnings) = run(text, &[("N", "555"), ("F", "2.5"), ("B", "true")]).unwrap();
        let web = &json["services"]["web"];
        assert_eq!(web["scale"], 555);
        assert_eq!(web["cpus"], 2.5);
        assert_eq!(web["privileged"], true);
        assert_eq!(web["read_only"], true);
        assert_eq!(web["healthcheck"]["retries"], 555);
        assert_eq!(web["ulimits"]["nproc"], 555);
        assert_eq!(web["ulimits"]["nofile"]["hard"], 7);
        assert_eq!(web["ports"][0]["target"], 555);
        assert_eq!(web["ports"][0]["published"], "555");
        assert_eq!(web["deploy"]["update_config"]["max_failure_ratio"], 2.5);
        assert_eq!(web["labels"]["n"], "555");
        assert_eq!(json["networks"]["front"]["external"], true);
        assert_eq!(
            warnings,
            ["\"yes\" for boolean is not supported by YAML 1.2, please use `true`"]
        );
    }

    #[test]
    fn invalid_format_names_the_path() {
        let err = run(
            "services:\n  web:\n    labels:\n      a.b: 'x ${foo!}'\n",
            &[],
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Interpolation);
        assert_eq!(
            err.message,
            "invalid interpolation format for services.web.labels.a.b.\nYou may need to escape any $ with another $.\nx ${foo!}"
        );
        assert_eq!((err.mark.line, err.mark.col), (4, 12));
    }

    #[test]
    fn required_errors_name_the_path() {
        let err = run(
            "services:\n  web:\n    ports:\n      - \"${HOST_PORT:?set HOST_PORT}:80\"\n",
            &[],
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "error while interpolating services.web.ports.[]: required variable HOST_PORT is missing a value: set HOST_PORT"
        );
    }

    #[test]
    fn bad_casts_use_go_wording() {
        let err = run(
            "services:\n  web:\n    privileged: ${B}\n",
            &[("B", "maybe")],
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "error while interpolating services.web.privileged: failed to cast to expected type: invalid boolean: maybe"
        );
        let err = run("services:\n  web:\n    scale: ${S}\n", &[("S", "abc")]).unwrap_err();
        assert!(err
            .message
            .ends_with("strconv.Atoi: parsing \"abc\": invalid syntax"));
        let err = run(
            "services:\n  web:\n    scale: ${S}\n",
            &[("S", "99999999999999999999")],
        )
        .unwrap_err();
        assert!(err.message.ends_with("value out of range"));
        let err = run("services:\n  web:\n    cpus: ${S}\n", &[("S", "1e50")]).unwrap_err();
        assert!(err
            .message
            .ends_with("strconv.ParseFloat: parsing \"1e50\": value out of range"));
    }

    #[test]
    fn escaped_dollars_become_literal() {
        let (json, _) = run(
            "services:\n  web:\n    command: echo $$HOME $${USER}\n",
            &[("HOME", "/root")],
        )
        .unwrap();
        assert_eq!(json["services"]["web"]["command"], "echo $HOME ${USER}");
    }

    #[test]
    fn non_string_scalars_are_untouched() {
        let (json, _) = run("services:\n  web:\n    scale: 3\n    tty: true\n", &[]).unwrap();
        assert_eq!(json["services"]["web"]["scale"], 3);
        assert_eq!(json["services"]["web"]["tty"], true);
    }

    #[test]
    fn collects_variables_across_the_tree() {
        let doc = load("services:\n  web:\n    image: \"alpine:${TAG:-latest}\"\n    labels:\n      a: ${A:?need a} ${B:+alt} $C ${D-x${E}}\n");
        let vars = collect_variables(&doc);
        let names: Vec<_> = vars.keys().map(String::as_str).collect();
        // Text after an expression's balancing brace is scanned before the expression.
        assert_eq!(names, ["TAG", "C", "D", "E", "B", "A"]);
        assert_eq!(vars["TAG"].default.as_deref(), Some("latest"));
        assert!(vars["A"].required);
        assert_eq!(vars["B"].alternate.as_deref(), Some("alt"));
        assert_eq!(vars["D"].default.as_deref(), Some("x${E}"));
    }

    #[test]
    fn go_number_parsing() {
        assert_eq!(parse_int("+12", "f"), Ok(12));
        assert!(parse_int(" 1", "f").is_err());
        assert!(parse_int("0x10", "f").is_err());
        assert_eq!(parse_float("0.1", true), Ok(0.1));
        assert!(parse_float("1e39", true).is_err());
        assert!(parse_float("1e39", false).is_ok());
        assert!(parse_bool("Maybe").is_err());
        assert_eq!(parse_bool("TRUE"), Ok((true, None)));
    }
}
