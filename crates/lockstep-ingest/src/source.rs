use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

/// Where an input's bytes come from.
pub trait Source: Send + Sync {
    /// The name used in messages and in the summary (a path, `-`, ...).
    fn name(&self) -> &str;
    /// Opens the raw bytes (possibly gzip-compressed).
    fn open(&self) -> io::Result<Box<dyn Read + Send>>;
    /// The size as stored, when known (for progress).
    fn size(&self) -> Option<u64> {
        None
    }
}

/// A file on disk.
#[derive(Debug, Clone)]
pub struct FileSource {
    path: PathBuf,
    name: String,
}

impl FileSource {
    /// A file source for `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = path.display().to_string();
        FileSource { path, name }
    }
}

impl Source for FileSource {
    fn name(&self) -> &str {
        &self.name
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(File::open(&self.path)?))
    }
    fn size(&self) -> Option<u64> {
        std::fs::metadata(&self.path).ok().map(|m| m.len())
    }
}

/// Expands input arguments: a directory becomes the files below it
/// (recursively, hidden ones left out), a last path component with `*` or
/// `?` becomes the matching files of its directory, `-` stays as it is.
/// Results are sorted, so a run reads the same files in the same order on
/// every machine; a directory or pattern that matches nothing is an error.
pub fn expand_inputs(args: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for arg in args {
        let name = arg.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if arg.as_os_str() == "-" {
            out.push(arg.clone());
        } else if arg.is_dir() {
            let before = out.len();
            walk(arg, &mut out)?;
            if out.len() == before {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("`{}` holds no files", arg.display()),
                ));
            }
        } else if name.contains(['*', '?']) && !arg.exists() {
            let dir = arg
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| glob_match(name, n))
                })
                .collect();
            if found.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no file matches `{}`", arg.display()),
                ));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(arg.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

/// `*` matches any run of characters, `?` one character.
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("RC_*.zst", "RC_2023-11.zst"));
        assert!(glob_match("*.json*", "a.jsonl"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(!glob_match("*.csv", "a.csv.gz"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn directories_and_patterns_expand_sorted() {
        let dir = std::env::temp_dir().join(format!("lockstep-expand-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for f in ["b.csv", "a.csv", "sub/c.jsonl", ".hidden"] {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        let got = expand_inputs(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(got, [dir.join("a.csv"), dir.join("b.csv"), dir.join("sub/c.jsonl")]);
        let got = expand_inputs(&[dir.join("*.csv"), PathBuf::from("-")]).unwrap();
        assert_eq!(got, [dir.join("a.csv"), dir.join("b.csv"), PathBuf::from("-")]);
        assert!(expand_inputs(&[dir.join("*.parquet")]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Gives at most `most` bytes a read, as pipes do.
    struct Short {
        bytes: io::Cursor<Vec<u8>>,
        most: usize,
    }

    impl Read for Short {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.most);
            self.bytes.read(&mut buf[..n])
        }
    }

    /// Read in pieces of every size, by `read` and by `fill_buf`, over
    /// chunks the hasher hands back: the bytes as stored, and their digest.
    #[test]
    fn the_hashing_reader_gives_every_byte_once_and_its_digest() {
        let bytes: Vec<u8> = (0..5 * HASH_CHUNK + 12_345).map(|i| (i * 7 % 251) as u8).collect();
        let inner = Short { bytes: io::Cursor::new(bytes.clone()), most: 700_001 };
        let (mut reader, digest) = hashing(Box::new(inner));
        let mut got = Vec::new();
        let mut piece = 1;
        loop {
            let n = if piece % 2 == 0 {
                let mut buf = vec![0; piece * 997];
                let n = reader.read(&mut buf).unwrap();
                got.extend_from_slice(&buf[..n]);
                n
            } else {
                let buf = reader.fill_buf().unwrap();
                let n = buf.len().min(piece * 131_071);
                got.extend_from_slice(&buf[..n]);
                reader.consume(n);
                n
            };
            if n == 0 {
                break;
            }
            piece += 1;
        }
        drop(reader);
        let (sha, count) = digest.finish();
        assert_eq!(got, bytes);
        assert_eq!(count, bytes.len() as u64);
        let want: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sha, want);
    }
}

/// Standard input (`-`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StdinSource;

impl Source for StdinSource {
    fn name(&self) -> &str {
        "-"
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(io::stdin()))
    }
}

/// Bytes in memory, for tests.
#[derive(Debug, Clone)]
pub struct MemorySource {
    name: String,
    bytes: Arc<[u8]>,
}

impl MemorySource {
    /// A named in-memory input.
    pub fn new(name: &str, bytes: impl AsRef<[u8]>) -> Self {
        MemorySource { name: name.to_string(), bytes: bytes.as_ref().into() }
    }
}

impl Source for MemorySource {
    fn name(&self) -> &str {
        &self.name
    }
    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(io::Cursor::new(self.bytes.clone())))
    }
}

/// SHA-256 and byte count of everything read through a [`HashingReader`].
/// Drop (or finish) it after its reader: it waits for the hashing thread,
/// which ends when the reader is dropped. Waiting on drop too, so that an
/// input that fails half-way leaves no thread behind.
pub(crate) struct Digest256 {
    bytes: Arc<AtomicU64>,
    done: Option<std::thread::JoinHandle<Sha256>>,
}

impl Drop for Digest256 {
    fn drop(&mut self) {
        if let Some(thread) = self.done.take() {
            let _ = thread.join();
        }
    }
}

impl Digest256 {
    /// Bytes read so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The digest and byte count, once the reader has been dropped.
    pub(crate) fn finish(mut self) -> (String, u64) {
        let bytes = self.bytes();
        let thread = self.done.take().expect("finished once");
        let sha = thread.join().expect("the hashing thread does not panic");
        (sha.finalize().iter().map(|b| format!("{b:02x}")).collect(), bytes)
    }
}

/// Reads in chunks and hashes them on a thread of its own: SHA-256 took
/// about a fifteenth of a JSON parse's time on the reading thread. It is
/// its own buffer (a `BufRead` over the chunk being hashed), so the bytes
/// are copied once on their way in; the hasher hands each chunk back to be
/// read into again, so a chunk is allocated (and zeroed) a few times per
/// input, not once per megabyte.
pub(crate) struct HashingReader {
    inner: Box<dyn Read + Send>,
    chunk: Arc<Vec<u8>>,
    pos: usize,
    hasher: mpsc::SyncSender<Arc<Vec<u8>>>,
    hashed: mpsc::Receiver<Arc<Vec<u8>>>,
    bytes: Arc<AtomicU64>,
}

const HASH_CHUNK: usize = 1 << 20;

/// Chunks queued for the hasher at most.
const HASH_QUEUE: usize = 4;

impl HashingReader {
    /// A chunk to read into: one the hasher is done with, or a new one.
    fn spare(&mut self) -> Vec<u8> {
        while let Ok(done) = self.hashed.try_recv() {
            if let Ok(chunk) = Arc::try_unwrap(done) {
                return chunk;
            }
        }
        Vec::new()
    }
}

impl BufRead for HashingReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.chunk.len() {
            // Dropped first, so that the hasher's copy is the last one.
            self.chunk = Arc::new(Vec::new());
            let mut chunk = self.spare();
            chunk.resize(HASH_CHUNK, 0);
            let n = loop {
                match self.inner.read(&mut chunk) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => break r?,
                }
            };
            chunk.truncate(n);
            self.chunk = Arc::new(chunk);
            self.pos = 0;
            if n > 0 {
                self.bytes.fetch_add(n as u64, Ordering::Relaxed);
                // A send fails only if the thread is gone: `finish` says so.
                let _ = self.hasher.send(self.chunk.clone());
            }
        }
        Ok(&self.chunk[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.chunk.len());
    }
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let got = self.fill_buf()?;
        let n = buf.len().min(got.len());
        buf[..n].copy_from_slice(&got[..n]);
        self.consume(n);
        Ok(n)
    }
}

pub(crate) fn hashing(inner: Box<dyn Read + Send>) -> (HashingReader, Digest256) {
    let (tx, rx) = mpsc::sync_channel::<Arc<Vec<u8>>>(HASH_QUEUE);
    // Unbounded, but it never holds more than the chunks in flight.
    let (back, hashed) = mpsc::channel::<Arc<Vec<u8>>>();
    let done = std::thread::spawn(move || {
        let mut sha = Sha256::new();
        for chunk in rx {
            sha.update(&chunk[..]);
            // The reader may be gone (an input that failed half-way).
            let _ = back.send(chunk);
        }
        sha
    });
    let bytes = Arc::new(AtomicU64::new(0));
    let reader = HashingReader {
        inner,
        chunk: Arc::new(Vec::new()),
        pos: 0,
        hasher: tx,
        hashed,
        bytes: bytes.clone(),
    };
    (reader, Digest256 { bytes, done: Some(done) })
}

/// Wraps gzip and zstd input (by their magic bytes) in a decoder.
pub(crate) fn decompress(mut raw: HashingReader) -> io::Result<Box<dyn BufRead + Send>> {
    let head = raw.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(crate::buffered(flate2::bufread::MultiGzDecoder::new(raw)))
    } else if head.starts_with(&ZSTD_MAGIC) {
        Box::new(crate::buffered(ZstdFrames { source: Some(raw), frame: None }))
    } else {
        Box::new(raw)
    })
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The largest zstd window accepted: 2 GiB, what Pushshift and Arctic Shift
/// dumps need (`zstd --long=31`). A hostile file can make the decoder
/// allocate that much, and no more.
const ZSTD_MAX_WINDOW: u64 = 1 << 31;

/// Every zstd frame of a stream, one after the other (`zstd` output of
/// concatenated files, or pzstd, has several).
struct ZstdFrames {
    source: Option<HashingReader>,
    frame:
        Option<ruzstd::decoding::StreamingDecoder<HashingReader, ruzstd::decoding::FrameDecoder>>,
}

impl Read for ZstdFrames {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(frame) = &mut self.frame {
                let n = frame.read(buf)?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                self.source = self.frame.take().map(|f| f.into_inner());
            }
            let Some(mut source) = self.source.take() else { return Ok(0) };
            if source.fill_buf()?.is_empty() {
                return Ok(0);
            }
            let frame = ruzstd::decoding::StreamingDecoder::new_with_max_window_size(
                source,
                ZSTD_MAX_WINDOW,
            )
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}")))?;
            self.frame = Some(frame);
        }
    }
}
