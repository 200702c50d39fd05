//! Timestamp parsing: UNIX seconds (integer or fractional), ISO 8601, and
//! `YYYY-MM-DD HH:MM[:SS]` taken as UTC.

use lockstep_model::time::{days_from_civil, US_PER_SEC};

/// Parses a timestamp to microseconds since the UNIX epoch, UTC.
///
/// Accepted: `1610870193`, `1610870193.25`, `-5`, `2021-01-17T07:56:33Z`,
/// `2021-01-17T07:56:33.5+03:00`, `2021-01-17 07:56`, `2021-01-17`.
/// Returns a message that says what was expected on failure.
pub fn parse_timestamp(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty timestamp".into());
    }
    let b = t.as_bytes();
    let looks_date = b.len() >= 10 && b[4] == b'-' && b[7] == b'-';
    let r = if looks_date { parse_datetime(t) } else { parse_unix(t) };
    r.ok_or_else(|| {
        format!("cannot read `{}` as a time (expected UNIX seconds, ISO 8601 or `YYYY-MM-DD HH:MM[:SS]`)", clip(t))
    })
}

/// Parses X/Twitter API v1.1's `created_at`: `Wed Oct 10 20:19:24 +0000 2018`.
pub fn parse_twitter_date(s: &str) -> Result<i64, String> {
    let bad = || {
        format!("cannot read `{}` as a time (expected `Wed Oct 10 20:19:24 +0000 2018`)", clip(s))
    };
    let mut parts = s.split_whitespace();
    let mut next = || parts.next().ok_or_else(bad);
    let (_, mon, day, hms, offset, year) = (next()?, next()?, next()?, next()?, next()?, next()?);
    if parts.next().is_some() {
        return Err(bad());
    }
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(mon)).ok_or_else(bad)? + 1;
    // Rewritten as ISO 8601 on the stack: this runs once per tweet.
    let mut iso = [0u8; 64];
    let mut len = 0;
    let month = [b'0' + (m / 10) as u8, b'0' + (m % 10) as u8];
    let pad: &[u8] = if day.len() < 2 { b"0" } else { b"" };
    for part in [year.as_bytes(), b"-", &month, b"-", pad, day.as_bytes(), b"T", hms.as_bytes()]
        .into_iter()
        .chain([offset.as_bytes()])
    {
        iso.get_mut(len..len + part.len()).ok_or_else(bad)?.copy_from_slice(part);
        len += part.len();
    }
    let iso = std::str::from_utf8(&iso[..len]).map_err(|_| bad())?;
    parse_timestamp(iso).map_err(|_| bad())
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

fn parse_unix(t: &str) -> Option<i64> {
    // Whole seconds, as most exports give them, without the general path's
    // splits and checks (18 digits cannot overflow the fold).
    if (1..=18).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_digit()) {
        let secs = t.bytes().fold(0i64, |n, c| n * 10 + i64::from(c - b'0'));
        return secs.checked_mul(US_PER_SEC);
    }
    parse_decimal(t)
}

/// UNIX seconds with a sign and a fraction: [`parse_unix`]'s general path.
fn parse_decimal(t: &str) -> Option<i64> {
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|c| c.is_ascii_digit()) || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let us = secs.checked_mul(US_PER_SEC)?.checked_add(frac_us(frac))?;
    Some(if neg { -us } else { us })
}

/// Microseconds of a decimal fraction's digits, rounded half up at the 7th.
fn frac_us(frac: &str) -> i64 {
    let mut us = 0i64;
    for (i, c) in frac.bytes().take(6).enumerate() {
        us += (c - b'0') as i64 * 10i64.pow(5 - i as u32);
    }
    if frac.len() > 6 && frac.as_bytes()[6] >= b'5' {
        us += 1;
    }
    us
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0')))
}

fn parse_datetime(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let y = num(&b[0..4])? as i64;
    let mo = num(&b[5..7])?;
    let d = num(&b[8..10])?;
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) * 86_400;
    let mut us = 0i64;
    let mut rest = &b[10..];
    if !rest.is_empty() {
        if !(rest[0] == b'T' || rest[0] == b' ' || rest[0] == b't') {
            return None;
        }
        rest = &rest[1..];
        if rest.len() < 5 || rest[2] != b':' {
            return None;
        }
        let h = num(&rest[0..2])?;
        let mi = num(&rest[3..5])?;
        let mut s = 0;
        rest = &rest[5..];
        if rest.first() == Some(&b':') {
            s = num(rest.get(1..3)?)?;
            rest = &rest[3..];
            if rest.first() == Some(&b'.') || rest.first() == Some(&b',') {
                let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if n == 0 {
                    return None;
                }
                us = frac_us(std::str::from_utf8(&rest[1..1 + n]).ok()?);
                rest = &rest[1 + n..];
            }
        }
        if h > 24 || mi > 59 || s > 60 || (h == 24 && (mi, s, us) != (0, 0, 0)) {
            return None;
        }
        secs += h as i64 * 3600 + mi as i64 * 60 + s as i64;
        secs -= parse_offset(rest)?;
    }
    secs.checked_mul(US_PER_SEC)?.checked_add(us)
}

/// Seconds east of UTC: `Z`, `+03:00`, `+0300`, `+03`, ` UTC`, or nothing.
fn parse_offset(rest: &[u8]) -> Option<i64> {
    let r = std::str::from_utf8(rest).ok()?.trim();
    if r.is_empty() || r.eq_ignore_ascii_case("z") || r.eq_ignore_ascii_case("utc") || r == "+00:00"
    {
        return Some(0);
    }
    let (sign, body) = match r.as_bytes()[0] {
        b'+' => (1, &r[1..]),
        b'-' => (-1, &r[1..]),
        _ => return None,
    };
    let mut digits = [0u8; 4];
    let mut len = 0;
    for c in body.bytes().filter(|&c| c != b':') {
        *digits.get_mut(len)? = c;
        len += 1;
    }
    let (h, m) = match len {
        2 => (num(&digits[..2])?, 0),
        4 => (num(&digits[0..2])?, num(&digits[2..4])?),
        _ => return None,
    };
    if h > 23 || m > 59 || body.bytes().any(|c| !(c.is_ascii_digit() || c == b':')) {
        return None;
    }
    Some(sign * (h as i64 * 3600 + m as i64 * 60))
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// X's epoch for snowflake ids (2010-11-04), in milliseconds.
const X_EPOCH_MS: i64 = 1_288_834_974_657;
/// The first snowflake ids: smaller X ids are sequential and carry no time.
const X_FIRST_SNOWFLAKE: u64 = 29_700_859_247;

/// The creation time in microseconds an X post id carries: X ids since
/// November 2010 are snowflakes, `(id >> 22) + 1288834974657` milliseconds
/// (checked on a recorded v1.1 search response: every id's second is its
/// `created_at`). `None` for older, non-numeric or hashed ids.
pub fn x_id_time_us(id: &str) -> Option<i64> {
    let id: u64 = id.trim().parse().ok()?;
    (id >= X_FIRST_SNOWFLAKE).then(|| ((id >> 22) as i64 + X_EPOCH_MS) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_model::time::fmt_iso;
    use proptest::prelude::*;

    #[test]
    fn formats() {
        assert_eq!(parse_timestamp("1610870193"), Ok(1_610_870_193_000_000));
        assert_eq!(parse_timestamp("1610870193.25"), Ok(1_610_870_193_250_000));
        assert_eq!(parse_timestamp("-1.5"), Ok(-1_500_000));
        let iso = 1_610_870_193_000_000;
        assert_eq!(parse_timestamp("2021-01-17T07:56:33Z"), Ok(iso));
        assert_eq!(parse_timestamp("2021-01-17 07:56:33"), Ok(iso));
        assert_eq!(parse_timestamp("2021-01-17T10:56:33+03:00"), Ok(iso));
        assert_eq!(parse_timestamp("2021-01-17T10:56:33+0300"), Ok(iso));
        assert_eq!(parse_timestamp("2021-01-17T07:56:33.5Z"), Ok(iso + 500_000));
        assert_eq!(parse_timestamp("2021-01-17 07:56"), Ok(iso - 33_000_000));
        assert_eq!(parse_timestamp("2021-01-17"), Ok(iso - (7 * 3600 + 56 * 60 + 33) * 1_000_000));
        for bad in [
            "",
            "abc",
            "2021-13-01",
            "2021-02-30",
            "2021-01-17X07",
            "12:00",
            "1e9",
            "2021-01-17 25:00",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    /// The first version: the definition the stack-built one must match.
    fn twitter_date_oracle(s: &str) -> Result<i64, String> {
        let parts: Vec<&str> = s.split_whitespace().collect();
        let [_, mon, day, hms, offset, year] = parts[..] else { return Err(String::new()) };
        const MONTHS: [&str; 12] =
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let m =
            MONTHS.iter().position(|x| x.eq_ignore_ascii_case(mon)).ok_or_else(String::new)? + 1;
        parse_timestamp(&format!("{year}-{m:02}-{:0>2}T{hms}{offset}", day))
    }

    proptest::proptest! {
        #[test]
        fn twitter_dates_equal_oracle(
            s in "(Wed|x) (Oct|feb|Foo) [0-9]{1,3} [0-9]{1,2}:[0-9]{2}(:[0-9]{2})? ([+-][0-9]{2}:?[0-9]{2}|Z|[+-][0-9]{5}) [0-9]{3,5}( x)?"
        ) {
            proptest::prop_assert_eq!(parse_twitter_date(&s).ok(), twitter_date_oracle(&s).ok());
        }

        #[test]
        fn whole_seconds_read_as_the_general_path_reads_them(s in "[0-9]{1,20}") {
            proptest::prop_assert_eq!(parse_unix(&s), parse_decimal(&s));
        }

        #[test]
        fn offsets_and_numbers(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9:]{0,6}|Z| UTC)?") {
            // Digits fold as `str::parse` reads them.
            let b = s.as_bytes();
            proptest::prop_assert_eq!(num(&b[0..4]), s[0..4].parse().ok());
            let _ = parse_timestamp(&s);
        }
    }

    #[test]
    fn twitter_dates() {
        assert_eq!(
            parse_twitter_date("Wed Oct 10 20:19:24 +0000 2018"),
            parse_timestamp("2018-10-10T20:19:24Z")
        );
        assert_eq!(parse_twitter_date("Thu Jan 01 03:00:00 +0300 1970"), Ok(0));
        assert!(parse_twitter_date("Wed Foo 10 20:19:24 +0000 2018").is_err());
        assert!(parse_twitter_date("2018-10-10").is_err());
    }

    proptest! {
        #[test]
        fn iso_round_trip(us in -10_000_000_000_000_000i64..10_000_000_000_000_000) {
            prop_assert_eq!(parse_timestamp(&fmt_iso(us)), Ok(us));
            prop_assert_eq!(parse_timestamp(&lockstep_model::time::fmt_unix(us)), Ok(us));
        }
    }
}
