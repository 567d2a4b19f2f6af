//! # A file written whole or not at all
//!
//! [`write()`] puts the bytes in `<name>.tmp-<pid>-<n>` in the same
//! directory, flushes and syncs them to disk, and renames that file over
//! the target: a reader sees the old file or the new one, never half of
//! one. [`crate::io::output`] removes the temporary files a killed run
//! left behind.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically; `fail` words a path that names no
/// file.
pub fn write(path: &Path, bytes: &[u8], fail: impl Fn(String) -> Error) -> Result<()> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let file_name = path
        .file_name()
        .ok_or_else(|| fail("not a file name".to_string()))?;
    let tmp = path.with_file_name(format!(
        "{}.tmp-{}-{}",
        file_name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.flush()?;
        file.sync_all()
    };
    if let Err(source) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(Error::Io { path: tmp, source });
    }
    if let Err(source) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(Error::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    // Make the rename itself durable (best effort: not every system can
    // sync a directory).
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}
