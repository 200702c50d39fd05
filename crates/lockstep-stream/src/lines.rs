//! Records as lines: from standard input, or a file that a collector may
//! still be writing (`follow`, as `tail -f`).

use crate::{Item, Sink, Source, StreamError};
use std::io::BufRead;
use std::time::Duration;

/// How long a followed file is left before looking for more.
const FOLLOW_POLL: Duration = Duration::from_millis(200);

/// Lines of standard input or of a file.
pub struct Lines {
    name: String,
    input: Box<dyn BufRead + Send>,
    follow: bool,
}

impl Lines {
    /// Standard input.
    pub fn stdin() -> Lines {
        Lines {
            name: "-".into(),
            input: Box::new(std::io::BufReader::with_capacity(1 << 20, std::io::stdin())),
            follow: false,
        }
    }

    /// A file; with `follow`, its end is not the stream's: lines written
    /// later are read as they come.
    pub fn file(path: &std::path::Path, follow: bool) -> Result<Lines, StreamError> {
        let name = path.display().to_string();
        let file = std::fs::File::open(path)
            .map_err(|source| StreamError::Io { url: name.clone(), source })?;
        Ok(Lines {
            name,
            input: Box::new(std::io::BufReader::with_capacity(1 << 20, file)),
            follow,
        })
    }
}

impl Source for Lines {
    fn run(mut self: Box<Self>, sink: &Sink) -> Result<(), StreamError> {
        let mut line = Vec::new();
        loop {
            let n = self
                .input
                .read_until(b'\n', &mut line)
                .map_err(|source| StreamError::Io { url: self.name.clone(), source })?;
            // A last line without its newline is whole only at the end of a
            // stream that is not followed: a followed file may be
            // mid-write, and the rest of the line comes with a later read.
            let whole = line.last() == Some(&b'\n') || (n == 0 && !self.follow && !line.is_empty());
            if whole {
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                let record = std::mem::take(&mut line);
                if sink.send(Item::Record { line: record, time_us: None }).is_err() {
                    return Ok(());
                }
            }
            if n == 0 {
                if !self.follow {
                    return Ok(());
                }
                std::thread::sleep(FOLLOW_POLL);
            }
        }
    }
}
