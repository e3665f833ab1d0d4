//! `tug image ls` / `tug images`: docker's image table.

use super::format::{ago, human_size, parse_time, table};
use anyhow::{bail, Context, Result};
use clap::Args;
use engine::store::{ImageRecord, Store};
use serde_json::json;
use std::path::Path;

/// `tug image ls` flags, as in `docker image ls`.
#[derive(Debug, Args, Clone, Default)]
pub struct LsArgs {
    /// Show all images (tug keeps no intermediate images, so this changes nothing).
    #[arg(short, long)]
    pub all: bool,
    /// Show digests.
    #[arg(long)]
    pub digests: bool,
    /// Filter output: dangling=true|false, reference=PATTERN (repeatable).
    // No `-f`: the global `-f FILE` (compose files) takes it.
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Output format: table (default) or json (one object per line).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Don't truncate output.
    #[arg(long)]
    pub no_trunc: bool,
    /// Only show image IDs.
    #[arg(short, long)]
    pub quiet: bool,
    /// Repository to list (`nginx`, `nginx:1.25`).
    pub repository: Option<String>,
}

/// One table row: an image under one of its names.
struct Row<'a> {
    rec: &'a ImageRecord,
    repository: String,
    tag: String,
    digest: String,
}

pub fn run(root: &Path, args: &LsArgs) -> Result<i32> {
    let store = Store::open(root).context("open the image store")?;
    let mut images = store.images().context("list images")?;
    images.sort_by(|a, b| {
        let ta = a.created.as_deref().and_then(parse_time);
        let tb = b.created.as_deref().and_then(parse_time);
        tb.cmp(&ta).then_with(|| a.id.cmp(&b.id))
    });
    let mut patterns: Vec<String> = args.repository.iter().cloned().collect();
    let mut dangling = None;
    for f in &args.filters {
        match f.split_once('=') {
            Some(("dangling", v)) => {
                dangling = Some(match v {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => bail!("invalid filter 'dangling={v}': expected true or false"),
                })
            }
            Some(("reference", v)) => patterns.push(v.to_string()),
            _ => bail!("invalid filter {f:?}: tug supports dangling=BOOL and reference=PATTERN"),
        }
    }
    let mut rows = Vec::new();
    for rec in &images {
        if dangling.is_some_and(|d| d != rec.repo_tags.is_empty()) {
            continue;
        }
        for row in rows_of(rec) {
            if patterns.is_empty() || patterns.iter().any(|p| matches_reference(p, &row)) {
                rows.push(row);
            }
        }
    }
    let id = |rec: &ImageRecord| {
        if args.no_trunc {
            rec.id.to_string()
        } else {
            rec.id.short().to_string()
        }
    };
    if args.quiet {
        for r in &rows {
            println!("{}", id(r.rec));
        }
        return Ok(0);
    }
    match args.format.as_deref() {
        None | Some("table") => {}
        Some("json") => {
            let now = chrono::Utc::now();
            for r in &rows {
                let created_at = r
                    .rec
                    .created
                    .as_deref()
                    .and_then(parse_time)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S %z UTC").to_string())
                    .unwrap_or_default();
                let size = human_size(r.rec.size());
                let line = json!({
                    "Containers": "N/A",
                    "CreatedAt": created_at,
                    "CreatedSince": ago(r.rec.created.as_deref(), now),
                    "Digest": r.digest,
                    "ID": id(r.rec),
                    "Repository": r.repository,
                    "SharedSize": "N/A",
                    "Size": size,
                    "Tag": r.tag,
                    "UniqueSize": "N/A",
                    "VirtualSize": size,
                });
                println!("{line}");
            }
            return Ok(0);
        }
        Some(other) => bail!(
            "unsupported --format {other:?}: tug supports `table` and `json` (Go templates are \
             not implemented)"
        ),
    }
    let now = chrono::Utc::now();
    let mut out = vec![header(args.digests)];
    for r in &rows {
        let mut cells = vec![r.repository.clone(), r.tag.clone()];
        if args.digests {
            cells.push(r.digest.clone());
        }
        cells.push(id(r.rec));
        cells.push(ago(r.rec.created.as_deref(), now));
        cells.push(human_size(r.rec.size()));
        out.push(cells);
    }
    print!("{}", table(&out));
    Ok(0)
}

fn header(digests: bool) -> Vec<String> {
    let mut h = vec!["REPOSITORY", "TAG"];
    if digests {
        h.push("DIGEST");
    }
    h.extend(["IMAGE ID", "CREATED", "SIZE"]);
    h.into_iter().map(String::from).collect()
}

/// One row per tag; an untagged image shows under its digest references, or as
/// `<none> <none>`.
fn rows_of(rec: &ImageRecord) -> Vec<Row<'_>> {
    let none = || "<none>".to_string();
    let digest_of = |repo: &str| {
        rec.repo_digests
            .iter()
            .find(|d| d.repository() == repo)
            .and_then(|d| d.digest())
            .map_or_else(none, |d| d.to_string())
    };
    let mut rows: Vec<Row<'_>> = rec
        .repo_tags
        .iter()
        .map(|t| Row {
            rec,
            repository: t.familiar_repository(),
            tag: t.tag().map_or_else(none, str::to_string),
            digest: digest_of(&t.repository()),
        })
        .collect();
    if rows.is_empty() {
        rows = rec
            .repo_digests
            .iter()
            .map(|d| Row {
                rec,
                repository: d.familiar_repository(),
                tag: none(),
                digest: d.digest().map_or_else(none, |d| d.to_string()),
            })
            .collect();
    }
    if rows.is_empty() {
        rows.push(Row {
            rec,
            repository: none(),
            tag: none(),
            digest: none(),
        });
    }
    rows
}

/// docker's reference filter: a glob over `repository[:tag]` in familiar form.
fn matches_reference(pattern: &str, row: &Row<'_>) -> bool {
    if row.repository == "<none>" {
        return false;
    }
    let name = format!("{}:{}", row.repository, row.tag);
    let last = pattern.rsplit('/').next().unwrap_or(pattern);
    if last.contains(':') {
        glob(pattern, &name)
    } else {
        glob(pattern, &row.repository)
    }
}

/// `*` matches any run of characters except `/`, `?` one character; the rest literally.
fn glob(pattern: &str, s: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != '/')
                .any(|i| go(rest, &s[i..])),
            Some(('?', rest)) => !s.is_empty() && s[0] != '/' && go(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = s.chars().collect();
    go(&p, &s)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_stop_at_slashes() {
        assert!(glob("ngin*", "nginx"));
        assert!(glob("nginx:1.*", "nginx:1.25"));
        assert!(!glob("*", "library/x"));
        assert!(glob("*/x", "library/x"));
        assert!(!glob("nginx", "nginx2"));
    }

    #[test]
    fn a_port_is_not_a_tag() {
        let rec = engine::store::ImageRecord {
            id: engine::Digest::of(b"x"),
            manifest_digest: None,
            manifest_media_type: String::new(),
            config: Default::default(),
            layers: Vec::new(),
            repo_tags: vec![engine::reference::Reference::parse("localhost:5000/x:1").unwrap()],
            repo_digests: Vec::new(),
            created: None,
        };
        let rows = super::rows_of(&rec);
        assert!(super::matches_reference("localhost:5000/x", &rows[0]));
        assert!(super::matches_reference("localhost:5000/x:1", &rows[0]));
        assert!(!super::matches_reference("localhost:5000/x:2", &rows[0]));
    }
}
