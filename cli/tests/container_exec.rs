//! `tug exec` / `tug container exec` end to end through the binary, as root: output and
//! exit codes, `-u`, `-w`, `-e`, `-d`, `-t` on a pty, docker's refusals (a container that is
//! not running, `-it` without a terminal) and nothing left behind.

mod container_support;

use container_support::{is_root, Root};
use std::time::{Duration, Instant};

/// Starts a detached `sleep` container named `name`; returns its id.
fn sleeper(root: &Root, name: &str) -> String {
    let id = root
        .ok(&[
            "container",
            "run",
            "-d",
            "--name",
            name,
            "busybox",
            "sleep",
            "1000",
        ])
        .trim()
        .to_string();
    root.track(&id);
    id
}

fn run_cmd(root: &Root, args: &[&str]) -> (String, String, Option<i32>) {
    let out = root.tug(args);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn exec_runs_in_the_container_with_docker_flags_and_exit_codes() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = sleeper(&root, "ex1");
    let (out, err, code) = run_cmd(
        &root,
        &[
            "container",
            "exec",
            "ex1",
            "sh",
            "-c",
            "echo $HOSTNAME; exit 5",
        ],
    );
    assert_eq!(out, format!("{}\n", &id[..12]), "stderr: {err}");
    assert_eq!(code, Some(5));
    assert_eq!(root.ok(&["exec", "-u", "app", "ex1", "id", "-u"]), "1000\n");
    assert_eq!(root.ok(&["exec", "-w", "/tmp", "ex1", "pwd"]), "/tmp\n");
    assert_eq!(
        root.ok(&["exec", "-e", "X=1", "ex1", "sh", "-c", "echo $X"]),
        "1\n"
    );
    let (_, err, code) = run_cmd(&root, &["exec", "ex1", "no-such-command"]);
    assert_eq!(code, Some(127), "stderr: {err}");
    let (_, _, code) = run_cmd(&root, &["exec", "ex1", "sh", "-c", "kill -9 $$"]);
    assert_eq!(code, Some(137));
    root.ok(&["container", "rm", "-f", "ex1"]);
    root.assert_gone(&id);
}

#[test]
fn detached_exec_returns_at_once_and_the_command_runs() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = sleeper(&root, "ex2");
    let (out, err, code) = run_cmd(
        &root,
        &[
            "exec",
            "-d",
            "ex2",
            "sh",
            "-c",
            "sleep 0.2; echo x > /tmp/done",
        ],
    );
    assert_eq!((out.as_str(), code), ("", Some(0)), "stderr: {err}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, _, code) = run_cmd(&root, &["exec", "ex2", "test", "-f", "/tmp/done"]);
        if code == Some(0) {
            break;
        }
        assert!(Instant::now() < deadline, "the detached exec never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    root.ok(&["container", "rm", "-f", "ex2"]);
    root.assert_gone(&id);
}

#[test]
fn tty_exec_goes_through_a_pty_and_interactive_needs_a_terminal() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = sleeper(&root, "ex3");
    // The test's stdin is /dev/null: docker refuses -it without a terminal.
    let (out, err, code) = run_cmd(&root, &["exec", "-it", "ex3", "echo", "hi"]);
    assert_eq!((out.as_str(), code), ("", Some(1)));
    assert!(err.contains("the input device is not a TTY"), "{err}");
    // -t alone allocates a pty: the tty line discipline turns \n into \r\n.
    let (out, err, code) = run_cmd(&root, &["exec", "-t", "ex3", "sh", "-c", "tty; exit 3"]);
    assert!(out.starts_with("/dev/pts/"), "stdout {out:?}, stderr {err}");
    assert!(out.ends_with("\r\n"), "{out:?}");
    assert_eq!(code, Some(3));
    root.ok(&["container", "rm", "-f", "ex3"]);
    root.assert_gone(&id);
}

#[test]
fn exec_into_a_container_that_is_not_running_is_refused() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = root
        .ok(&["container", "create", "--name", "ex4", "busybox", "true"])
        .trim()
        .to_string();
    let (_, err, code) = run_cmd(&root, &["exec", "ex4", "true"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("Container ex4 is not running"), "{err}");
    root.ok(&["container", "start", "ex4"]);
    root.ok(&["container", "wait", "ex4"]);
    let (_, err, code) = run_cmd(&root, &["container", "exec", "ex4", "true"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("is not running"), "{err}");
    root.ok(&["container", "rm", "ex4"]);
    root.assert_gone(&id);
}
