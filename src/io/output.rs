//! # The output of a training run, claimed before the first step
//!
//! `train --out FILE` writes checkpoints along the way and the model at the
//! end. Everything that could make those writes fail or do harm is checked
//! before any work is done, by [`Output::claim`]:
//!
//! - the output is not one of the inputs (the corpus), also through a
//!   symbolic or hard link;
//! - its directory exists and a file can be created in it, and the output
//!   is not a directory;
//! - no other run writes the same output: an advisory lock (`flock`, through
//!   the `fs4` crate) on a hidden sibling, `.<name>.lock`, held until the
//!   [`Output`] is dropped;
//! - temporary files of the same output left by a killed run
//!   (`<name>.tmp-<pid>-<n>`, see [`crate::io::weights::save`]) are removed.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

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
fn is_temporary_of(name: &str, file: &str) -> bool {
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

impl Output {
    /// Claims `path` as the output of a run reading `inputs` (named by the
    /// option that gave each, for messages).
    pub fn claim(path: &Path, inputs: &[(&str, &Path)]) -> Result<Output> {
        for (option, input) in inputs {
            if same_file(path, input) {
                return Err(fail(
                    path,
                    format!(
                        "--out is the same file as {option} {}: the output must not overwrite an input",
                        input.display()
                    ),
                ));
            }
        }
        if path.is_dir() {
            return Err(fail(path, "--out is a directory, not a file"));
        }
        let name = path
            .file_name()
            .ok_or_else(|| fail(path, "--out does not end in a file name"))?
            .to_string_lossy()
            .into_owned();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(fail(
                path,
                format!(
                    "cannot write here: the directory {} does not exist",
                    dir.display()
                ),
            ));
        }
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
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => {}
                Err(fs4::TryLockError::WouldBlock) => {
                    return Err(fail(
                        out,
                        format!(
                            "another run is writing this file (it holds the lock {}); wait for it to end, or choose another --out",
                            lock_path.display()
                        ),
                    ));
                }
                Err(fs4::TryLockError::Error(source)) => {
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
            let _ = fs4::FileExt::unlock(&file);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        crate::io::weights::test_dir(&format!("output-{tag}"))
    }

    #[test]
    fn temporary_names_are_recognised_exactly() {
        assert!(is_temporary_of("m.safetensors.tmp-123-0", "m.safetensors"));
        assert!(!is_temporary_of("m.safetensors.tmp-123", "m.safetensors"));
        assert!(!is_temporary_of("m.safetensors.tmp-12a-0", "m.safetensors"));
        assert!(!is_temporary_of("n.safetensors.tmp-1-0", "m.safetensors"));
        assert!(!is_temporary_of("m.safetensors", "m.safetensors"));
    }

    #[test]
    fn a_second_claim_is_refused_until_the_first_ends() {
        let d = dir("lock");
        let out = d.join("m.safetensors");
        let first = Output::claim(&out, &[]).unwrap();
        let err = Output::claim(&out, &[]).unwrap_err().to_string();
        assert!(err.contains("another run is writing this file"), "{err}");
        drop(first);
        assert!(!d.join(".m.safetensors.lock").exists(), "lock file removed");
        Output::claim(&out, &[]).unwrap();
    }

    #[test]
    fn inputs_directories_and_missing_directories_are_refused() {
        let d = dir("refuse");
        let data = d.join("names.txt");
        fs::write(&data, "emma\n").unwrap();
        let err = Output::claim(&data, &[("--data", &data)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("same file as --data"), "{err}");
        #[cfg(unix)]
        {
            let link = d.join("link.safetensors");
            std::os::unix::fs::symlink(&data, &link).unwrap();
            let err = Output::claim(&link, &[("--data", &data)])
                .unwrap_err()
                .to_string();
            assert!(err.contains("same file as --data"), "{err}");
        }
        let err = Output::claim(&d, &[]).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
        let err = Output::claim(&d.join("no/such/m.safetensors"), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[test]
    fn stale_temporary_files_of_the_same_output_are_removed() {
        let d = dir("stale");
        for name in [
            "m.safetensors.tmp-99999-0",
            "m.safetensors.tmp-1-7",
            "other.tmp-1-0",
        ] {
            fs::write(d.join(name), "partial").unwrap();
        }
        let out = Output::claim(&d.join("m.safetensors"), &[]).unwrap();
        assert_eq!(out.removed.len(), 2);
        assert!(d.join("other.tmp-1-0").exists());
        assert!(!d.join("m.safetensors.tmp-1-7").exists());
    }
}
