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
    let mut out = Vec::with_capacity(24);
    push_unix(&mut out, us);
    String::from_utf8(out).expect("digits are ASCII")
}

/// Seconds as a decimal without trailing zeros: `60`, `0.5`.
pub fn fmt_secs(us: i64) -> String {
    fmt_unix(us)
}

/// ISO 8601 in UTC: `2021-01-17T07:56:33Z`, with a fraction when there is one.
pub fn fmt_iso(us: i64) -> String {
    let mut out = Vec::with_capacity(32);
    push_iso(&mut out, us);
    String::from_utf8(out).expect("digits are ASCII")
}

/// Appends `n` in decimal, as `Display` writes it (for tables of numbers
/// formatted without `format!`).
pub fn push_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_padded(out, n.unsigned_abs(), 1);
}

/// The decimal digits of 0 to 99, two by two.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `n` (below 100) as two digits at `buf[at..at + 2]`.
fn put_two(buf: &mut [u8], at: usize, n: u64) {
    let i = n as usize * 2;
    buf[at..at + 2].copy_from_slice(&DIGIT_PAIRS[i..i + 2]);
}

/// Appends the decimal digits of `n`, zero-padded to `width` (at most 20).
///
/// Zeros of a fixed length are appended and the digits written over them
/// in place, then cut to length: a copy of a fixed size is two stores,
/// where one of the number's own length is a call to `memcpy` (and digits
/// built in a buffer on the stack and then copied stall on their reload),
/// which cost more than the digits in tables of millions of numbers.
fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let len = (n.checked_ilog10().unwrap_or(0) as usize + 1).max(width);
    let at = out.len();
    out.extend_from_slice(&[b'0'; 20]);
    let buf = &mut out[at..at + len];
    let (mut n, mut end) = (n, len);
    while n >= 100 {
        end -= 2;
        put_two(buf, end, n % 100);
        n /= 100;
    }
    if n >= 10 {
        put_two(buf, end - 2, n);
    } else {
        buf[end - 1] = b'0' + n as u8;
    }
    out.truncate(at + len);
}

/// Appends `.` and the fraction of a second without trailing zeros, if
/// there is one.
fn push_fraction(out: &mut Vec<u8>, frac_us: i64) {
    if frac_us == 0 {
        return;
    }
    let mut f = frac_us as u64;
    let mut width = 6;
    while f % 10 == 0 {
        f /= 10;
        width -= 1;
    }
    out.push(b'.');
    push_padded(out, f, width);
}

/// Appends [`fmt_unix`]'s text to a byte buffer: for writers of millions of
/// rows, without a `String` per value.
pub fn push_unix(out: &mut Vec<u8>, us: i64) {
    if us < 0 {
        out.push(b'-');
    }
    let abs = us.unsigned_abs();
    push_padded(out, abs / US_PER_SEC as u64, 1);
    push_fraction(out, (abs % US_PER_SEC as u64) as i64);
}

/// Appends [`fmt_iso`]'s text to a byte buffer (see [`push_unix`]).
pub fn push_iso(out: &mut Vec<u8>, us: i64) {
    let secs = us.div_euclid(US_PER_SEC);
    let frac = us.rem_euclid(US_PER_SEC);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u64;
    let (y, m, d) = civil_from_days(days);
    // `YYYY-MM-DDTHH:MM:SS`: a fixed-size copy, written over in place
    // (see push_padded).
    let four_digits = (0..=9999).contains(&y);
    let at = out.len();
    out.extend_from_slice(b"0000-00-00T00:00:00");
    let buf = &mut out[at..];
    put_two(buf, 0, y.unsigned_abs() / 100 % 100);
    put_two(buf, 2, y.unsigned_abs() % 100);
    put_two(buf, 5, u64::from(m));
    put_two(buf, 8, u64::from(d));
    put_two(buf, 11, sod / 3600);
    put_two(buf, 14, (sod / 60) % 60);
    put_two(buf, 17, sod % 60);
    if !four_digits {
        // Years outside four digits: as `format!` pads them.
        out.splice(at..at + 4, format!("{y:04}").into_bytes());
    }
    push_fraction(out, frac);
    out.push(b'Z');
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

    /// The formats as first written, with `format!`: the oracles of the
    /// byte-appending ones.
    fn fmt_unix_oracle(us: i64) -> String {
        if us < 0 {
            return format!("-{}", fmt_unix_oracle(-us));
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

    fn fmt_iso_oracle(us: i64) -> String {
        let secs = us.div_euclid(US_PER_SEC);
        let frac = us.rem_euclid(US_PER_SEC);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let base = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        );
        if frac == 0 {
            format!("{base}Z")
        } else {
            let f = format!("{frac:06}");
            format!("{base}.{}Z", f.trim_end_matches('0'))
        }
    }

    proptest! {
        #[test]
        fn formats_match_their_oracles(
            us in prop_oneof![
                -400_000_000_000_000_000i64..400_000_000_000_000_000,
                -10_000_000_000_000i64..10_000_000_000_000,
                (-2_000_000_000i64..4_000_000_000).prop_map(|s| s * US_PER_SEC),
                Just(0i64), Just(-1), Just(1), Just(999_999), Just(-999_999),
            ]
        ) {
            prop_assert_eq!(fmt_unix(us), fmt_unix_oracle(us));
            prop_assert_eq!(fmt_iso(us), fmt_iso_oracle(us));
        }

        /// [`push_int`] writes what `Display` writes.
        #[test]
        fn whole_numbers_match_display(
            n in prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), Just(0i64), -20i64..20]
        ) {
            let mut out = Vec::new();
            push_int(&mut out, n);
            prop_assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }

        #[test]
        fn civil_round_trip(z in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(z);
            prop_assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
