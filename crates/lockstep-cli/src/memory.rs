//! Sizes in words.

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
}
