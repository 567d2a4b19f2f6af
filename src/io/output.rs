//! # The one way a command claims a file it will write
//!
//! Every command that writes (`train --out`, `check --export`, `diagnose
//! --plots`) claims each file first, through [`Output::claim`], before any
//! work is done. Everything that could make the writes fail or do harm is
//! checked there:
//!
//! - the output is not one of the inputs (the corpus), also through a
//!   symbolic or hard link;
//! - it names a file: not a path ending in `/`, not a directory;
//! - only regular files are replaced: a device (`/dev/null`), a FIFO, a
//!   socket or a symbolic link is refused (a link is not followed: give the
//!   path of its target);
//! - an existing file is replaced only if this crate wrote it, as the kind
//!   of file the command writes ([`Ours`]: recognised by its header), or
//!   with `--force`; otherwise the claim is refused, naming the file and
//!   the flag;
//! - its directory exists and a file can be created and removed in it (a
//!   probe file, `.<name>.probe-<pid>`), and an existing file can be
//!   replaced (not another user's file in a sticky directory such as `/tmp`);
//! - no other run writes the same output: an advisory lock
//!   ([`File::try_lock`], `flock` on Unix) on a hidden sibling,
//!   `.<name>.lock`, held until the [`Output`] is dropped;
//! - temporary files of the same output left by a killed run
//!   (`<name>.tmp-<pid>-<n>`, see [`crate::io::weights::save`]) are removed.

use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::io::checkpoint;
use crate::io::input::special_kind;
use crate::io::weights;

/// The kind of file a command writes, which is the only kind of existing
/// file it replaces without `--force`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ours {
    /// A checkpoint of this crate: a safetensors file whose metadata names
    /// the crate's checkpoint format (and the `model`).
    Checkpoint,
    /// An export of `check --export`: a safetensors file whose metadata
    /// `format` is this one.
    Export(&'static str),
    /// A picture of `diagnose --plots`: a PNG or an SVG file.
    Picture,
    /// A tokenizer of `tokenizer train`: a text file in minbpe's `.model`
    /// format (its first line).
    Tokenizer,
    /// A list of names, one a line (`sft --pretrain-names`): it carries no
    /// mark of the crate, so an existing one is replaced only with
    /// `--force`.
    Names,
}

impl Ours {
    fn name(self) -> &'static str {
        match self {
            Ours::Checkpoint => "a checkpoint written by backprop-ninja",
            Ours::Export(_) => "an export written by backprop-ninja",
            Ours::Picture => "a PNG or SVG picture",
            Ours::Tokenizer => "a tokenizer file (minbpe v1)",
            Ours::Names => "new (a list of names carries no mark of this crate)",
        }
    }
}

/// How a command claims a file: the option that names it (for messages),
/// what it writes, and whether `--force` was given.
#[derive(Clone, Copy, Debug)]
pub struct Claim {
    pub option: &'static str,
    pub ours: Ours,
    pub force: bool,
}

impl Claim {
    /// `train --out`: a checkpoint.
    pub fn checkpoint(force: bool) -> Claim {
        Claim {
            option: "--out",
            ours: Ours::Checkpoint,
            force,
        }
    }
}

/// A claimed output: the lock is held as long as this lives.
#[derive(Debug)]
pub struct Output {
    path: PathBuf,
    lock_path: PathBuf,
    lock: Option<File>,
    /// The stale temporary files removed when it was claimed.
    pub removed: Vec<PathBuf>,
}

fn fail(path: &Path, detail: impl Into<String>) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        line: None,
        detail: detail.into(),
    }
}

/// Whether `a` and `b` name the same existing file (through links too).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

/// Whether `name` is `<file>.tmp-<pid>-<n>`, a temporary file of `file`.
pub fn is_temporary_of(name: &str, file: &str) -> bool {
    let Some(rest) = name
        .strip_prefix(file)
        .and_then(|r| r.strip_prefix(".tmp-"))
    else {
        return false;
    };
    let mut parts = rest.split('-');
    let digits =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
}

/// Whether `path` ends in a separator (`nosuchdir/`), which `Path` forgets:
/// `Path::new("dir/").file_name()` is `dir`.
fn ends_in_separator(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes
        .last()
        .is_some_and(|&b| b == b'/' || (cfg!(windows) && b == b'\\'))
}

/// Whether the regular file `path` is `ours`, by its first bytes: a
/// safetensors header (read whole, up to [`weights::MAX_HEADER`]) with the
/// crate's checkpoint or export format in its metadata, or a PNG's
/// signature or an SVG's `<svg` tag (in the first kilobyte), or a
/// tokenizer's first line.
pub fn is_ours(path: &Path, ours: Ours) -> bool {
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = vec![];
    if (&mut file).take(1024).read_to_end(&mut head).is_err() {
        return false;
    }
    let header_len = head
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    if let Some(len) = header_len.filter(|&n| n <= weights::MAX_HEADER) {
        let rest = (8 + len).saturating_sub(head.len() as u64);
        if file.take(rest).read_to_end(&mut head).is_err() {
            return false;
        }
    }
    match ours {
        Ours::Checkpoint => safetensors_metadata(&head).is_some_and(|meta| {
            matches!(meta.get("format"), Some(f) if f == checkpoint::FORMAT || f == checkpoint::FORMAT_MLP_1)
        }),
        Ours::Export(format) => safetensors_metadata(&head)
            .is_some_and(|meta| meta.get("format").is_some_and(|f| f == format)),
        Ours::Tokenizer => crate::tokenizer::file::looks_like_model(&head),
        Ours::Names => false,
        Ours::Picture => {
            const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
            let text = String::from_utf8_lossy(&head[..head.len().min(1024)]).into_owned();
            let text = text.trim_start();
            head.starts_with(PNG)
                || text.starts_with("<svg")
                || (text.starts_with("<?xml") && text.contains("<svg"))
        }
    }
}

/// The `__metadata__` of a safetensors header at the start of `head`, if
/// it is one and fits in it.
fn safetensors_metadata(head: &[u8]) -> Option<std::collections::HashMap<String, String>> {
    let len = u64::from_le_bytes(head.get(..8)?.try_into().ok()?);
    let end = usize::try_from(len).ok()?.checked_add(8)?;
    let header: &[u8] = head.get(8..end)?;
    let header = std::str::from_utf8(header).ok()?;
    let value: serde_json::Value = serde_json::from_str(header).ok()?;
    let metadata = value.get("__metadata__")?.as_object()?;
    Some(
        metadata
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
    )
}

impl Output {
    /// Claims `path` as the output of a run reading `inputs` (named by the
    /// option that gave each, for messages), by the rules of the module:
    /// refused, with a message naming the file and what to do, before any
    /// work is done.
    pub fn claim(path: &Path, inputs: &[(&str, &Path)], claim: Claim) -> Result<Output> {
        let option = claim.option;
        if ends_in_separator(path) {
            return Err(fail(
                path,
                format!("{option} ends in '/', so it names a directory: give a file name"),
            ));
        }
        for (input_option, input) in inputs {
            if same_file(path, input) {
                return Err(fail(
                    path,
                    format!(
                        "{option} is the same file as {input_option} {}: the output must not overwrite an input",
                        input.display()
                    ),
                ));
            }
        }
        let existing = match fs::symlink_metadata(path) {
            Ok(meta) => Some(meta),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                None
            }
            Err(source) => {
                return Err(fail(
                    path,
                    format!("{option} cannot be examined ({source})"),
                ));
            }
        };
        if let Some(meta) = &existing {
            Output::replaceable(path, meta, claim)?;
        }
        let name = path
            .file_name()
            .ok_or_else(|| fail(path, format!("{option} does not end in a file name")))?
            .to_string_lossy()
            .into_owned();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            let why = if dir.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            return Err(fail(
                path,
                format!("cannot write here: the directory {} {why}", dir.display()),
            ));
        }
        Output::probe(path, &dir, &name, existing.as_ref())?;
        let lock_path = dir.join(format!(".{name}.lock"));
        let lock = Output::lock(&lock_path, path)?;
        let mut removed = vec![];
        if let Ok(entries) = fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let file_name = entry.file_name();
                if is_temporary_of(&file_name.to_string_lossy(), &name)
                    && fs::remove_file(entry.path()).is_ok()
                {
                    removed.push(entry.path());
                }
            }
        }
        Ok(Output {
            path: path.to_path_buf(),
            lock_path,
            lock: Some(lock),
            removed,
        })
    }

    /// Refuses an existing `path` (of metadata `meta`, not followed) that
    /// is not a regular file, or is a regular file this crate did not
    /// write as `claim.ours`, unless `claim.force`.
    fn replaceable(path: &Path, meta: &fs::Metadata, claim: Claim) -> Result<()> {
        let option = claim.option;
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(path)
                .map(|t| format!(" (to {})", t.display()))
                .unwrap_or_default();
            return Err(fail(
                path,
                format!(
                    "{option} is a symbolic link{target}: links are not followed; give the path of the file itself"
                ),
            ));
        }
        if kind.is_dir() {
            return Err(fail(path, format!("{option} is a directory, not a file")));
        }
        if !kind.is_file() {
            return Err(fail(
                path,
                format!(
                    "{option} is {}, not a regular file: nothing was written to it; choose a file",
                    special_kind(meta)
                ),
            ));
        }
        if claim.force || is_ours(path, claim.ours) {
            return Ok(());
        }
        Err(fail(
            path,
            format!(
                "{option} exists and is not {}: it was left as it was; pass --force to replace it, or choose another {option}",
                claim.ours.name()
            ),
        ))
    }

    /// Creates and removes a probe file in `dir`, so that a directory where
    /// nothing can be written is found now, not at the first save; and
    /// refuses an `existing` file that the rename of a save could not
    /// replace (another user's file in a sticky directory).
    fn probe(path: &Path, dir: &Path, name: &str, existing: Option<&fs::Metadata>) -> Result<()> {
        let probe = dir.join(format!(".{name}.probe-{}", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .map_err(|source| {
                fail(
                    path,
                    format!(
                        "cannot write in its directory ({}: {source})",
                        probe.display()
                    ),
                )
            })?;
        let owner = file.metadata();
        drop(file);
        if let Err(source) = fs::remove_file(&probe) {
            return Err(fail(
                path,
                format!(
                    "cannot remove files in its directory ({}: {source}); remove the probe file by hand",
                    probe.display()
                ),
            ));
        }
        #[cfg(unix)]
        if let (Some(meta), Ok(me), Ok(d)) = (existing, owner, fs::metadata(dir)) {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let sticky = d.permissions().mode() & 0o1000 != 0;
            let uid = me.uid();
            if sticky && uid != 0 && meta.uid() != uid && d.uid() != uid {
                return Err(fail(
                    path,
                    format!(
                        "cannot be replaced: it belongs to another user (uid {}) in the sticky directory {}; choose another file",
                        meta.uid(),
                        dir.display()
                    ),
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = (existing, owner);
        Ok(())
    }

    /// Creates (or opens) the lock file and takes its lock without waiting;
    /// retries if another run removed the file in between, so that the lock
    /// held is always on the file the path names.
    fn lock(lock_path: &Path, out: &Path) -> Result<File> {
        for _ in 0..5 {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(lock_path)
                .map_err(|source| {
                    fail(
                        out,
                        format!(
                            "cannot write in its directory ({}: {source})",
                            lock_path.display()
                        ),
                    )
                })?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(fail(
                        out,
                        format!(
                            "another run is writing this file (it holds the lock {}); wait for it to end, or choose another --out",
                            lock_path.display()
                        ),
                    ));
                }
                Err(fs::TryLockError::Error(source)) => {
                    return Err(Error::Io {
                        path: lock_path.to_path_buf(),
                        source,
                    });
                }
            }
            if Output::still_named(&file, lock_path) {
                return Ok(file);
            }
        }
        Err(fail(
            out,
            format!("could not hold the lock {}", lock_path.display()),
        ))
    }

    /// Whether `path` still names the open `file`.
    fn still_named(file: &File, path: &Path) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            match (file.metadata(), fs::metadata(path)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = file;
            path.exists()
        }
    }

    /// The output file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Output {
    /// Removes the lock file while still holding its lock, then releases it.
    fn drop(&mut self) {
        if let Some(file) = self.lock.take() {
            let _ = fs::remove_file(&self.lock_path);
            let _ = file.unlock();
        }
    }
}
