//! # The corpora the models learn from
//!
//! - [`words`]: one word per line (the names of makemore), its vocabulary,
//!   the 80/10/10 split and the `(block)`-character contexts.
//! - [`text`]: running text for lecture 7 (a character vocabulary, the
//!   90/10 split, random windows) and makemore's names as padded rows.
//! - [`codec`]: text to token ids and back ([`codec::Codec`]), the
//!   character vocabularies' and a tokenizer's, recorded in checkpoints.

pub mod codec;
pub mod text;
pub mod words;

/// What a run was trained on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// Running text (`train gpt --text`): vocabulary the sorted characters.
    Text,
    /// One word per line (`--data`, or the embedded names): `.` is token 0.
    Names,
}

impl DataKind {
    pub fn name(self) -> &'static str {
        match self {
            DataKind::Text => "text",
            DataKind::Names => "names",
        }
    }
}

/// The one fingerprint of a run's data, as every checkpoint stores it: its
/// kind, where it came from, its length and its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub kind: DataKind,
    /// A path, or `embedded: …`.
    pub source: String,
    /// Characters (text) or words (names).
    pub len: usize,
    /// [`fnv1a64`] of the text, or of the words each followed by `\n`.
    pub hash: u64,
}

impl Fingerprint {
    /// The same data, wherever the file is now.
    pub fn same_data(&self, other: &Fingerprint) -> bool {
        self.kind == other.kind && self.len == other.len && self.hash == other.hash
    }

    /// What `len` counts: "words" or "characters".
    pub fn unit(&self) -> &'static str {
        match self.kind {
            DataKind::Text => "characters",
            DataKind::Names => "words",
        }
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} {}, hash {:016x}",
            self.source,
            self.len,
            self.unit(),
            self.hash
        )
    }
}

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
