//! `tug container top`: docker's `ps -ef` view of the container's processes, built from the
//! pids of its cgroup and their /proc files.

use anyhow::{bail, Context, Result};
use clap::Args;
use engine::cgroup::{CgroupManager, Host};
use engine::container::ContainerStore;
use std::path::Path;

/// `top CONTAINER`.
#[derive(Debug, Args, Clone)]
pub struct TopArgs {
    /// Container name or id.
    pub container: String,
}

/// The kernel's unit for times in /proc/<pid>/stat (USER_HZ, 100 on every Linux port).
const TICKS_PER_SEC: u64 = 100;

/// Docker's columns, those of `ps -ef`.
const HEADER: [&str; 8] = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"];

/// The fields of one /proc/<pid>/stat line that `top` prints.
#[derive(Debug, PartialEq)]
struct Stat {
    ppid: i64,
    tty_nr: u64,
    cpu_ticks: u64,
    start_ticks: u64,
}

/// Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so the fields
/// are counted from the last `)`.
fn parse_stat(line: &str) -> Option<Stat> {
    let rest = line.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some(Stat {
        ppid: f.get(1)?.parse().ok()?,
        tty_nr: num(4)?,
        cpu_ticks: num(11)? + num(12)?,
        start_ticks: num(19)?,
    })
}

/// `ps`'s TIME: CPU time as `HH:MM:SS`.
fn cpu_time(ticks: u64) -> String {
    let s = ticks / TICKS_PER_SEC;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `ps`'s TTY: `?` for none, `pts/N` for a pseudo-terminal (major 136-143).
fn tty_name(tty_nr: u64) -> String {
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        0 => "?".into(),
        136..=143 => format!("pts/{}", (major - 136) * 256 + minor),
        _ => format!("tty{minor}"),
    }
}

/// `ps`'s C: average CPU use over the process's life, in percent.
fn cpu_percent(stat: &Stat, uptime_secs: f64) -> u64 {
    let lived = uptime_secs - stat.start_ticks as f64 / TICKS_PER_SEC as f64;
    if lived <= 0.0 {
        return 0;
    }
    (stat.cpu_ticks as f64 / TICKS_PER_SEC as f64 / lived * 100.0) as u64
}

/// The user name of `uid` in the host's /etc/passwd (as `ps` on the host shows it), or the
/// number.
fn user_name(passwd: &str, uid: &str) -> String {
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == uid)
        .map_or_else(|| uid.to_string(), |f| f[0].to_string())
}

/// One row for `pid`, or `None` when it exited meanwhile.
fn row(pid: i32, passwd: &str, boot_time: u64, uptime: f64) -> Option<Vec<String>> {
    let proc = Path::new("/proc").join(pid.to_string());
    let stat = parse_stat(&std::fs::read_to_string(proc.join("stat")).ok()?)?;
    let status = std::fs::read_to_string(proc.join("status")).ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or("?");
    let cmdline = std::fs::read(proc.join("cmdline")).ok()?;
    let cmd = if cmdline.is_empty() {
        let comm = std::fs::read_to_string(proc.join("comm")).ok()?;
        format!("[{}]", comm.trim_end())
    } else {
        String::from_utf8_lossy(&cmdline)
            .trim_end_matches('\0')
            .replace('\0', " ")
    };
    let started = boot_time + stat.start_ticks / TICKS_PER_SEC;
    let stime = chrono::DateTime::from_timestamp(started as i64, 0)
        .map_or_else(|| "?".into(), |t| t.format("%H:%M").to_string());
    Some(vec![
        user_name(passwd, uid),
        pid.to_string(),
        stat.ppid.to_string(),
        cpu_percent(&stat, uptime).to_string(),
        stime,
        tty_name(stat.tty_nr),
        cpu_time(stat.cpu_ticks),
        cmd,
    ])
}

/// Prints the container's processes.
pub fn run(root: &Path, args: &TopArgs) -> Result<i32> {
    let store = ContainerStore::open(root)?;
    store.refresh(&engine::container::ProcProcesses)?;
    let c = store.lookup(&args.container)?;
    if !c.state.status.has_monitor() {
        bail!("container {} is not running", c.config.id);
    }
    let host = Host::detect()?;
    let mut pids = CgroupManager::new(&host, &c.config.id)?
        .pids()
        .with_context(|| format!("listing the processes of container {}", c.config.id))?;
    pids.sort_unstable();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let boot_time = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0);
    let uptime = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0);
    let mut rows = vec![HEADER.map(String::from).to_vec()];
    rows.extend(
        pids.into_iter()
            .filter_map(|p| row(p, &passwd, boot_time, uptime)),
    );
    print!("{}", crate::table::render(&rows, 0, 3));
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        let line = "42 (a b) c) S 1 42 42 34816 42 4194560 1 0 0 0 250 150 0 0 20 0 1 0 7000 0 0";
        let s = parse_stat(line).expect("stat");
        assert_eq!(s.ppid, 1);
        assert_eq!(s.cpu_ticks, 400);
        assert_eq!(s.start_ticks, 7000);
        assert_eq!(tty_name(s.tty_nr), "pts/0");
        assert_eq!(cpu_time(s.cpu_ticks), "00:00:04");
        assert_eq!(cpu_percent(&s, 110.0), 10);
    }

    #[test]
    fn users_and_ttys_read_like_ps() {
        assert_eq!(user_name("root:x:0:0::/root:/bin/sh\n", "0"), "root");
        assert_eq!(user_name("", "1000"), "1000");
        assert_eq!(tty_name(0), "?");
        assert_eq!(cpu_time(3_723 * TICKS_PER_SEC), "01:02:03");
    }
}
