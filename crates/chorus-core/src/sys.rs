//! What the operating system gives: random bytes (for the workspace's salt and the review
//! token), the time as people and logs write it, and the process's peak memory.

/// 32 unpredictable bytes: the std hasher's per-process random keys (seeded from the OS),
/// mixed with the time and the process id through BLAKE3.
pub fn random_bytes() -> [u8; 32] {
    let mut seed = blake3::Hasher::new();
    for _ in 0..4 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0);
        seed.update(&h.finish().to_le_bytes());
    }
    seed.update(&format!("{:?}{}", std::time::SystemTime::now(), std::process::id()).into_bytes());
    *seed.finalize().as_bytes()
}

/// The process's peak resident memory so far, in MiB (`VmHWM` in `/proc/self/status`; `None`
/// where there is no such file). For the debug log of memory-bound stages.
pub fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Now, in UTC, as RFC 3339 to the second (`2026-12-04T23:10:07Z`).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    utc(secs)
}

/// Seconds since 1970 in UTC as RFC 3339 (days to a civil date: Howard Hinnant's algorithm).
pub fn utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::utc(1_796_425_807), "2026-12-04T23:10:07Z");
    }

    #[test]
    fn random_bytes_differ() {
        assert_ne!(super::random_bytes(), super::random_bytes());
    }
}
