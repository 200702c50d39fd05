//! A streaming walk over one JSON document: objects key by key, arrays
//! element by element, each element handed over as its raw bytes with the
//! line it starts on. Memory is one element, not the document, so a
//! top-level array or a Telegram export of millions of messages streams.
//! Elements are parsed by serde_json afterwards (a bad element is one
//! skipped record); the scanner itself only tracks strings, escapes and
//! nesting, and stops with the line of the first structural error.

use crate::IngestError;
use std::io::BufRead;

/// What [`Scanner::array`] calls per element: the scanner, the element's
/// raw bytes, the line it starts on.
pub(crate) type ElementFn<'f, 'a> =
    dyn FnMut(&mut Scanner<'a>, &[u8], u64) -> Result<(), IngestError> + 'f;

pub(crate) struct Scanner<'a> {
    input: &'a mut dyn BufRead,
    buf: Vec<u8>,
    pos: usize,
    /// The 1-based line of the next byte.
    pub line: u64,
    file: String,
}

impl<'a> Scanner<'a> {
    pub fn new(input: &'a mut dyn BufRead, file: &str) -> Self {
        Scanner { input, buf: Vec::new(), pos: 0, line: 1, file: file.to_string() }
    }

    pub fn error(&self, message: impl std::fmt::Display) -> IngestError {
        IngestError::BadRecord {
            file: self.file.clone(),
            line: self.line,
            field: "*".into(),
            message: format!("invalid JSON: {message}"),
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, IngestError> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            let chunk = self
                .input
                .fill_buf()
                .map_err(|e| IngestError::Io { file: self.file.clone(), source: e })?;
            self.buf.extend_from_slice(chunk);
            let n = chunk.len();
            self.input.consume(n);
            if n == 0 {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.pos]))
    }

    fn bump(&mut self) -> Result<Option<u8>, IngestError> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.pos += 1;
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, IngestError> {
        while let Some(b) = self.peek()? {
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
            self.bump()?;
        }
        Ok(None)
    }

    fn expect(&mut self, want: u8) -> Result<(), IngestError> {
        match self.skip_ws()? {
            Some(b) if b == want => {
                self.bump()?;
                Ok(())
            }
            Some(b) => {
                Err(self.error(format!("expected `{}`, found `{}`", want as char, b as char)))
            }
            None => Err(self.error(format!("expected `{}`, found the end", want as char))),
        }
    }

    /// Whether the document continues after whitespace.
    pub fn at_end(&mut self) -> Result<bool, IngestError> {
        Ok(self.skip_ws()?.is_none())
    }

    /// The next byte that is not whitespace, without consuming it.
    pub fn next_is(&mut self, b: u8) -> Result<bool, IngestError> {
        Ok(self.skip_ws()? == Some(b))
    }

    /// Consumes one value, copying its bytes to `out` when given; returns
    /// the line it starts on. Works on whole buffered chunks: a byte at a
    /// time through `peek` was 40% slower than reading the file whole.
    pub fn value(&mut self, mut out: Option<&mut Vec<u8>>) -> Result<u64, IngestError> {
        let first = self.skip_ws()?.ok_or_else(|| self.error("expected a value, found the end"))?;
        let line = self.line;
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        loop {
            if self.peek()?.is_none() {
                if scalar {
                    return Ok(line);
                }
                return Err(self.error("unexpected end inside a value"));
            }
            let chunk = &self.buf[self.pos..];
            let mut done = None;
            let mut i = 0;
            while i < chunk.len() {
                if in_string && !escaped {
                    // Most of a post's bytes are inside strings: jump to
                    // the next quote or backslash.
                    match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                        Some(j) => i += j,
                        None => {
                            i = chunk.len();
                            continue;
                        }
                    }
                }
                let b = chunk[i];
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            done = Some(i + 1);
                            break;
                        }
                    }
                } else if scalar {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        done = Some(i);
                        break;
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        // Depth is at least 1 here: a value that is not a
                        // scalar or a string opened with a bracket.
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                done = Some(i + 1);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                i += 1;
            }
            let taken = &chunk[..done.unwrap_or(chunk.len())];
            self.line += memchr::memchr_iter(b'\n', taken).count() as u64;
            if let Some(o) = out.as_deref_mut() {
                o.extend_from_slice(taken);
            }
            self.pos += taken.len();
            if done.is_some() {
                return Ok(line);
            }
        }
    }

    /// Walks an array, calling `each(scanner, raw element, its line)`.
    pub fn array(&mut self, each: &mut ElementFn<'_, 'a>) -> Result<(), IngestError> {
        let mut raw = Vec::new();
        self.elements(&mut |s| {
            raw.clear();
            let line = s.value(Some(&mut raw))?;
            each(s, &raw, line)
        })
    }

    /// Walks an array, calling `each(scanner)` to consume every element
    /// (so that an element can itself be walked rather than held).
    pub fn elements(
        &mut self,
        each: &mut dyn FnMut(&mut Self) -> Result<(), IngestError>,
    ) -> Result<(), IngestError> {
        self.expect(b'[')?;
        if self.next_is(b']')? {
            self.bump()?;
            return Ok(());
        }
        loop {
            each(self)?;
            match self.skip_ws()? {
                Some(b',') => {
                    self.bump()?;
                }
                Some(b']') => {
                    self.bump()?;
                    return Ok(());
                }
                Some(b) => {
                    return Err(self.error(format!("expected `,` or `]`, found `{}`", b as char)))
                }
                None => return Err(self.error("unexpected end inside an array")),
            }
        }
    }

    /// Walks an object, calling `each(scanner, key)`, which must consume
    /// the key's value (with [`Scanner::value`], [`Scanner::array`] or
    /// [`Scanner::object`]).
    pub fn object(
        &mut self,
        each: &mut dyn FnMut(&mut Self, &str) -> Result<(), IngestError>,
    ) -> Result<(), IngestError> {
        self.expect(b'{')?;
        if self.next_is(b'}')? {
            self.bump()?;
            return Ok(());
        }
        let mut raw = Vec::new();
        loop {
            raw.clear();
            if !self.next_is(b'"')? {
                return Err(self.error("expected a key"));
            }
            self.value(Some(&mut raw))?;
            let key: String =
                serde_json::from_slice(&raw).map_err(|e| self.error(format!("bad key: {e}")))?;
            self.expect(b':')?;
            each(self, &key)?;
            match self.skip_ws()? {
                Some(b',') => {
                    self.bump()?;
                }
                Some(b'}') => {
                    self.bump()?;
                    return Ok(());
                }
                Some(b) => {
                    return Err(self.error(format!("expected `,` or `}}`, found `{}`", b as char)))
                }
                None => return Err(self.error("unexpected end inside an object")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// The oracle: the whole array parsed at once, each element's line
    /// counted from its offset.
    fn whole(text: &str) -> Option<Vec<(Value, u64)>> {
        let elements: Vec<&serde_json::value::RawValue> = serde_json::from_str(text).ok()?;
        Some(
            elements
                .into_iter()
                .map(|raw| {
                    let offset = raw.get().as_ptr() as usize - text.as_ptr() as usize;
                    let line = 1 + text[..offset].matches('\n').count() as u64;
                    (serde_json::from_str(raw.get()).unwrap(), line)
                })
                .collect(),
        )
    }

    fn streamed(text: &str, chunk: usize) -> Result<Vec<(Value, u64)>, IngestError> {
        let mut input = std::io::BufReader::with_capacity(chunk, text.as_bytes());
        let mut s = Scanner::new(&mut input, "t.json");
        let mut out = Vec::new();
        s.array(&mut |s, raw, line| {
            out.push((serde_json::from_slice(raw).map_err(|e| s.error(e))?, line));
            Ok(())
        })?;
        if !s.at_end()? {
            return Err(s.error("trailing data"));
        }
        Ok(out)
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z\"\\\\\n{}\\[\\],:é😀 ]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z\"{]{0,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn streaming_equals_parsing_the_whole_array(
            values in proptest::collection::vec(json_value(), 0..6),
            pretty in any::<bool>(),
            chunk in 1usize..64,
        ) {
            let doc = Value::Array(values);
            let text = if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { doc.to_string() };
            prop_assert_eq!(streamed(&text, chunk).unwrap(), whole(&text).unwrap());
        }

        #[test]
        fn broken_documents_are_errors_not_panics(text in "[\\[\\]{}\",:a1 \n\\\\]{0,30}") {
            let ok = streamed(&text, 7);
            if let Some(expected) = whole(&text) {
                prop_assert_eq!(ok.unwrap(), expected);
            }
        }
    }

    #[test]
    fn objects_give_keys_and_nested_arrays_stream() {
        let text = "{\"name\": \"c\\\"1\", \"skip\": {\"a\": [1, {\"b\": \"]\"}]},\n \"messages\": [\n {\"id\": 1},\n {\"id\": 2}\n ]}";
        let mut input = text.as_bytes();
        let mut s = Scanner::new(&mut input, "t.json");
        let mut seen = Vec::new();
        s.object(&mut |s, key| {
            match key {
                "messages" => s.array(&mut |_, raw, line| {
                    seen.push(format!("{} @{line}", std::str::from_utf8(raw).unwrap()));
                    Ok(())
                })?,
                _ => {
                    let mut raw = Vec::new();
                    s.value(Some(&mut raw))?;
                    seen.push(format!("{key}={}", String::from_utf8(raw).unwrap()));
                }
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                "name=\"c\\\"1\"",
                "skip={\"a\": [1, {\"b\": \"]\"}]}",
                "{\"id\": 1} @3",
                "{\"id\": 2} @4"
            ]
        );
    }
}
