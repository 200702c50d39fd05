//! The QUT tokeniser against the token sets the toolkit's own regular
//! expressions give (fixture made with Python's `regex` 2.5.148 running
//! the expressions of coordination-network-toolkit 1.5.2; see
//! tests/fixtures/README.md).
//!
//! The `regex` module departs from UAX #29 around Extend, Format and ZWJ
//! characters (it skips them on one side only, and not when reading two
//! characters away; its own notes on `unicode_at_default_boundary`), which
//! `unicode-segmentation` follows. Strings without such characters must
//! give exactly the toolkit's tokens; strings with them are held to the
//! differences known when this was written.

/// A zero-width joiner or a combining mark (`İ` lower-cases to `i` and
/// U+0307).
fn has_extend(s: &str) -> bool {
    s.chars().any(|c| {
        c == '\u{200d}' || c == '\u{200c}' || c == 'İ' || ('\u{300}'..='\u{36f}').contains(&c)
    })
}

#[test]
fn tokens_equal_the_toolkits() {
    let text = include_str!("fixtures/qut_tokens.jsonl");
    let mut failures = Vec::new();
    let mut extend_differences = Vec::new();
    let mut n = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let input = v["text"].as_str().unwrap();
        let expected: Vec<String> = v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        let got = lockstep_text::qut_tokens(input);
        if got != expected {
            let line = format!("{input:?}: got {got:?}, expected {expected:?}");
            if has_extend(input) {
                extend_differences.push(line);
            } else {
                failures.push(line);
            }
        }
        n += 1;
    }
    assert!(n > 400);
    assert!(failures.is_empty(), "{} of {n} differ:\n{}", failures.len(), failures.join("\n"));
    assert!(
        extend_differences.len() <= 9,
        "more strings with joiners or combining marks differ than before:\n{}",
        extend_differences.join("\n")
    );
}
