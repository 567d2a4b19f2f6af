//! # Data: a corpus of words, its vocabulary, and the (context → next character) examples
//!
//! The embedded default corpus is `data/names.txt` (30,000 US first names
//! from the Social Security Administration's public-domain baby-name data;
//! see `data/README.md` for how it was derived). `--data PATH` takes any
//! file with one word per line: lines are trimmed (so CRLF is fine), blank
//! lines are skipped, and the vocabulary is every character that occurs,
//! sorted, after the boundary token `.` at index 0.

use std::path::{Path, PathBuf};

use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::corpus::codec::{self, Codec};
use crate::corpus::{DataKind, Fingerprint};
use crate::error::{Error, Result};

/// The corpus shipped inside the crate.
pub const DEFAULT_CORPUS: &str = include_str!("../../data/names.txt");

/// The boundary token: it starts every context and ends every word.
pub const BOUNDARY: char = '.';

/// The fewest words that split 80/10/10 into three non-empty parts.
pub const MIN_WORDS: usize = 10;

/// A list of words and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Corpus {
    pub words: Vec<String>,
    /// A path, or "embedded" for the default corpus.
    pub source: String,
    /// The line (1-based) of each word in the file, for messages.
    pub lines: Vec<usize>,
}

impl Corpus {
    /// The corpus shipped inside the crate.
    pub fn embedded() -> Corpus {
        Corpus::parse(DEFAULT_CORPUS, Path::new("embedded:data/names.txt"))
            .expect("the embedded corpus is valid")
    }

    /// Reads one word per line from `path`, which must be UTF-8 text (the
    /// error names the line and byte where it is not).
    pub fn from_file(path: &Path) -> Result<Corpus> {
        let bytes = crate::io::input::read(path, "the corpus", crate::io::input::MAX_DATA)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Error::Data {
                path: path.to_path_buf(),
                line: Some(line),
                detail: format!(
                    "not UTF-8 text: byte 0x{:02x} at byte offset {at} does not start a valid character",
                    bytes[at]
                ),
            }
        })?;
        Corpus::parse(text, path)
    }

    /// Parses one word per line; `path` names the source in errors. A
    /// leading byte-order mark is skipped; control characters are refused.
    pub fn parse(text: &str, path: &Path) -> Result<Corpus> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let data_error = |line: Option<usize>, detail: String| Error::Data {
            path: PathBuf::from(path),
            line,
            detail,
        };
        let mut words = vec![];
        let mut lines = vec![];
        for (i, line) in text.lines().enumerate() {
            let word = line.trim();
            if word.is_empty() {
                continue;
            }
            if let Some((column, c)) = word.chars().enumerate().find(|(_, c)| c.is_control()) {
                return Err(data_error(
                    Some(i + 1),
                    format!(
                        "{word:?} has the control character {c:?} (U+{:04X}) at character {}: one word of printable characters per line",
                        c as u32,
                        column + 1
                    ),
                ));
            }
            if word.contains(BOUNDARY) {
                return Err(data_error(
                    Some(i + 1),
                    format!("{word:?} contains '{BOUNDARY}', the boundary token"),
                ));
            }
            if word.chars().any(char::is_whitespace) {
                return Err(data_error(
                    Some(i + 1),
                    format!("{word:?} has white space inside: one word per line"),
                ));
            }
            words.push(word.to_string());
            lines.push(i + 1);
        }
        if words.is_empty() {
            return Err(data_error(
                None,
                "no words: the file is empty or blank".into(),
            ));
        }
        if words.len() < MIN_WORDS {
            return Err(data_error(
                None,
                format!(
                    "only {} word(s): at least {MIN_WORDS} are needed to split 80/10/10 into train, val and test",
                    words.len()
                ),
            ));
        }
        Ok(Corpus {
            words,
            source: path.display().to_string(),
            lines,
        })
    }

    /// What identifies this corpus in a checkpoint.
    pub fn fingerprint(&self) -> Fingerprint {
        let hash = crate::corpus::fnv1a64(
            self.words
                .iter()
                .flat_map(|word| word.bytes().chain(*b"\n")),
        );
        Fingerprint {
            kind: DataKind::Names,
            source: self.source.clone(),
            len: self.words.len(),
            hash,
        }
    }

    /// Fails, naming this corpus's file, line and character, and `owner`
    /// (where the vocabulary comes from, a checkpoint), at the first
    /// character that is not in `vocab`.
    pub fn check_vocab(&self, vocab: &Vocab, owner: &str) -> Result<()> {
        for (word, &line) in self.words.iter().zip(&self.lines) {
            if let Some((column, c)) = word
                .chars()
                .enumerate()
                .find(|&(_, c)| vocab.index(c).is_none())
            {
                return Err(Error::Data {
                    path: PathBuf::from(&self.source),
                    line: Some(line),
                    detail: format!(
                        "character {c:?} (character {} of {word:?}) is not in the vocabulary of {owner} ({:?})",
                        column + 1,
                        vocab.as_string()
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Fills `idx (B, T)` and `targets (B,)` with batch `step`: random examples
/// from stream `step` of `seed`.
pub fn sample_batch(
    idx: &mut Array2<usize>,
    targets: &mut [usize],
    data: &Examples,
    seed: u64,
    step: usize,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(step as u64);
    let block = data.x.ncols();
    let x = data.x.as_slice().expect("examples in standard layout");
    let idx = idx.as_slice_mut().expect("a standard-layout batch");
    for (row, target) in idx.chunks_exact_mut(block).zip(targets.iter_mut()) {
        let i = rng.random_range(0..data.len());
        row.copy_from_slice(&x[i * block..(i + 1) * block]);
        *target = data.y[i];
    }
}

/// The characters of a corpus, `.` first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocab {
    chars: Vec<char>,
}

impl Vocab {
    /// `.` then every character of the words, sorted.
    pub fn from_words(words: &[String]) -> Vocab {
        let mut chars: Vec<char> = words.iter().flat_map(|w| w.chars()).collect();
        chars.sort_unstable();
        chars.dedup();
        chars.insert(0, BOUNDARY);
        Vocab { chars }
    }

    /// From the string `chars` (as stored in a checkpoint): `.` must come first.
    pub fn from_chars(chars: &str) -> Option<Vocab> {
        let chars: Vec<char> = chars.chars().collect();
        (chars.first() == Some(&BOUNDARY)).then_some(Vocab { chars })
    }

    /// Every character, `.` first, as one string.
    pub fn as_string(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The index of `c`, if it is in the vocabulary.
    pub fn index(&self, c: char) -> Option<usize> {
        self.chars.iter().position(|&x| x == c)
    }

    /// The character at `i`.
    pub fn char(&self, i: usize) -> char {
        self.chars[i]
    }
}

/// makemore's names as a [`Codec`]: `.` (the boundary of a name) is
/// token 0, then the letters in order.
impl Codec for Vocab {
    fn vocab_size(&self) -> usize {
        self.len()
    }
    fn encode(&self, text: &str) -> Result<Vec<u32>> {
        text.chars()
            .map(|c| {
                self.index(c).map(codec::id).ok_or_else(|| Error::Input {
                    layer: "text",
                    detail: format!(
                        "character {c:?} of {text:?} is not in the vocabulary {:?}",
                        self.as_string()
                    ),
                })
            })
            .collect()
    }
    fn decode(&self, ids: &[u32]) -> Result<String> {
        codec::decode_chars(ids, self.len(), |i| (i < self.len()).then(|| self.char(i)))
    }
    fn fingerprint(&self) -> u64 {
        codec::chars_fingerprint("names", &self.as_string())
    }
    fn describe(&self) -> String {
        format!("name characters ({}, '.' the boundary)", self.len())
    }
}

/// Examples: each row of `x` is a context of `block` indices, `y` the next.
#[derive(Clone, Debug, PartialEq)]
pub struct Examples {
    /// `(N, block)`
    pub x: Array2<usize>,
    /// `(N,)`
    pub y: Vec<usize>,
}

impl Examples {
    /// Every (context, next) pair of every word, as in the lecture: the
    /// context starts as `...` and the word ends with `.`.
    pub fn build(words: &[String], vocab: &Vocab, block: usize) -> Result<Examples> {
        let mut xs = vec![];
        let mut y = vec![];
        for word in words {
            let mut context = vec![0; block];
            for c in word.chars().chain([BOUNDARY]) {
                let ix = vocab.index(c).ok_or_else(|| Error::Input {
                    layer: "data",
                    detail: format!(
                        "character {c:?} of {word:?} is not in the vocabulary {:?}",
                        vocab.as_string()
                    ),
                })?;
                xs.extend_from_slice(&context);
                y.push(ix);
                context.remove(0);
                context.push(ix);
            }
        }
        let x = Array2::from_shape_vec((y.len(), block), xs).expect("block indices per example");
        Ok(Examples { x, y })
    }

    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// The words shuffled with `seed` and split 80/10/10.
pub fn split(words: &[String], seed: u64) -> [Vec<String>; 3] {
    let mut words = words.to_vec();
    words.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let n1 = words.len() * 8 / 10;
    let n2 = words.len() * 9 / 10;
    let test = words.split_off(n2);
    let val = words.split_off(n1);
    [words, val, test]
}
