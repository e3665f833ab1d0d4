//! Resource limits of a container, in docker's terms, and the conversions docker and runc apply
//! (`--cpus` to a CFS quota, cpu shares to a cgroup v2 weight, the default swap).

use super::error::{CgroupError, Result};

/// The CFS period docker uses for `--cpus`, in microseconds.
pub const DEFAULT_CPU_PERIOD_US: u64 = 100_000;

/// The kernel's smallest CFS quota, in microseconds.
const MIN_CPU_QUOTA_US: i64 = 1_000;

/// The limits of one container. `None` leaves the kernel default (unlimited).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// `--memory`: hard limit in bytes.
    pub memory: Option<i64>,
    /// `--memory-swap`: memory plus swap in bytes, `-1` for unlimited swap. When unset and
    /// `memory` is set, docker allows as much swap as memory (see [`Limits::swap_total`]).
    pub memory_swap: Option<i64>,
    /// `--memory-reservation`: soft limit in bytes.
    pub memory_reservation: Option<i64>,
    /// CFS quota in microseconds per period (from `--cpus` or `--cpu-quota`).
    pub cpu_quota_us: Option<i64>,
    /// CFS period in microseconds (docker: 100000).
    pub cpu_period_us: Option<u64>,
    /// `--cpu-shares`: relative weight on v1 (converted to `cpu.weight` on v2).
    pub cpu_shares: Option<u64>,
    /// `--cpuset-cpus`, e.g. "0-1".
    pub cpuset_cpus: Option<String>,
    /// `--cpuset-mems`, e.g. "0".
    pub cpuset_mems: Option<String>,
    /// `--pids-limit`: maximum number of tasks; zero or negative means unlimited, as in docker.
    pub pids_limit: Option<i64>,
}

impl Limits {
    /// Sets the CPU quota and period from docker's `--cpus` (quota = cpus × 100000 µs).
    pub fn with_cpus(mut self, cpus: f64) -> Result<Self> {
        let (quota, period) = cpus_to_quota(cpus)?;
        self.cpu_quota_us = Some(quota);
        self.cpu_period_us = Some(period);
        Ok(self)
    }

    /// The memory+swap limit to apply, following docker: an explicit `--memory-swap` wins
    /// (`-1` = unlimited), otherwise a container with `--memory` gets twice that in total.
    pub fn swap_total(&self) -> Option<i64> {
        match (self.memory_swap, self.memory) {
            (Some(swap), _) => Some(swap),
            (None, Some(mem)) => Some(mem.saturating_mul(2)),
            (None, None) => None,
        }
    }

    /// The pids limit to write, or `None` for "max" (docker treats ≤ 0 as unlimited).
    pub fn pids_max(&self) -> Option<i64> {
        self.pids_limit.filter(|&n| n > 0)
    }

    /// Rejects values the kernel would refuse or that contradict each other, naming the flag.
    pub fn validate(&self) -> Result<()> {
        let invalid = |limit, detail: String| Err(CgroupError::InvalidLimit { limit, detail });
        if let Some(m) = self.memory {
            if m <= 0 {
                return invalid("--memory", format!("{m} bytes must be positive"));
            }
        }
        if let Some(s) = self.memory_swap {
            if s != -1 && s <= 0 {
                return invalid("--memory-swap", format!("{s} must be positive or -1"));
            }
            match self.memory {
                None if s != -1 => {
                    return invalid("--memory-swap", "needs --memory as well".to_string())
                }
                Some(m) if s != -1 && s < m => {
                    return invalid("--memory-swap", format!("{s} is smaller than --memory {m}"))
                }
                _ => {}
            }
        }
        if let Some(r) = self.memory_reservation {
            if r <= 0 {
                return invalid("--memory-reservation", format!("{r} must be positive"));
            }
        }
        if let Some(q) = self.cpu_quota_us {
            if q != -1 && q < MIN_CPU_QUOTA_US {
                return invalid("--cpu-quota", format!("{q} µs is below 1000 µs"));
            }
        }
        if let Some(p) = self.cpu_period_us {
            if !(1_000..=1_000_000).contains(&p) {
                return invalid("--cpu-period", format!("{p} µs is not in 1000..=1000000"));
            }
        }
        for (flag, value) in [
            ("--cpuset-cpus", &self.cpuset_cpus),
            ("--cpuset-mems", &self.cpuset_mems),
        ] {
            if let Some(list) = value {
                if !is_cpu_list(list) {
                    return invalid(flag, format!("{list:?} is not a list like 0-2,4"));
                }
            }
        }
        Ok(())
    }

    /// Whether any memory limit is set.
    pub(crate) fn wants_memory(&self) -> bool {
        self.memory.is_some() || self.memory_swap.is_some() || self.memory_reservation.is_some()
    }

    /// Whether any CPU bandwidth or weight limit is set.
    pub(crate) fn wants_cpu(&self) -> bool {
        self.cpu_quota_us.is_some() || self.cpu_period_us.is_some() || self.cpu_shares.is_some()
    }

    /// Whether a cpuset is set.
    pub(crate) fn wants_cpuset(&self) -> bool {
        self.cpuset_cpus.is_some() || self.cpuset_mems.is_some()
    }
}

/// Converts docker's `--cpus` into (quota µs, period µs).
pub fn cpus_to_quota(cpus: f64) -> Result<(i64, u64)> {
    if !cpus.is_finite() || cpus <= 0.0 {
        return Err(CgroupError::InvalidLimit {
            limit: "--cpus",
            detail: format!("{cpus} must be a positive number"),
        });
    }
    // Docker goes through NanoCPUs: quota = nano * period / 1e9.
    let nano = (cpus * 1e9).round() as i64;
    let quota = nano.saturating_mul(DEFAULT_CPU_PERIOD_US as i64) / 1_000_000_000;
    if quota < MIN_CPU_QUOTA_US {
        return Err(CgroupError::InvalidLimit {
            limit: "--cpus",
            detail: format!("{cpus} gives a quota of {quota} µs, below 1000 µs (use ≥ 0.01)"),
        });
    }
    Ok((quota, DEFAULT_CPU_PERIOD_US))
}

/// Converts v1 cpu shares (2..=262144, default 1024) to a v2 `cpu.weight` (1..=10000, default
/// 100) with the logarithmic mapping current runc uses, so 2 → 1, 1024 → 100, 262144 → 10000.
/// Zero means "unset" and stays zero.
pub fn shares_to_weight(shares: u64) -> u64 {
    match shares {
        0 => 0,
        1..=2 => 1,
        262_144.. => 10_000,
        _ => {
            let l = (shares as f64).log2();
            let exponent = (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0;
            (10f64.powf(exponent).ceil() as u64).clamp(1, 10_000)
        }
    }
}

/// Whether `s` looks like a kernel cpu/mem list ("0", "0-3", "0,2-3").
fn is_cpu_list(s: &str) -> bool {
    !s.is_empty()
        && s.split(',').all(|part| {
            let mut ends = part.splitn(2, '-');
            let ok = |x: Option<&str>| {
                x.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            };
            let first = ends.next();
            match ends.next() {
                None => ok(first),
                last => ok(first) && ok(last),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_map_to_weights_like_runc() {
        assert_eq!(shares_to_weight(0), 0);
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(1024), 100);
        assert_eq!(shares_to_weight(262_144), 10_000);
        assert_eq!(shares_to_weight(1_000_000), 10_000);
        let mut last = 0;
        for s in [3, 10, 100, 512, 1024, 2048, 100_000, 262_143] {
            let w = shares_to_weight(s);
            assert!(w >= last && (1..=10_000).contains(&w), "{s} -> {w}");
            last = w;
        }
        assert!(shares_to_weight(512) < 100 && shares_to_weight(2048) > 100);
    }

    #[test]
    fn cpus_become_a_quota_over_a_100ms_period() {
        assert_eq!(cpus_to_quota(1.5).expect("valid"), (150_000, 100_000));
        assert_eq!(cpus_to_quota(0.01).expect("valid"), (1_000, 100_000));
        assert!(cpus_to_quota(0.001).is_err());
        assert!(cpus_to_quota(0.0).is_err());
        assert!(cpus_to_quota(f64::NAN).is_err());
        let l = Limits::default().with_cpus(2.0).expect("valid");
        assert_eq!(
            (l.cpu_quota_us, l.cpu_period_us),
            (Some(200_000), Some(100_000))
        );
    }

    #[test]
    fn swap_follows_docker_defaults() {
        let mut l = Limits {
            memory: Some(100),
            ..Limits::default()
        };
        assert_eq!(l.swap_total(), Some(200));
        l.memory_swap = Some(-1);
        assert_eq!(l.swap_total(), Some(-1));
        l.memory_swap = Some(150);
        assert_eq!(l.swap_total(), Some(150));
        assert_eq!(Limits::default().swap_total(), None);
    }

    #[test]
    fn validation_names_the_flag() {
        let bad = Limits {
            memory: Some(100),
            memory_swap: Some(50),
            ..Limits::default()
        };
        let err = bad.validate().expect_err("swap below memory").to_string();
        assert!(err.contains("--memory-swap"), "{err}");
        let bad = Limits {
            cpuset_cpus: Some("0-a".into()),
            ..Limits::default()
        };
        assert!(bad.validate().is_err());
        let good = Limits {
            memory: Some(1 << 20),
            memory_swap: Some(-1),
            cpuset_cpus: Some("0,1-1".into()),
            pids_limit: Some(-1),
            ..Limits::default()
        };
        good.validate().expect("valid limits");
        assert_eq!(good.pids_max(), None);
    }
}
