//! Output helpers shared by the image commands: docker's table layout, sizes ("187MB") and
//! ages ("2 weeks ago"), all as docker's CLI (go-units, tabwriter) prints them.

use chrono::{DateTime, Utc};

/// Renders rows like docker's image tables (`tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`).
pub fn table(rows: &[Vec<String>]) -> String {
    crate::table::render(rows, 10, 3)
}

/// go-units `HumanSizeWithPrecision(n, 3)`: decimal units, three significant digits.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut size = n as f64;
    let mut i = 0;
    while size >= 1000.0 && i + 1 < UNITS.len() {
        size /= 1000.0;
        i += 1;
    }
    format!("{}{}", significant(size, 3), UNITS[i])
}

/// `%.{digits}g` for values in [0, 1000): round to significant digits, drop trailing zeros.
fn significant(v: f64, digits: i32) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// go-units `HumanDuration` plus " ago", or `N/A` when the time is unknown.
pub fn ago(created: Option<&str>, now: DateTime<Utc>) -> String {
    let Some(t) = created.and_then(parse_time) else {
        return "N/A".to_string();
    };
    let secs = (now - t).num_seconds();
    format!("{} ago", human_duration(secs))
}

/// Parses an RFC 3339 time as configs carry it.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn human_duration(secs: i64) -> String {
    let hours = ((secs as f64) / 3600.0 + 0.5) as i64;
    let minutes = secs / 60;
    match () {
        _ if secs < 1 => "Less than a second".to_string(),
        _ if secs == 1 => "1 second".to_string(),
        _ if secs < 60 => format!("{secs} seconds"),
        _ if minutes == 1 => "About a minute".to_string(),
        _ if minutes < 60 => format!("{minutes} minutes"),
        _ if hours == 1 => "About an hour".to_string(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        _ => format!("{} years", hours / 24 / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_like_go_units() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(999), "999B");
        assert_eq!(human_size(4_261_234), "4.26MB");
        assert_eq!(human_size(187_000_000), "187MB");
        assert_eq!(human_size(1_500), "1.5kB");
        assert_eq!(human_size(1_230_000_000), "1.23GB");
    }

    #[test]
    fn ages_like_go_units() {
        let now = parse_time("2024-03-01T00:00:00Z").unwrap();
        let cases = [
            ("2024-03-01T00:00:00Z", "Less than a second ago"),
            ("2024-02-29T23:59:30Z", "30 seconds ago"),
            ("2024-02-29T23:59:00Z", "About a minute ago"),
            ("2024-02-29T23:00:00Z", "About an hour ago"),
            ("2024-02-29T00:00:00Z", "24 hours ago"),
            ("2024-02-20T00:00:00Z", "10 days ago"),
            ("2024-01-15T00:00:00Z", "6 weeks ago"),
            ("2023-06-01T00:00:00+02:00", "9 months ago"),
            ("2020-01-01T00:00:00Z", "4 years ago"),
        ];
        for (t, want) in cases {
            assert_eq!(ago(Some(t), now), want, "{t}");
        }
        assert_eq!(ago(None, now), "N/A");
        assert_eq!(ago(Some("garbage"), now), "N/A");
    }

    #[test]
    fn table_pads_like_tabwriter() {
        let rows = vec![
            vec![
                "REPOSITORY".to_string(),
                "TAG".to_string(),
                "SIZE".to_string(),
            ],
            vec!["x".to_string(), "latest".to_string(), "1MB".to_string()],
        ];
        assert_eq!(
            table(&rows),
            "REPOSITORY   TAG       SIZE\nx            latest    1MB\n"
        );
    }
}
