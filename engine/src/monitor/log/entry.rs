//! One json-file log line and its formatting for `logs`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Which of the container's outputs a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    /// 0 for stdout, 1 for stderr: the slot of the stream's unfinished line in the writer.
    pub(crate) fn index(self) -> usize {
        match self {
            Stream::Stdout => 0,
            Stream::Stderr => 1,
        }
    }
}

/// One record of the log, exactly docker's json-file fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The text, with its `\n` unless the line was partial.
    pub log: String,
    pub stream: Stream,
    /// Go's RFC3339Nano: UTC, trailing zeros of the fraction dropped.
    pub time: String,
}

impl LogEntry {
    /// An entry stamped `time`.
    pub fn new(stream: Stream, log: &[u8], time: DateTime<Utc>) -> LogEntry {
        LogEntry {
            log: String::from_utf8_lossy(log).into_owned(),
            stream,
            time: rfc3339_nano(&time),
        }
    }

    /// The parsed time, `None` if the file holds something else.
    pub fn timestamp(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.time)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// Go's `time.RFC3339Nano` in UTC, as docker writes `time`.
pub(crate) fn rfc3339_nano(t: &DateTime<Utc>) -> String {
    let s = t.to_rfc3339_opts(SecondsFormat::Nanos, true);
    let (body, _) = s.split_at(s.len() - 1);
    format!("{}Z", body.trim_end_matches('0').trim_end_matches('.'))
}

/// What `logs` prints for `entry`: its text, prefixed with docker's fixed-width
/// nanosecond timestamp and a space when `timestamps` (`-t`) is set.
pub fn format_line(entry: &LogEntry, timestamps: bool) -> String {
    if !timestamps {
        return entry.log.clone();
    }
    let stamp = entry
        .timestamp()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Nanos, true))
        .unwrap_or_else(|| entry.time.clone());
    format!("{stamp} {}", entry.log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn entries_serialise_like_docker_json_file() {
        let e = LogEntry::new(Stream::Stdout, b"hi\n", t("2024-01-02T03:04:05.120Z"));
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"log":"hi\n","stream":"stdout","time":"2024-01-02T03:04:05.12Z"}"#
        );
        assert_eq!(
            rfc3339_nano(&t("2024-01-02T03:04:05Z")),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(e.timestamp(), Some(t("2024-01-02T03:04:05.12Z")));
    }

    #[test]
    fn timestamps_are_fixed_width_when_printed() {
        let e = LogEntry::new(Stream::Stderr, b"x\n", t("2024-01-02T03:04:05.5Z"));
        assert_eq!(format_line(&e, true), "2024-01-02T03:04:05.500000000Z x\n");
        assert_eq!(format_line(&e, false), "x\n");
    }
}
