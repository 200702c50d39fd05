//! The memory limit of a run: the machine's memory, and sizes in words.

/// The machine's memory in bytes, from `/proc/meminfo` (None elsewhere).
pub fn machine() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The default limit: half of the machine's memory, so that the page cache
/// and the rest of the machine keep the other half.
pub fn default_limit() -> Option<u64> {
    machine().map(|m| m / 2)
}

/// The file system type of the mount that holds `path` in `mounts` (the
/// text of `/proc/self/mounts`): the longest mount point that is `path` or
/// one of its ancestors. Mount points with spaces come escaped (`\040`).
pub fn fs_type_in(mounts: &str, path: &std::path::Path) -> Option<String> {
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split(' ');
            let (_, point, kind) = (f.next()?, f.next()?, f.next()?);
            let point = point.replace("\\040", " ").replace("\\011", "\t");
            path.starts_with(&point).then(|| (point.len(), kind.to_string()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, kind)| kind)
}

/// `tmpfs` or `ramfs` when the folder (or its nearest existing ancestor)
/// lies on a file system held in memory, where spilled runs and mapped
/// results take memory after all.
pub fn in_memory_fs(dir: &std::path::Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let existing = dir.ancestors().find_map(|d| d.canonicalize().ok())?;
    fs_type_in(&mounts, &existing).filter(|k| k == "tmpfs" || k == "ramfs")
}

/// The run's limit: `--memory-limit`, else [`default_limit`].
pub fn limit_of(a: &crate::args::DetectArgs) -> Option<u64> {
    a.memory_limit.or_else(default_limit)
}

/// The folder spill folders are made in: `--spill-dir`, else `TMPDIR`.
pub fn spill_parent(a: &crate::args::DetectArgs) -> std::path::PathBuf {
    a.spill_dir.clone().unwrap_or_else(std::env::temp_dir)
}

/// `8589934592` -> `8.0 GiB`.
pub fn fmt_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = b as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse_size;

    #[test]
    fn sizes_read_and_print() {
        assert_eq!(parse_size("8G"), Ok(8 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size(" 2 KB "), Ok(2048));
        assert!(parse_size("8X").unwrap_err().contains("unknown unit"));
        assert!(parse_size("0").unwrap_err().contains("positive"));
        assert!(parse_size("G").is_err());
        assert_eq!(fmt_bytes(1000), "1000 B");
        assert_eq!(fmt_bytes(8 << 30), "8.0 GiB");
        assert_eq!(fmt_bytes(3 << 19), "1.5 MiB");
    }

    #[test]
    fn file_system_of_a_folder() {
        let mounts = "/dev/vda / ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n/dev/vdb /tmp/big\\040disk xfs rw 0 0\n";
        let of = |p: &str| fs_type_in(mounts, std::path::Path::new(p));
        assert_eq!(of("/tmp/x").as_deref(), Some("tmpfs"));
        assert_eq!(of("/tmp").as_deref(), Some("tmpfs"));
        assert_eq!(of("/tmpfoo").as_deref(), Some("ext4"));
        assert_eq!(of("/tmp/big disk/spill").as_deref(), Some("xfs"));
        assert_eq!(of("/home").as_deref(), Some("ext4"));
    }
}
