//! Timestamp parsing never panics, and what it accepts formats back to the
//! same instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep_ingest::timestamp::parse_timestamp;
use lockstep_model::time::{fmt_iso, fmt_unix};

fuzz_target!(|s: &str| {
    if let Ok(us) = parse_timestamp(s) {
        assert_eq!(parse_timestamp(&fmt_unix(us)), Ok(us));
        // ISO output has four-digit years only.
        if (-62_135_596_800_000_000..253_402_300_800_000_000).contains(&us) {
            assert_eq!(parse_timestamp(&fmt_iso(us)), Ok(us));
        }
    }
});
