//! # Checksums of a checkpoint's tensors
//!
//! Every checkpoint carries in its metadata the XXH3 64-bit hash of each
//! tensor's bytes (little-endian, row-major, as they are stored):
//! `checksum` = `xxh3-64` names the hash, and `checksum.<tensor>` holds 16
//! hexadecimal digits for each tensor. The one writer of checkpoints,
//! [`crate::io::checkpoint::write`], stamps them ([`stamp`]); the one
//! reader, [`crate::io::checkpoint::read`], verifies them ([`verify`]) before
//! anything else is read from the tensors, so that a flipped bit is refused
//! with the name of the tensor it is in. Files written before checkpoints
//! carried checksums load [`Integrity::Unverified`], which the command line
//! notes.

use std::collections::BTreeMap;
use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

use crate::error::{Error, Result};
use crate::io::weights::Tensor;

/// The metadata entry naming the hash.
pub const KEY: &str = "checksum";

/// The hash, as the metadata names it.
pub const ALGORITHM: &str = "xxh3-64";

/// The metadata entry of tensor `W1`'s checksum is `checksum.W1`.
pub const PREFIX: &str = "checksum.";

/// What the reader could verify of a checkpoint's tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// Every tensor matches its checksum.
    Verified,
    /// The file carries no checksums (written before checkpoints had them).
    Unverified,
}

/// The checksum of a tensor: the XXH3 64-bit hash of its bytes as stored.
pub fn of(tensor: &Tensor) -> u64 {
    xxh3_64(&tensor.to_le_bytes())
}

/// Adds to `metadata` the checksum of every tensor, and the hash's name.
pub fn stamp(tensors: &[(String, Tensor)], metadata: &mut BTreeMap<String, String>) {
    metadata.insert(KEY.into(), ALGORITHM.into());
    for (name, tensor) in tensors {
        metadata.insert(format!("{PREFIX}{name}"), format!("{:016x}", of(tensor)));
    }
}

/// Checks every tensor of the file `path` against its checksum in `meta`:
/// [`Integrity::Verified`] if all match, [`Integrity::Unverified`] for a
/// file that carries none; an error naming the tensor whose bytes do not
/// match (or whose checksum is missing or malformed), and for checksums of
/// tensors the file does not hold.
pub fn verify(
    tensors: &BTreeMap<String, Tensor>,
    meta: &BTreeMap<String, String>,
    path: &Path,
) -> Result<Integrity> {
    let fail = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    let sums: BTreeMap<&str, &String> = meta
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(PREFIX)?, v)))
        .collect();
    match meta.get(KEY) {
        None if sums.is_empty() => return Ok(Integrity::Unverified),
        None => {
            return Err(fail(format!(
                "it carries checksums of its tensors but no {KEY:?} entry naming their hash: the header is damaged"
            )));
        }
        Some(a) if a != ALGORITHM => {
            return Err(fail(format!(
                "its tensors' checksums are {a:?}, which this crate does not know (it writes {ALGORITHM:?})"
            )));
        }
        Some(_) => {}
    }
    for (name, tensor) in tensors {
        let stored = sums.get(name.as_str()).ok_or_else(|| {
            fail(format!(
                "tensor {name} has no checksum (no {PREFIX}{name} in the metadata): the file is damaged"
            ))
        })?;
        let stored = u64::from_str_radix(stored, 16)
            .ok()
            .filter(|_| stored.len() == 16)
            .ok_or_else(|| {
                fail(format!(
                    "metadata \"{PREFIX}{name}\" = {stored:?} is not a checksum (16 hexadecimal digits)"
                ))
            })?;
        let actual = of(tensor);
        if actual != stored {
            return Err(fail(format!(
                "tensor {name} does not match its checksum ({ALGORITHM} {actual:016x}, stored {stored:016x}): the file is damaged"
            )));
        }
    }
    if let Some(name) = sums.keys().find(|n| !tensors.contains_key(**n)) {
        return Err(fail(format!(
            "it carries a checksum of tensor {name}, which it does not hold: the file is damaged"
        )));
    }
    Ok(Integrity::Verified)
}
