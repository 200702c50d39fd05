//! Time stamps: microseconds since the UNIX epoch, UTC, and their text forms.

/// Microseconds per second.
pub const US_PER_SEC: i64 = 1_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// UNIX seconds with the fraction only when there is one: `1610870193`,
/// `1610870193.25`.
pub fn fmt_unix(us: i64) -> String {
    if us < 0 {
        return format!("-{}", fmt_unix(-us));
    }
    let secs = us.div_euclid(US_PER_SEC);
    let frac = us.rem_euclid(US_PER_SEC);
    if frac == 0 {
        secs.to_string()
    } else {
        let f = format!("{frac:06}");
        format!("{secs}.{}", f.trim_end_matches('0'))
    }
}

/// Seconds as a decimal without trailing zeros: `60`, `0.5`.
pub fn fmt_secs(us: i64) -> String {
    fmt_unix(us)
}

/// ISO 8601 in UTC: `2021-01-17T07:56:33Z`, with a fraction when there is one.
pub fn fmt_iso(us: i64) -> String {
    let secs = us.div_euclid(US_PER_SEC);
    let frac = us.rem_euclid(US_PER_SEC);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let base =
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", sod / 3600, (sod / 60) % 60, sod % 60);
    if frac == 0 {
        format!("{base}Z")
    } else {
        let f = format!("{frac:06}");
        format!("{base}.{}Z", f.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(fmt_iso(1_610_870_193 * US_PER_SEC), "2021-01-17T07:56:33Z");
        assert_eq!(fmt_iso(-US_PER_SEC / 2), "1969-12-31T23:59:59.5Z");
        assert_eq!(fmt_unix(1_500_000), "1.5");
        assert_eq!(fmt_unix(-1_500_000), "-1.5");
    }

    proptest! {
        #[test]
        fn civil_round_trip(z in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(z);
            prop_assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
