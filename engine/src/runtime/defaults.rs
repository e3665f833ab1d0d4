//! Docker's defaults for a non-privileged container: capabilities, masked and read-only
//! paths, mounts and device nodes. Kept in one place so `spec` and the tests agree on them.

use oci_spec::runtime::{Capability, LinuxDevice, LinuxDeviceType, Mount};
use std::path::PathBuf;

/// Docker's default capability set (CapEff `00000000a80425fb` for root).
pub const DEFAULT_CAPS: [Capability; 14] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fsetid,
    Capability::Fowner,
    Capability::Mknod,
    Capability::NetRaw,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setfcap,
    Capability::Setpcap,
    Capability::NetBindService,
    Capability::SysChroot,
    Capability::Kill,
    Capability::AuditWrite,
];

/// Paths docker hides from the container (an empty read-only tmpfs or /dev/null over them).
pub const MASKED_PATHS: [&str; 11] = [
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];

/// Paths docker makes read-only inside the container.
pub const READONLY_PATHS: [&str; 5] = [
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// The PATH docker sets when the image defines none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Docker's default /dev/shm size: 64 MiB.
pub const DEFAULT_SHM_SIZE: u64 = 64 * 1024 * 1024;

fn mount(dest: &str, typ: &str, source: &str, options: &[&str]) -> Mount {
    let mut m = Mount::default();
    m.set_destination(PathBuf::from(dest));
    m.set_typ(Some(typ.to_string()));
    m.set_source(Some(PathBuf::from(source)));
    m.set_options(Some(options.iter().map(|s| s.to_string()).collect()));
    m
}

/// Docker's default mounts, in mount order. `/sys` and the cgroup tree are read-only unless
/// the container is privileged.
pub fn default_mounts(shm_size: u64, privileged: bool) -> Vec<Mount> {
    let ro = if privileged { "rw" } else { "ro" };
    let shm = format!("size={shm_size}");
    vec![
        mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"]),
        mount(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        ),
        mount(
            "/dev/pts",
            "devpts",
            "devpts",
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5",
            ],
        ),
        mount("/sys", "sysfs", "sysfs", &["nosuid", "noexec", "nodev", ro]),
        mount(
            "/sys/fs/cgroup",
            "cgroup",
            "cgroup",
            &["nosuid", "noexec", "nodev", "relatime", ro],
        ),
        mount(
            "/dev/mqueue",
            "mqueue",
            "mqueue",
            &["nosuid", "noexec", "nodev"],
        ),
        mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", &shm],
        ),
    ]
}

/// Docker's default device nodes (char devices, mode 0666, owned by root). `/dev/ptmx` is
/// not a node but a link to the container's own devpts instance, made by the runtime.
pub fn default_devices() -> Vec<LinuxDevice> {
    [
        ("/dev/null", 1, 3),
        ("/dev/zero", 1, 5),
        ("/dev/full", 1, 7),
        ("/dev/random", 1, 8),
        ("/dev/urandom", 1, 9),
        ("/dev/tty", 5, 0),
    ]
    .into_iter()
    .map(|(path, major, minor)| {
        let mut d = LinuxDevice::default();
        d.set_path(PathBuf::from(path));
        d.set_typ(LinuxDeviceType::C);
        d.set_major(major);
        d.set_minor(minor);
        d.set_file_mode(Some(0o666));
        d.set_uid(Some(0));
        d.set_gid(Some(0));
        d
    })
    .collect()
}
