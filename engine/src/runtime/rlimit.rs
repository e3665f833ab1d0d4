//! rlimits: docker's `--ulimit` names and the clamp to the host's hard limits, so a
//! container starts without CAP_SYS_RESOURCE (raising a hard limit needs it). The host's
//! limits are read through [`HostLimits`] so the clamp is tested without touching them.

use nix::sys::resource::{getrlimit, Resource};
use oci_spec::runtime::PosixRlimitType;

/// Where the host's hard limits come from.
pub trait HostLimits {
    /// The hard limit of `typ` in this process, `None` when unknown (then no clamp).
    fn hard_limit(&self, typ: PosixRlimitType) -> Option<u64>;
}

/// The calling process's limits, read with getrlimit(2).
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessLimits;

impl HostLimits for ProcessLimits {
    fn hard_limit(&self, typ: PosixRlimitType) -> Option<u64> {
        getrlimit(to_resource(typ)).ok().map(|(_, hard)| hard)
    }
}

/// The kernel resource for an OCI rlimit type.
pub fn to_resource(typ: PosixRlimitType) -> Resource {
    use PosixRlimitType as T;
    match typ {
        T::RlimitCpu => Resource::RLIMIT_CPU,
        T::RlimitFsize => Resource::RLIMIT_FSIZE,
        T::RlimitData => Resource::RLIMIT_DATA,
        T::RlimitStack => Resource::RLIMIT_STACK,
        T::RlimitCore => Resource::RLIMIT_CORE,
        T::RlimitRss => Resource::RLIMIT_RSS,
        T::RlimitNproc => Resource::RLIMIT_NPROC,
        T::RlimitNofile => Resource::RLIMIT_NOFILE,
        T::RlimitMemlock => Resource::RLIMIT_MEMLOCK,
        T::RlimitAs => Resource::RLIMIT_AS,
        T::RlimitLocks => Resource::RLIMIT_LOCKS,
        T::RlimitSigpending => Resource::RLIMIT_SIGPENDING,
        T::RlimitMsgqueue => Resource::RLIMIT_MSGQUEUE,
        T::RlimitNice => Resource::RLIMIT_NICE,
        T::RlimitRtprio => Resource::RLIMIT_RTPRIO,
        T::RlimitRttime => Resource::RLIMIT_RTTIME,
    }
}

/// Parses docker's ulimit name (`nofile`, `NOFILE` or `RLIMIT_NOFILE`).
pub fn parse_rlimit_name(name: &str) -> Option<PosixRlimitType> {
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("RLIMIT_") {
        upper
    } else {
        format!("RLIMIT_{upper}")
    };
    full.parse().ok()
}

/// Clamps a requested (soft, hard) pair to the host's hard limit; soft never exceeds hard.
pub fn clamp(typ: PosixRlimitType, soft: u64, hard: u64, host: &dyn HostLimits) -> (u64, u64) {
    let hard = match host.hard_limit(typ) {
        Some(max) => hard.min(max),
        None => hard,
    };
    (soft.min(hard), hard)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(u64);
    impl HostLimits for Fixed {
        fn hard_limit(&self, _: PosixRlimitType) -> Option<u64> {
            Some(self.0)
        }
    }

    #[test]
    fn names_parse_like_docker() {
        assert_eq!(
            parse_rlimit_name("nofile"),
            Some(PosixRlimitType::RlimitNofile)
        );
        assert_eq!(
            parse_rlimit_name("RLIMIT_NPROC"),
            Some(PosixRlimitType::RlimitNproc)
        );
        assert_eq!(parse_rlimit_name("bogus"), None);
    }

    #[test]
    fn clamps_to_host_hard_limit() {
        let t = PosixRlimitType::RlimitNofile;
        assert_eq!(clamp(t, 2048, 1 << 20, &Fixed(4096)), (2048, 4096));
        assert_eq!(clamp(t, 9000, 9000, &Fixed(4096)), (4096, 4096));
        assert_eq!(clamp(t, 10, 20, &Fixed(4096)), (10, 20));
    }

    #[test]
    fn process_limits_reads_this_process() {
        let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        assert_eq!(
            ProcessLimits.hard_limit(PosixRlimitType::RlimitNofile),
            Some(hard)
        );
    }
}
