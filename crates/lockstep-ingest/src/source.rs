use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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
#[derive(Clone)]
pub(crate) struct Digest256(Arc<Mutex<(Sha256, u64)>>);

impl Digest256 {
    /// Bytes read so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.0.lock().expect("digest lock").1
    }

    pub(crate) fn finish(&self) -> (String, u64) {
        let g = self.0.lock().expect("digest lock");
        let hex = g.0.clone().finalize().iter().map(|b| format!("{b:02x}")).collect();
        (hex, g.1)
    }
}

pub(crate) struct HashingReader {
    inner: Box<dyn Read + Send>,
    digest: Digest256,
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut g = self.digest.0.lock().expect("digest lock");
        g.0.update(&buf[..n]);
        g.1 += n as u64;
        Ok(n)
    }
}

pub(crate) fn hashing(inner: Box<dyn Read + Send>) -> (HashingReader, Digest256) {
    let digest = Digest256(Arc::new(Mutex::new((Sha256::new(), 0))));
    (HashingReader { inner, digest: digest.clone() }, digest)
}

/// Wraps gzip and zstd input (by their magic bytes) in a decoder.
pub(crate) fn decompress(raw: HashingReader) -> io::Result<Box<dyn BufRead + Send>> {
    let mut r = crate::buffered(raw);
    let head = r.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(crate::buffered(flate2::bufread::MultiGzDecoder::new(r)))
    } else if head.starts_with(&ZSTD_MAGIC) {
        Box::new(crate::buffered(ZstdFrames { source: Some(r), frame: None }))
    } else {
        Box::new(r)
    })
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The largest zstd window accepted: 2 GiB, what Pushshift and Arctic Shift
/// dumps need (`zstd --long=31`). A hostile file can make the decoder
/// allocate that much, and no more.
const ZSTD_MAX_WINDOW: u64 = 1 << 31;

type Buffered = std::io::BufReader<HashingReader>;

/// Every zstd frame of a stream, one after the other (`zstd` output of
/// concatenated files, or pzstd, has several).
struct ZstdFrames {
    source: Option<Buffered>,
    frame: Option<ruzstd::decoding::StreamingDecoder<Buffered, ruzstd::decoding::FrameDecoder>>,
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
