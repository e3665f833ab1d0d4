//! The json-file log on real files: line splitting, partial lines, rotation, `--tail`,
//! `--since`, and `-f` across rotation and a restart appending to the same log.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use engine::monitor::log::{
    format_line, log_files, parse_since, parse_size, read_log, LogEntry, LogOptions, LogWriter,
    ReadOptions, Stream, MAX_LINE,
};

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + Duration::seconds(secs)
}

fn texts(entries: &[LogEntry]) -> Vec<String> {
    entries.iter().map(|e| e.log.clone()).collect()
}

fn all(path: &Path) -> Vec<LogEntry> {
    read_log(path, ReadOptions::default()).unwrap().0
}

#[test]
fn output_is_split_into_lines_per_stream_and_partials_wait() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c-json.log");
    let mut w = LogWriter::open(&path, LogOptions::default()).unwrap();
    w.write(Stream::Stdout, b"one\ntw", t(0)).unwrap();
    w.write(Stream::Stderr, b"err\n", t(1)).unwrap();
    assert_eq!(texts(&all(&path)), ["one\n", "err\n"]);
    w.write(Stream::Stdout, b"o\nthree", t(2)).unwrap();
    w.flush_partial(Stream::Stdout, t(3)).unwrap();
    let entries = all(&path);
    assert_eq!(texts(&entries), ["one\n", "err\n", "two\n", "three"]);
    assert_eq!(entries[1].stream, Stream::Stderr);
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(raw.starts_with(r#"{"log":"one\n","stream":"stdout","time":"2024-01-01T00:00:00Z"}"#));
}

#[test]
fn long_lines_become_partial_entries_that_concatenate_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut w = LogWriter::open(&path, LogOptions::default()).unwrap();
    let mut line = vec![b'a'; MAX_LINE * 2 + 10];
    line.push(b'\n');
    w.write(Stream::Stdout, &line, t(0)).unwrap();
    let entries = all(&path);
    assert_eq!(entries.len(), 3);
    assert!(!entries[0].log.ends_with('\n'));
    let joined: String = entries.iter().map(|e| e.log.as_str()).collect();
    assert_eq!(joined.as_bytes(), &line[..]);
}

#[test]
fn rotation_keeps_max_file_files_under_max_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let opts = LogOptions {
        max_size: Some(300),
        max_file: 3,
    };
    let mut w = LogWriter::open(&path, opts).unwrap();
    for i in 0..40 {
        w.write(Stream::Stdout, format!("line {i:02}\n").as_bytes(), t(i))
            .unwrap();
    }
    let files = log_files(&path);
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(!dir.path().join("log.3").exists());
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() <= 300, "{f:?}");
    }
    let got = texts(&all(&path));
    assert_eq!(got.last().unwrap(), "line 39\n");
    let nums: Vec<u32> = got.iter().map(|l| l[5..7].parse().unwrap()).collect();
    assert!(nums.windows(2).all(|w| w[1] == w[0] + 1), "{nums:?}");
    assert!(nums[0] > 0, "the oldest lines were dropped");
}

#[test]
fn max_file_one_truncates_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut w = LogWriter::open(
        &path,
        LogOptions {
            max_size: Some(200),
            max_file: 1,
        },
    )
    .unwrap();
    for i in 0..10 {
        w.write(Stream::Stdout, format!("l{i}\n").as_bytes(), t(i))
            .unwrap();
    }
    assert_eq!(log_files(&path), vec![path.clone()]);
    assert!(std::fs::metadata(&path).unwrap().len() <= 200);
    assert_eq!(texts(&all(&path)).last().unwrap(), "l9\n");
}

#[test]
fn tail_and_since_select_like_docker() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut w = LogWriter::open(&path, LogOptions::default()).unwrap();
    for i in 0..10 {
        w.write(Stream::Stdout, format!("{i}\n").as_bytes(), t(i * 60))
            .unwrap();
    }
    let tail = read_log(
        &path,
        ReadOptions {
            tail: Some(3),
            since: None,
        },
    )
    .unwrap()
    .0;
    assert_eq!(texts(&tail), ["7\n", "8\n", "9\n"]);
    let since = parse_since("10m", t(12 * 60)).unwrap();
    assert_eq!(since, t(2 * 60));
    let got = read_log(
        &path,
        ReadOptions {
            tail: None,
            since: Some(since),
        },
    )
    .unwrap()
    .0;
    assert_eq!(got.len(), 8);
    assert_eq!(texts(&got)[0], "2\n");
    let none = read_log(
        &path,
        ReadOptions {
            tail: Some(0),
            since: None,
        },
    )
    .unwrap()
    .0;
    assert!(none.is_empty());
    assert_eq!(
        format_line(&tail[0], true),
        "2024-01-01T00:07:00.000000000Z 7\n"
    );
}

#[test]
fn since_and_sizes_parse() {
    let now = t(1000);
    assert_eq!(parse_since("2024-01-01T00:00:05Z", now).unwrap(), t(5));
    assert_eq!(parse_since("1704067210", now).unwrap(), t(10));
    assert_eq!(parse_since("1h", now).unwrap(), now - Duration::hours(1));
    assert!(parse_since("yesterday", now).is_err());
    assert_eq!(parse_size("10m").unwrap(), 10 << 20);
    assert_eq!(parse_size("100k").unwrap(), 100 << 10);
    assert_eq!(parse_size("1024").unwrap(), 1024);
    assert!(parse_size("10x").is_err());
    assert!(parse_size("0").is_err());
}

#[test]
fn follow_survives_rotation_restart_and_half_written_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let opts = LogOptions {
        max_size: Some(250),
        max_file: 2,
    };
    let mut w = LogWriter::open(&path, opts).unwrap();
    w.write(Stream::Stdout, b"before\n", t(0)).unwrap();
    let (history, mut f) = read_log(&path, ReadOptions::default()).unwrap();
    assert_eq!(texts(&history), ["before\n"]);
    assert!(f.poll().unwrap().is_empty());

    // Enough lines to rotate at least once between two polls.
    let mut expected = Vec::new();
    for i in 0..4 {
        let line = format!("run1 {i}\n");
        w.write(Stream::Stdout, line.as_bytes(), t(1)).unwrap();
        expected.push(line);
    }
    assert!(dir.path().join("log.1").exists(), "rotation happened");
    let mut got = texts(&f.poll().unwrap());
    drop(w);

    // The container restarts: a new writer appends to the same log.
    let mut w2 = LogWriter::open(&path, opts).unwrap();
    w2.write(Stream::Stderr, b"run2\n", t(2)).unwrap();
    expected.push("run2\n".into());
    got.extend(texts(&f.poll().unwrap()));
    assert_eq!(got, expected);

    // A line being written is not returned until it is complete.
    let mut raw = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    raw.write_all(br#"{"log":"half\n","stream":"std"#).unwrap();
    assert!(f.poll().unwrap().is_empty());
    raw.write_all(b"out\",\"time\":\"2024-01-01T00:00:03Z\"}\n")
        .unwrap();
    assert_eq!(texts(&f.poll().unwrap()), ["half\n"]);
}

#[test]
fn follow_starts_before_the_log_exists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let (history, mut f) = read_log(&path, ReadOptions::default()).unwrap();
    assert!(history.is_empty());
    assert!(f.poll().unwrap().is_empty());
    let mut w = LogWriter::open(&path, LogOptions::default()).unwrap();
    w.write(Stream::Stdout, b"first\n", t(0)).unwrap();
    assert_eq!(texts(&f.poll().unwrap()), ["first\n"]);
}
