//! # The corpora the models learn from
//!
//! - [`words`]: one word per line (the names of makemore), its vocabulary,
//!   the 80/10/10 split and the `(block)`-character contexts.
//! - [`text`]: running text for lecture 7 (a character vocabulary, the
//!   90/10 split, random windows) and makemore's names as padded rows.

pub mod text;
pub mod words;

/// FNV-1a, 64 bits: the fingerprint of a run's data in its checkpoint
/// (of the words each followed by `\n`, or of the text), stable across
/// platforms and versions, unlike std's hasher.
pub fn fnv1a64(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
