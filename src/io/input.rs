//! # The one way a file the crate reads is opened
//!
//! A corpus (`--data`, `--text`, or the file a checkpoint names) and a
//! checkpoint are read whole into memory. [`read`] reads only a regular file
//! (not `/dev/zero`, a FIFO or a directory: refused before it is opened, and
//! checked again on the opened handle), of at most a limit
//! ([`MAX_DATA`] for a corpus, [`MAX_CHECKPOINT`] for a checkpoint), and
//! reads no more than that even from a file that grows while it is read.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The largest corpus read: 1 GiB (the lectures' are 229 kB and 1.1 MB).
pub const MAX_DATA: u64 = 1 << 30;

/// The largest checkpoint read: 16 GiB, the memory a run may need at most.
pub const MAX_CHECKPOINT: u64 = 16 << 30;

/// The bytes of the regular file `path`, `what` it is for messages ("the
/// corpus"), refusing anything else and a file over `limit` bytes.
pub fn read(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>> {
    let refuse = |detail: String| Error::Data {
        path: path.to_path_buf(),
        line: None,
        detail,
    };
    let io = |source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    // Opening a FIFO waits for a writer: look before opening.
    let regular = |meta: &fs::Metadata| -> Result<()> {
        if meta.is_file() {
            return Ok(());
        }
        let kind = special_kind(meta);
        Err(refuse(format!(
            "{what} must be a regular file, and this is {kind}"
        )))
    };
    regular(&fs::metadata(path).map_err(io)?)?;
    let file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    regular(&meta)?;
    let too_big = |size: String| {
        refuse(format!(
            "{what} is {size}, over the limit of {} bytes ({} GiB)",
            limit,
            limit >> 30
        ))
    };
    if meta.len() > limit {
        return Err(too_big(format!("{} bytes", meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_big("still growing".to_string()));
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, in words: "a character
/// device", "a FIFO (named pipe)".
pub fn special_kind(meta: &fs::Metadata) -> &'static str {
    if meta.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}
