//! Every format, forced and sniffed, lenient and strict, on arbitrary
//! bytes: errors are fine, panics are not, and every record read is either
//! used or counted as skipped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep_ingest::{ingest, registry, IngestConfig, MemorySource, Source};

fuzz_target!(|data: &[u8]| {
    let mut formats: Vec<Option<String>> = registry().iter().map(|f| Some(f.name().to_string())).collect();
    formats.push(None);
    for format in formats {
        for strict in [false, true] {
            let src: Box<dyn Source> = Box::new(MemorySource::new("fuzz.csv", data));
            let cfg = IngestConfig { format: format.clone(), strict, ..Default::default() };
            if let Ok(out) = ingest(&[src], &cfg, &|_| {}) {
                for f in &out.files {
                    assert_eq!(f.records_read, f.records_used + f.records_skipped());
                }
                assert_eq!(out.dataset.actions.len() as u64, out.files.iter().map(|f| f.actions).sum::<u64>());
            }
        }
    }
});
