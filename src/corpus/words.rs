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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_codec_puts_the_boundary_first() {
        let v = Vocab::from_chars(".abc").unwrap();
        let codec: &dyn Codec = &v;
        assert_eq!(codec.encode("cab.").unwrap(), vec![3, 1, 2, 0]);
        assert_eq!(codec.decode(&[3, 1, 2, 0]).unwrap(), "cab.");
        let err = codec.encode("cad").unwrap_err().to_string();
        assert!(
            err.contains("character 'd' of \"cad\" is not in the vocabulary \".abc\""),
            "{err}"
        );
        assert!(codec.decode(&[4]).is_err());
        // The same letters as running text are another codec.
        assert_ne!(
            codec.fingerprint(),
            crate::corpus::codec::chars_fingerprint("characters", ".abc")
        );
    }

    #[test]
    fn parses_crlf_blank_lines_and_spaces() {
        let text = "emma\r\n\r\n  olivia \nava\n\nbo\ncy\ndi\ned\nfay\ngus\nhal\n";
        let corpus = Corpus::parse(text, Path::new("t.txt")).unwrap();
        assert_eq!(corpus.words[..3], ["emma", "olivia", "ava"]);
        assert_eq!(corpus.words.len(), 10);
    }

    #[test]
    fn refuses_empty_tiny_and_dotted_corpora_naming_the_problem() {
        let err = Corpus::parse("\n\n", Path::new("e.txt"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "e.txt: no words: the file is empty or blank");
        let err = Corpus::parse("emma\n", Path::new("one.txt"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("one.txt: only 1 word(s)"), "{err}");
        let err = Corpus::parse("emma\nj.r.\n", Path::new("d.txt"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("d.txt:2: \"j.r.\" contains '.'"), "{err}");
        let err = Corpus::from_file(Path::new("/no/such/file.txt"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/no/such/file.txt: "), "{err}");
    }

    #[test]
    fn the_vocabulary_and_examples_follow_the_lecture() {
        let words = vec!["emma".to_string()];
        let vocab = Vocab::from_words(&words);
        assert_eq!(vocab.as_string(), ".aem");
        let ex = Examples::build(&words, &vocab, 3).unwrap();
        // ... → e, ..e → m, .em → m, emm → a, mma → .
        assert_eq!(ex.y, vec![2, 3, 3, 1, 0]);
        assert_eq!(ex.x.row(4).to_vec(), vec![3, 3, 1]);
    }

    #[test]
    fn the_embedded_corpus_is_the_documented_one() {
        let corpus = Corpus::embedded();
        assert_eq!(corpus.words.len(), 30_000);
        assert_eq!(
            Vocab::from_words(&corpus.words).as_string(),
            ".abcdefghijklmnopqrstuvwxyz"
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_control_characters_refused() {
        let words = "emma\nava\nbo\ncy\ndi\ned\nfay\ngus\nhal\nivy\n";
        let corpus = Corpus::parse(&format!("\u{feff}{words}"), Path::new("b.txt")).unwrap();
        assert_eq!(corpus.words[0], "emma");
        assert_eq!(
            Vocab::from_words(&corpus.words).as_string(),
            ".abcdefghilmosuvy"
        );
        let err = Corpus::parse("emma\nav\u{7}a\n", Path::new("c.txt"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.txt:2: \"av\\u{7}a\" has the control character"),
            "{err}"
        );
    }

    #[test]
    fn non_utf8_text_is_refused_with_its_line_and_byte() {
        let dir = std::env::temp_dir().join(format!("backprop-ninja-utf8-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("latin1.txt");
        std::fs::write(&path, b"emma\nolivia\njos\xe9\n").unwrap();
        let err = Corpus::from_file(&path).unwrap_err().to_string();
        assert!(err.ends_with("latin1.txt:3: not UTF-8 text: byte 0xe9 at byte offset 15 does not start a valid character"), "{err}");
    }

    #[test]
    fn a_character_outside_a_vocabulary_is_named_with_its_line() {
        let text = "emma\n\nava\nbo\ncy\ndi\ned\nfay\ngus\nhal\nivy\n";
        let corpus = Corpus::parse(text, Path::new("v.txt")).unwrap();
        let vocab = Vocab::from_chars(".abcdefghijklm").unwrap();
        let err = corpus
            .check_vocab(&vocab, "checkpoint m.safetensors")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("v.txt:3: character 'v' (character 2 of \"ava\") is not in the vocabulary of checkpoint m.safetensors"), "{err}");
        assert_eq!(corpus.fingerprint().len, 10);
        assert_ne!(
            corpus.fingerprint().hash,
            Corpus::embedded().fingerprint().hash
        );
    }

    #[test]
    fn the_split_is_seeded_and_80_10_10() {
        let words: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let [train, val, test] = split(&words, 42);
        assert_eq!((train.len(), val.len(), test.len()), (80, 10, 10));
        assert_eq!(split(&words, 42)[0], train);
        assert_ne!(split(&words, 43)[0], train);
    }
}
