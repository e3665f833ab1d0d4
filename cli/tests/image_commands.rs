//! The local image commands end to end through the `tug` binary: docker's output formats,
//! exit codes and messages, with a private TUG_ROOT per test.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn tug(root: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tug"));
    c.env("TUG_ROOT", root)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn tug");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input).expect("write stdin");
    }
    child.wait_with_output().expect("wait for tug")
}

fn ok(root: &Path, args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = tug(root, args, stdin);
    assert!(
        out.status.success(),
        "tug {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn rootfs_tar(seed: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let content = format!("hello {seed}\n");
    let mut h = tar::Header::new_gnu();
    h.set_size(content.len() as u64);
    h.set_mode(0o755);
    h.set_mtime(1_600_000_000);
    b.append_data(&mut h, "bin/hello", content.as_bytes())
        .expect("append");
    b.into_inner().expect("tar")
}

#[test]
fn import_list_inspect_tag_and_remove() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let id = ok(
        r,
        &[
            "image",
            "import",
            "-c",
            "ENV A=1",
            "-c",
            r#"CMD ["/bin/hello"]"#,
            "-",
            "demo:1",
        ],
        Some(&rootfs_tar("a")),
    );
    let id = id.trim().to_string();
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");
    let short = &id[7..19];

    let table = ok(r, &["images"], None);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "REPOSITORY   TAG       IMAGE ID       CREATED                  SIZE"
    );
    assert!(lines[1].starts_with("demo         1         "), "{table}");
    assert!(
        lines[1].contains(short) && lines[1].contains("ago"),
        "{table}"
    );
    assert_eq!(ok(r, &["image", "ls", "-q"], None), format!("{short}\n"));
    let json: serde_json::Value =
        serde_json::from_str(ok(r, &["images", "--format", "json"], None).trim()).unwrap();
    assert_eq!(json["Repository"], "demo");
    assert_eq!(json["Tag"], "1");
    assert_eq!(json["ID"], short);

    let inspect: serde_json::Value =
        serde_json::from_str(&ok(r, &["image", "inspect", "demo:1"], None)).unwrap();
    assert_eq!(inspect[0]["Id"], id.as_str());
    assert_eq!(inspect[0]["RepoTags"], serde_json::json!(["demo:1"]));
    assert_eq!(inspect[0]["Config"]["Env"], serde_json::json!(["A=1"]));
    assert_eq!(
        inspect[0]["Config"]["Cmd"],
        serde_json::json!(["/bin/hello"])
    );
    assert_eq!(inspect[0]["RootFS"]["Type"], "layers");
    assert_eq!(
        ok(
            r,
            &[
                "image",
                "inspect",
                "--format",
                "{{.Id}} {{json .Config.Env}}",
                short
            ],
            None
        ),
        format!("{id} [\"A=1\"]\n")
    );

    ok(r, &["image", "tag", "demo:1", "localhost:5000/demo"], None);
    let table = ok(r, &["images", "localhost:5000/demo"], None);
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("localhost:5000/demo   latest"),
        "{table}"
    );

    // Removing one of two tags only untags; the last one deletes.
    assert_eq!(
        ok(r, &["image", "rm", "demo:1"], None),
        "Untagged: demo:1\n"
    );
    let out = ok(r, &["image", "rm", "localhost:5000/demo"], None);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Untagged: localhost:5000/demo:latest");
    assert_eq!(lines[1], format!("Deleted: {id}"));
    assert_eq!(lines.len(), 3, "the layer blob is deleted too: {out}");
    assert!(lines[2].starts_with("Deleted: sha256:"));
    assert_eq!(ok(r, &["images", "-q"], None), "");
}

#[test]
fn missing_images_and_bad_names_fail_with_docker_messages() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let out = tug(r, &["image", "inspect", "ghost"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[]\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("No such image: ghost"));
    let out = tug(r, &["image", "rm", "ghost:1"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No such image: ghost:1"));
    let out = tug(r, &["image", "tag", "ghost", "Upper"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be lowercase"));
    let out = tug(r, &["image", "import", "/nonexistent.tar"], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("open /nonexistent.tar"));
}

#[test]
fn save_to_stdout_and_load_from_stdin() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    ok(
        r,
        &["image", "import", "-", "one:1"],
        Some(&rootfs_tar("1")),
    );
    let untagged = ok(r, &["image", "import", "-"], Some(&rootfs_tar("2")));
    let untagged = untagged.trim();
    let out = tug(r, &["image", "save", "one:1", untagged], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = out.stdout;
    assert!(archive.len() > 1024);

    let other = tempfile::tempdir().unwrap();
    let loaded = ok(other.path(), &["image", "load"], Some(&archive));
    assert_eq!(
        loaded,
        format!("Loaded image: one:1\nLoaded image ID: {untagged}\n")
    );
    let file = other.path().join("again.tar");
    ok(
        other.path(),
        &["image", "save", "-o", file.to_str().unwrap(), "one:1"],
        None,
    );
    let third = tempfile::tempdir().unwrap();
    assert_eq!(
        ok(
            third.path(),
            &["image", "load", "-q", "-i", file.to_str().unwrap()],
            None
        ),
        ""
    );
    assert_eq!(
        ok(third.path(), &["images", "--format", "json"], None)
            .lines()
            .count(),
        1
    );

    // A failed save leaves no file behind.
    let bad = other.path().join("bad.tar");
    let out = tug(
        other.path(),
        &["image", "save", "-o", bad.to_str().unwrap(), "ghost"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!bad.exists());
    assert_eq!(
        std::fs::read_dir(other.path()).unwrap().count(),
        2,
        "only image/ and again.tar"
    );
}

#[test]
fn prune_removes_dangling_images_and_reports_space() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let dangling = ok(r, &["image", "import", "-"], Some(&rootfs_tar("d")));
    ok(
        r,
        &["image", "import", "-", "kept:1"],
        Some(&rootfs_tar("k")),
    );
    let out = ok(r, &["image", "prune", "--force"], None);
    assert!(
        out.starts_with(&format!(
            "Deleted Images:\ndeleted: {}\n\nTotal reclaimed space: ",
            dangling.trim()
        )),
        "{out}"
    );
    assert!(!out.ends_with("space: 0B\n"), "{out}");
    assert_eq!(
        ok(r, &["images", "--format", "json"], None).lines().count(),
        1
    );
    let out = tug(r, &["image", "prune"], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no terminal to confirm on, no --force"
    );
}

#[test]
fn concurrent_processes_each_store_their_image() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut c = Command::new(env!("CARGO_BIN_EXE_tug"));
            c.env("TUG_ROOT", r)
                .args(["image", "import", "-", &format!("para:{i}")])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = c.spawn().expect("spawn tug");
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(&rootfs_tar(&i.to_string())).expect("write");
            drop(pipe);
            child
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let listed = ok(r, &["images", "--format", "json"], None);
    let mut tags: Vec<String> = listed
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["Tag"].to_string())
        .collect();
    tags.sort();
    assert_eq!(tags.len(), 8, "every process's tag survived: {listed}");
}

#[test]
fn a_killed_import_leaves_no_image_and_its_temp_file_is_cleaned() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    ok(r, &["images"], None); // creates the store
    let mut child = Command::new(env!("CARGO_BIN_EXE_tug"))
        .env("TUG_ROOT", r)
        .args(["image", "import", "-", "crash:1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tug");
    let mut pipe = child.stdin.take().expect("stdin");
    // Half a tar: a header promising 10 MB, then some of it.
    let mut h = tar::Header::new_gnu();
    h.set_path("big").unwrap();
    h.set_size(10_000_000);
    h.set_mode(0o644);
    h.set_cksum();
    pipe.write_all(h.as_bytes()).unwrap();
    pipe.write_all(&vec![7u8; 2_000_000]).unwrap();
    pipe.flush().unwrap();
    let tmp = r.join("image/tmp");
    // Wait until the layer is being written, then kill the process mid-write.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::read_dir(&tmp).unwrap().count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "import never started writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(pipe);

    assert_eq!(ok(r, &["images", "-q"], None), "", "no image record");
    let blobs = std::fs::read_dir(r.join("image/blobs/sha256"))
        .unwrap()
        .count();
    assert_eq!(blobs, 0, "no blob under a final name");
    // The leftover temp file is unlocked now; once it is old enough the next command removes it.
    let leftovers: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!leftovers.is_empty());
    for p in &leftovers {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
            .unwrap();
    }
    ok(r, &["images"], None);
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "stale temp files cleaned"
    );
}
