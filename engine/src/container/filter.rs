//! `ps --filter`: `label=key`, `label=key=value`, `name=part`, `id=prefix`, `status=running`.
//! Like docker, filters of the same key are OR-ed and different keys are AND-ed.

use super::{ContainerConfig, ContainerError, ContainerState};

/// One parsed `--filter` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `label=key` (present) or `label=key=value` (equal).
    Label { key: String, value: Option<String> },
    /// `name=part`: the name contains `part`.
    Name(String),
    /// `id=prefix`.
    Id(String),
    /// `status=running` and the other docker statuses.
    Status(String),
}

impl Filter {
    /// Parses `key=value` as `tug ps --filter` takes it.
    pub fn parse(arg: &str) -> Result<Filter, ContainerError> {
        let bad = |why| ContainerError::InvalidFilter(arg.to_string(), why);
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected key=value"))?;
        match key {
            "label" => {
                let (k, v) = match value.split_once('=') {
                    Some((k, v)) => (k, Some(v.to_string())),
                    None => (value, None),
                };
                if k.is_empty() {
                    return Err(bad("empty label key"));
                }
                Ok(Filter::Label {
                    key: k.to_string(),
                    value: v,
                })
            }
            "name" => Ok(Filter::Name(value.trim_start_matches('/').to_string())),
            "id" => Ok(Filter::Id(value.to_string())),
            "status" => Ok(Filter::Status(value.to_string())),
            _ => Err(bad("unknown key (expected label, name, id or status)")),
        }
    }

    fn key(&self) -> u8 {
        match self {
            Filter::Label { .. } => 0,
            Filter::Name(_) => 1,
            Filter::Id(_) => 2,
            Filter::Status(_) => 3,
        }
    }

    fn matches(&self, config: &ContainerConfig, state: &ContainerState) -> bool {
        match self {
            Filter::Label { key, value } => match (config.labels.get(key), value) {
                (Some(v), Some(want)) => v == want,
                (Some(_), None) => true,
                (None, _) => false,
            },
            Filter::Name(part) => config.name.contains(part.as_str()),
            Filter::Id(prefix) => config.id.starts_with(prefix.as_str()),
            Filter::Status(s) => state.status.to_string() == *s,
        }
    }
}

/// A set of filters; empty matches everything. Labels are AND-ed (docker does so too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters(pub Vec<Filter>);

impl Filters {
    /// Parses every `--filter` argument.
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Filters, ContainerError> {
        args.iter()
            .map(|a| Filter::parse(a.as_ref()))
            .collect::<Result<_, _>>()
            .map(Filters)
    }

    /// True when the container passes every key's filters.
    pub fn matches(&self, config: &ContainerConfig, state: &ContainerState) -> bool {
        (0..4u8).all(|key| {
            let mut of_key = self.0.iter().filter(|f| f.key() == key).peekable();
            if of_key.peek().is_none() {
                return true;
            }
            if key == 0 {
                of_key.all(|f| f.matches(config, state))
            } else {
                of_key.any(|f| f.matches(config, state))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::Status;

    fn config(labels: &[(&str, &str)]) -> ContainerConfig {
        ContainerConfig {
            id: "ab".repeat(32),
            name: "proj-web-1".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn label_filters_match_key_and_value() {
        let c = config(&[("com.docker.compose.project", "x"), ("tier", "")]);
        let s = ContainerState::default();
        let yes = Filters::parse(&["label=com.docker.compose.project=x", "label=tier"]).unwrap();
        assert!(yes.matches(&c, &s));
        let no = Filters::parse(&["label=com.docker.compose.project=y"]).unwrap();
        assert!(!no.matches(&c, &s));
        let missing = Filters::parse(&["label=other"]).unwrap();
        assert!(!missing.matches(&c, &s));
    }

    #[test]
    fn same_key_is_or_other_keys_are_and() {
        let c = config(&[]);
        let s = ContainerState {
            status: Status::Exited,
            ..Default::default()
        };
        assert!(Filters::parse(&["status=running", "status=exited"])
            .unwrap()
            .matches(&c, &s));
        assert!(!Filters::parse(&["status=exited", "name=db"])
            .unwrap()
            .matches(&c, &s));
        assert!(Filters::parse(&["name=web", "id=abab"])
            .unwrap()
            .matches(&c, &s));
        assert!(Filters::default().matches(&c, &s));
    }

    #[test]
    fn malformed_filters_are_refused() {
        assert!(Filter::parse("label").is_err());
        assert!(Filter::parse("label==x").is_err());
        assert!(Filter::parse("colour=red")
            .unwrap_err()
            .to_string()
            .contains("colour=red"));
    }
}
