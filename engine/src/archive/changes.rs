//! `--change` instructions (`ENV A=1`, `CMD ["x"]`, …): the Dockerfile instructions that
//! `docker import` and `docker commit` accept, applied to an image's run-time config.

use super::ArchiveError;
use crate::image::config::Empty;
use crate::image::{ContainerConfig, HealthConfig};

/// Applies each instruction in order, as docker does, so later ones win.
pub fn apply_changes(cfg: &mut ContainerConfig, changes: &[String]) -> Result<(), ArchiveError> {
    for change in changes {
        apply_one(cfg, change).map_err(|reason| ArchiveError::Change {
            change: change.clone(),
            reason,
        })?;
    }
    Ok(())
}

fn apply_one(cfg: &mut ContainerConfig, change: &str) -> Result<(), String> {
    let trimmed = change.trim();
    let (word, rest) = trimmed
        .split_once(char::is_whitespace)
        .map_or((trimmed, ""), |(w, r)| (w, r.trim()));
    let instr = word.to_ascii_uppercase();
    if rest.is_empty() {
        return Err(format!("{instr} requires at least one argument"));
    }
    match instr.as_str() {
        "CMD" => cfg.cmd = Some(command(rest)),
        "ENTRYPOINT" => cfg.entrypoint = Some(command(rest)),
        "ENV" => {
            let env = cfg.env.get_or_insert_with(Vec::new);
            for (k, v) in name_values(rest, "ENV")? {
                let prefix = format!("{k}=");
                env.retain(|e| !e.starts_with(&prefix) && *e != k);
                env.push(format!("{k}={v}"));
            }
        }
        "LABEL" => {
            let labels = cfg.labels.get_or_insert_with(Default::default);
            for (k, v) in name_values(rest, "LABEL")? {
                labels.insert(k, v);
            }
        }
        "EXPOSE" => {
            let ports = cfg.exposed_ports.get_or_insert_with(Default::default);
            for p in words(rest)? {
                for port in expose(&p)? {
                    ports.insert(port, Empty {});
                }
            }
        }
        "VOLUME" => {
            let vols = cfg.volumes.get_or_insert_with(Default::default);
            let list = json_array(rest).map_or_else(|| words(rest), Ok)?;
            for v in list {
                if v.trim().is_empty() {
                    return Err("VOLUME specified can not be an empty string".to_string());
                }
                vols.insert(v, Empty {});
            }
        }
        "USER" => cfg.user = Some(rest.to_string()),
        "WORKDIR" => {
            let dir = match &cfg.working_dir {
                Some(base) if !rest.starts_with('/') => {
                    format!("{}/{rest}", base.trim_end_matches('/'))
                }
                _ => rest.to_string(),
            };
            cfg.working_dir = Some(dir);
        }
        "STOPSIGNAL" => cfg.stop_signal = Some(rest.to_string()),
        "ONBUILD" => {
            let (inner, _) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            if matches!(
                inner.to_ascii_uppercase().as_str(),
                "ONBUILD" | "FROM" | "MAINTAINER"
            ) {
                return Err(format!("{inner} isn't allowed as an ONBUILD trigger"));
            }
            cfg.on_build
                .get_or_insert_with(Vec::new)
                .push(rest.to_string());
        }
        "HEALTHCHECK" => cfg.healthcheck = Some(healthcheck(rest)?),
        other => {
            return Err(format!(
                "{other} is not a valid change command (valid: CMD, ENTRYPOINT, ENV, EXPOSE, \
                 HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)"
            ))
        }
    }
    Ok(())
}

/// Exec form (`["a", "b"]`) as is; shell form wrapped in `/bin/sh -c`.
fn command(rest: &str) -> Vec<String> {
    json_array(rest).unwrap_or_else(|| vec!["/bin/sh".into(), "-c".into(), rest.to_string()])
}

fn json_array(s: &str) -> Option<Vec<String>> {
    if !s.starts_with('[') {
        return None;
    }
    serde_json::from_str(s).ok()
}

/// `k=v k2="v 2"`, or the legacy `k rest of line` when the first word has no `=`.
fn name_values(rest: &str, instr: &str) -> Result<Vec<(String, String)>, String> {
    let first = rest.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        let (k, v) = rest
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("{instr} names must be followed by a value: {rest:?}"))?;
        return Ok(vec![(k.to_string(), v.trim().to_string())]);
    }
    words(rest)?
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("{instr} expects key=value pairs, got {w:?}")),
        })
        .collect()
}

/// Splits on blanks, honouring double and single quotes and backslash escapes.
fn words(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                cur.push(chars.next().unwrap_or('\\'));
            }
            '"' | '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err(format!("unmatched {c} quote in {s:?}")),
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => cur.push(chars.next().unwrap_or('\\')),
                        Some(x) => cur.push(x),
                    }
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// `80`, `80/udp`, `8000-8002/tcp` into `port/proto` keys.
fn expose(spec: &str) -> Result<Vec<String>, String> {
    let (ports, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid protocol {proto:?} in {spec:?}"));
    }
    let parse = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| format!("invalid port {p:?} in {spec:?}"))
    };
    let (lo, hi) = match ports.split_once('-') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => (parse(ports)?, parse(ports)?),
    };
    if hi < lo {
        return Err(format!("invalid port range {spec:?}"));
    }
    Ok((lo..=hi).map(|p| format!("{p}/{proto}")).collect())
}

/// `HEALTHCHECK [--interval=D --timeout=D --start-period=D --start-interval=D --retries=N]
/// CMD …` or `HEALTHCHECK NONE`.
fn healthcheck(rest: &str) -> Result<HealthConfig, String> {
    let mut hc = HealthConfig::default();
    let mut s = rest;
    while let Some(opt) = s.strip_prefix("--") {
        let (flag, tail) = opt.split_once(char::is_whitespace).unwrap_or((opt, ""));
        let (name, value) = flag
            .split_once('=')
            .ok_or_else(|| format!("HEALTHCHECK option --{flag} needs a value"))?;
        match name {
            "interval" => hc.interval = Some(go_duration(value)?),
            "timeout" => hc.timeout = Some(go_duration(value)?),
            "start-period" => hc.start_period = Some(go_duration(value)?),
            "start-interval" => hc.start_interval = Some(go_duration(value)?),
            "retries" => {
                hc.retries = Some(
                    value
                        .parse()
                        .map_err(|_| format!("invalid HEALTHCHECK retries {value:?}"))?,
                )
            }
            other => return Err(format!("unknown HEALTHCHECK option --{other}")),
        }
        s = tail.trim_start();
    }
    let (kind, cmd) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    match kind.to_ascii_uppercase().as_str() {
        "NONE" if cmd.trim().is_empty() => hc.test = Some(vec!["NONE".to_string()]),
        "CMD" if !cmd.trim().is_empty() => {
            let cmd = cmd.trim();
            hc.test = Some(match json_array(cmd) {
                Some(args) => std::iter::once("CMD".to_string()).chain(args).collect(),
                None => vec!["CMD-SHELL".to_string(), cmd.to_string()],
            });
        }
        _ => return Err("HEALTHCHECK takes NONE or CMD followed by a command".to_string()),
    }
    Ok(hc)
}

/// A Go duration (`1m30s`, `500ms`, `2h`) in nanoseconds, as the image config stores it.
fn go_duration(s: &str) -> Result<i64, String> {
    let d = crate::monitor::duration::parse_go_duration(s).map_err(|e| e.to_string())?;
    i64::try_from(d.as_nanos()).map_err(|_| format!("invalid duration {s:?}: too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(changes: &[&str]) -> ContainerConfig {
        let mut c = ContainerConfig::default();
        let owned: Vec<String> = changes.iter().map(|s| s.to_string()).collect();
        apply_changes(&mut c, &owned).unwrap();
        c
    }

    #[test]
    fn instructions_set_the_config() {
        let c = apply(&[
            "ENV A=1",
            r#"ENV B="two words" C=3"#,
            "ENV A=replaced",
            "env LEGACY some value",
            r#"CMD ["x", "y"]"#,
            "ENTRYPOINT echo hi",
            "EXPOSE 80 53/udp 8000-8001",
            "LABEL a=b",
            "VOLUME /data",
            "WORKDIR /app",
            "WORKDIR sub",
            "USER 1000:1000",
            "STOPSIGNAL SIGINT",
            "HEALTHCHECK --interval=1m30s --retries=3 CMD curl -f http://x/",
        ]);
        assert_eq!(
            c.env.unwrap(),
            ["B=two words", "C=3", "A=replaced", "LEGACY=some value"]
        );
        assert_eq!(c.cmd.unwrap(), ["x", "y"]);
        assert_eq!(c.entrypoint.unwrap(), ["/bin/sh", "-c", "echo hi"]);
        let ports: Vec<String> = c.exposed_ports.unwrap().into_keys().collect();
        assert_eq!(ports, ["53/udp", "80/tcp", "8000/tcp", "8001/tcp"]);
        assert_eq!(c.labels.unwrap()["a"], "b");
        assert!(c.volumes.unwrap().contains_key("/data"));
        assert_eq!(c.working_dir.unwrap(), "/app/sub");
        assert_eq!(c.user.unwrap(), "1000:1000");
        assert_eq!(c.stop_signal.unwrap(), "SIGINT");
        let hc = c.healthcheck.unwrap();
        assert_eq!(hc.interval, Some(90_000_000_000));
        assert_eq!(hc.retries, Some(3));
        assert_eq!(hc.test.unwrap(), ["CMD-SHELL", "curl -f http://x/"]);
    }

    #[test]
    fn bad_instructions_name_the_problem() {
        let mut c = ContainerConfig::default();
        for (bad, needle) in [
            ("RUN make", "not a valid change command"),
            ("CMD", "requires at least one argument"),
            ("EXPOSE 99999", "invalid port"),
            ("ENV A=\"open", "unmatched"),
            ("HEALTHCHECK --interval=5x CMD true", "invalid duration"),
        ] {
            let err = apply_changes(&mut c, &[bad.to_string()]).unwrap_err();
            assert!(err.to_string().contains(needle), "{bad}: {err}");
        }
    }
}
