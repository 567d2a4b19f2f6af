//! # Text: the corpora of lecture 7, "Let's build GPT"
//!
//! Two ways to feed a GPT, both producing batches of `(B, T)` inputs and
//! `(B, T)` targets, where target `[b, t]` is the token that follows input
//! `[b, t]`:
//!
//! - **Running text** (the lecture's tiny Shakespeare, `train gpt
//!   --text FILE`): the whole file is one sequence of characters; the
//!   vocabulary is the sorted set of its distinct characters; the first 90%
//!   is the training split and the last 10% the validation split; a batch is
//!   `B` windows of `T + 1` consecutive characters at random offsets, inputs
//!   `data[i..i+T]` and targets `data[i+1..i+T+1]` ([`TextCorpus`],
//!   [`Tokens`]).
//! - **Names as rows** (makemore's Transformer): every word of a
//!   [`Corpus`] is one row `.name` followed by padding, its targets
//!   `name.` followed by [`IGNORE`]; the block is the longest word plus one
//!   so that every name fits with its boundary ([`NameRows`]).
//!
//! Both sample the batch of step `i` from its own random stream (ChaCha8,
//! `seed`, stream `i`), as [`crate::train::sample_batch`] does, so batch `i`
//! is the same whether or not a run was resumed, and both write into a
//! preallocated [`Batch`]: nothing is allocated per step.
//!
//! ## Inputs and targets
//!
//! Inputs are `usize` token indices, like every index in this crate (the
//! embeddings take `ArrayRef2<usize>`). Targets are `i64`, as makemore's and
//! as the sequence cross-entropy takes them: a token index, or [`IGNORE`]
//! (`-1`, PyTorch's `ignore_index=-1`) where a position does not count in the
//! loss (the padding after a name's final `.`). An export for PyTorch writes
//! them as they are.
//!
//! ## Line ends
//!
//! Text files are read as Python's `open(path)` reads them (universal
//! newlines): `\r\n` and a lone `\r` both become `\n`, so a file saved with
//! Windows line ends has the same vocabulary as the lecture's. A leading
//! byte-order mark is dropped. Other control characters (anything
//! [`char::is_control`] says, except `\n`, `\r`, `\t`) are refused, with the
//! line where they are: they are almost always a binary file given by
//! mistake.

use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayRef2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::corpus::codec::{self, Codec};
use crate::corpus::words::{Corpus, Vocab};
use crate::error::{Error, Result};

/// A target that does not count in the loss (PyTorch's `ignore_index=-1`).
pub const IGNORE: i64 = -1;

/// The share of the text that is training data (the lecture's `0.9`).
pub const TRAIN_FRACTION: f64 = 0.9;

/// The byte-order mark some editors put at the start of a UTF-8 file.
const BOM: char = '\u{feff}';

// ---------------------------------------------------------------------------
// Reading a text file

/// Reads `path` as UTF-8 text, as [`text_from_bytes`] describes.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = crate::io::input::read(path, "the text", crate::io::input::MAX_DATA)?;
    text_from_bytes(&bytes, path)
}

/// Decodes `bytes` (the contents of `path`, named in errors) as UTF-8, drops
/// a leading byte-order mark, turns `\r\n` and `\r` into `\n`, and refuses
/// an empty text and control characters other than `\n`, `\r` and `\t`.
pub fn text_from_bytes(bytes: &[u8], path: &Path) -> Result<String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::Data {
            path: path.to_path_buf(),
            line: Some(line),
            detail: format!(
                "not UTF-8 text: byte 0x{:02x} at byte offset {at} does not fit (save the file as UTF-8)",
                bytes[at]
            ),
        }
    })?;
    let text = text.strip_prefix(BOM).unwrap_or(text);
    for (i, line) in text.split('\n').enumerate() {
        if let Some((col, c)) = line
            .chars()
            .enumerate()
            .find(|&(_, c)| c.is_control() && !matches!(c, '\r' | '\t'))
        {
            return Err(Error::Data {
                path: path.to_path_buf(),
                line: Some(i + 1),
                detail: format!(
                    "control character U+{:04X} at column {}: only \\n, \\r and \\t are allowed in a text corpus",
                    c as u32,
                    col + 1
                ),
            });
        }
    }
    if text.is_empty() {
        return Err(Error::Data {
            path: path.to_path_buf(),
            line: None,
            detail: "the file is empty".into(),
        });
    }
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

// ---------------------------------------------------------------------------
// The character vocabulary

/// The distinct characters of a text, sorted: character `i` is token `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharVocab {
    chars: Vec<char>,
}

impl CharVocab {
    /// The lecture's `sorted(list(set(text)))`.
    pub fn from_text(text: &str) -> CharVocab {
        let mut chars: Vec<char> = text.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        CharVocab { chars }
    }

    /// From the string of its characters (as stored in a checkpoint): they
    /// must be sorted and distinct.
    pub fn from_chars(chars: &str) -> Result<CharVocab> {
        let chars: Vec<char> = chars.chars().collect();
        if chars.is_empty() || chars.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::Config(format!(
                "a character vocabulary must be non-empty, sorted and without repeats, got {:?}",
                chars.iter().collect::<String>()
            )));
        }
        Ok(CharVocab { chars })
    }

    /// Every character in token order, as one string.
    pub fn as_string(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The token of `c`, if it is in the vocabulary.
    pub fn index(&self, c: char) -> Option<usize> {
        self.chars.binary_search(&c).ok()
    }

    /// The character of token `i`, if there is one.
    pub fn char(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// The tokens of `text` (the lecture's `encode`).
    pub fn encode(&self, text: &str) -> Result<Vec<usize>> {
        text.chars()
            .map(|c| {
                self.index(c).ok_or_else(|| Error::Input {
                    layer: "text",
                    detail: format!("character {c:?} is not in the vocabulary"),
                })
            })
            .collect()
    }

    /// The text of `tokens` (the lecture's `decode`).
    pub fn decode(&self, tokens: &[usize]) -> Result<String> {
        tokens
            .iter()
            .map(|&i| {
                self.char(i).ok_or_else(|| Error::Input {
                    layer: "text",
                    detail: format!(
                        "token {i} is outside the vocabulary of {} characters",
                        self.len()
                    ),
                })
            })
            .collect()
    }
}

/// The lecture's character vocabulary as a [`Codec`]: the ids of
/// [`CharVocab::encode`].
impl Codec for CharVocab {
    fn vocab_size(&self) -> usize {
        self.len()
    }
    fn encode(&self, text: &str) -> Result<Vec<u32>> {
        Ok(CharVocab::encode(self, text)?
            .into_iter()
            .map(codec::id)
            .collect())
    }
    fn decode(&self, ids: &[u32]) -> Result<String> {
        codec::decode_chars(ids, self.len(), |i| self.char(i))
    }
    fn fingerprint(&self) -> u64 {
        codec::chars_fingerprint("characters", &self.as_string())
    }
    fn describe(&self) -> String {
        format!("characters ({})", self.len())
    }
}

// ---------------------------------------------------------------------------
// Batches

/// One batch, preallocated and refilled every step: `idx (B, T)` inputs and
/// `targets (B, T)`, [`IGNORE`] where a position does not count.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub idx: Array2<usize>,
    pub targets: Array2<i64>,
}

impl Batch {
    /// A batch of `batch` rows of `block` positions (zeros until filled).
    pub fn new(batch: usize, block: usize) -> Batch {
        Batch {
            idx: Array2::zeros((batch, block)),
            targets: Array2::zeros((batch, block)),
        }
    }

    /// `B`.
    pub fn batch_size(&self) -> usize {
        self.idx.nrows()
    }

    /// `T`.
    pub fn block(&self) -> usize {
        self.idx.ncols()
    }

    /// How many targets count in the loss (are not [`IGNORE`]).
    pub fn counted(&self) -> usize {
        self.targets.iter().filter(|&&y| y != IGNORE).count()
    }
}

/// Something batches are drawn from: the windows of a text split or the rows
/// of a names corpus.
pub trait BatchSource {
    /// Fails with a clear error unless batches of `block` positions can be
    /// drawn.
    fn check_block(&self, block: usize) -> Result<()>;

    /// Fills `idx (B, T)` and `targets (B, T)` with the batch of `step`:
    /// random examples from stream `step` of `seed`. Allocates nothing.
    fn sample_into(
        &self,
        idx: &mut ArrayRef2<usize>,
        targets: &mut ArrayRef2<i64>,
        seed: u64,
        step: usize,
    ) -> Result<()>;

    /// [`BatchSource::sample_into`] into a [`Batch`].
    fn sample(&self, batch: &mut Batch, seed: u64, step: usize) -> Result<()> {
        let Batch { idx, targets } = batch;
        self.sample_into(idx, targets, seed, step)
    }
}

/// The random stream of step `step`.
fn stream(seed: u64, step: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(step as u64);
    rng
}

/// Fails unless `idx` and `targets` have the same shape, with `T` positions.
fn check_batch_shapes(idx: &ArrayRef2<usize>, targets: &ArrayRef2<i64>) -> Result<()> {
    crate::error::expect_shape("text", "targets", targets.shape(), idx.shape())
}

/// `count` batches of `batch × block` drawn once from streams `0..count` of
/// `seed`: the same examples at every evaluation, so that losses measured at
/// different steps compare. Use a seed other than the training seed.
pub fn eval_batches(
    source: &(impl BatchSource + ?Sized),
    batch: usize,
    block: usize,
    count: usize,
    seed: u64,
) -> Result<Vec<Batch>> {
    source.check_block(block)?;
    if batch == 0 || count == 0 {
        return Err(Error::Config(format!(
            "evaluation needs at least one batch of at least one row, got {count} of {batch}"
        )));
    }
    (0..count)
        .map(|i| {
            let mut b = Batch::new(batch, block);
            source.sample(&mut b, seed, i)?;
            Ok(b)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Running text: the lecture's tiny Shakespeare

/// One split of a running text, as tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct Tokens {
    /// `"train"` or `"val"`, for error messages.
    pub name: &'static str,
    /// Where the text came from, for error messages.
    pub source: String,
    pub tokens: Vec<usize>,
    /// The UTF-8 bytes of the text these tokens encode (as many as the
    /// tokens for an ASCII text read by characters): bits per byte are
    /// counted with them.
    pub bytes: usize,
}

impl Tokens {
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

impl BatchSource for Tokens {
    /// A window of `block` inputs needs `block + 1` characters.
    fn check_block(&self, block: usize) -> Result<()> {
        if block == 0 {
            return Err(Error::Config("the block size must be at least 1".into()));
        }
        if self.len() <= block {
            return Err(Error::Data {
                path: PathBuf::from(&self.source),
                line: None,
                detail: format!(
                    "the {} split has {} characters, too short for a block of {block}: a window needs block + 1 = {} (use a longer text or a smaller block)",
                    self.name,
                    self.len(),
                    block + 1
                ),
            });
        }
        Ok(())
    }

    /// Row `b` is the window at a random offset `i` (the lecture's
    /// `torch.randint(len(data) - block_size, (batch_size,))`): inputs
    /// `data[i..i+T]`, targets `data[i+1..i+T+1]`.
    fn sample_into(
        &self,
        idx: &mut ArrayRef2<usize>,
        targets: &mut ArrayRef2<i64>,
        seed: u64,
        step: usize,
    ) -> Result<()> {
        check_batch_shapes(idx, targets)?;
        let block = idx.ncols();
        self.check_block(block)?;
        let mut rng = stream(seed, step);
        for (mut x, mut y) in idx
            .axis_iter_mut(Axis(0))
            .zip(targets.axis_iter_mut(Axis(0)))
        {
            let i = rng.random_range(0..self.len() - block);
            x.iter_mut()
                .zip(&self.tokens[i..i + block])
                .for_each(|(a, &b)| *a = b);
            y.iter_mut()
                .zip(&self.tokens[i + 1..i + block + 1])
                .for_each(|(a, &b)| *a = b as i64);
        }
        Ok(())
    }
}

/// A running text, encoded by its codec (by default the lecture's
/// character vocabulary), and its 90/10 split.
#[derive(Clone, Debug, PartialEq)]
pub struct TextCorpus<C: Codec = CharVocab> {
    /// Text to tokens and back: the text's characters, or a tokenizer.
    pub vocab: C,
    /// The first 90% of the tokens.
    pub train: Tokens,
    /// The last 10%.
    pub val: Tokens,
}

impl TextCorpus {
    /// Reads `path` ([`read_text`]) and splits it.
    pub fn from_file(path: &Path) -> Result<TextCorpus> {
        TextCorpus::from_text(&read_text(path)?, path)
    }

    /// The character vocabulary of `text` and its split: the first
    /// `int(0.9 · len)` characters train, the rest validate, as in the
    /// lecture. `path` names the source in errors.
    pub fn from_text(text: &str, path: &Path) -> Result<TextCorpus> {
        TextCorpus::encoded(text, CharVocab::from_text(text), path)
    }
}

impl<C: Codec> TextCorpus<C> {
    /// `text` encoded by `codec`, split as the lecture splits it: the
    /// first `int(0.9 · len)` tokens train, the rest validate.
    pub fn encoded(text: &str, codec: C, path: &Path) -> Result<TextCorpus<C>> {
        let [train, val] = split(text, &codec, path)?;
        Ok(TextCorpus {
            vocab: codec,
            train,
            val,
        })
    }

    /// Fails unless both splits are longer than `block` tokens.
    pub fn check_block(&self, block: usize) -> Result<()> {
        self.train.check_block(block)?;
        self.val.check_block(block)
    }
}

/// The train and val splits of `text` encoded by `codec`: the first
/// `int(0.9 · len)` tokens, and the rest, each with the bytes it decodes
/// to.
fn split(text: &str, codec: &dyn Codec, path: &Path) -> Result<[Tokens; 2]> {
    let mut tokens: Vec<usize> = (codec.encode(text)?.into_iter())
        .map(|i| i as usize)
        .collect();
    let n = (TRAIN_FRACTION * tokens.len() as f64) as usize;
    let val = tokens.split_off(n);
    let source = path.display().to_string();
    let bytes = |tokens: &[usize]| -> Result<usize> {
        let ids: Vec<u32> = tokens.iter().map(|&i| codec::id(i)).collect();
        Ok(codec.decode(&ids)?.len())
    };
    Ok([
        Tokens {
            name: "train",
            source: source.clone(),
            bytes: bytes(&tokens)?,
            tokens,
        },
        Tokens {
            name: "val",
            source,
            bytes: bytes(&val)?,
            tokens: val,
        },
    ])
}

// ---------------------------------------------------------------------------
// Names as rows: makemore's Transformer

/// The block of makemore's Transformer: the longest word plus one (its
/// `max_word_length + 1`), so a row holds `.` and the longest word.
pub fn names_block(words: &[String]) -> usize {
    words.iter().map(|w| w.chars().count()).max().unwrap_or(0) + 1
}

/// makemore's split: `torch.randperm(len)` after `torch.manual_seed(seed)`
/// ([`torch_randperm`]), the words at its last `min(1000, int(0.1 · len))`
/// positions the test set, the others training, in that order: with
/// makemore's seed 3407 the very names makemore (and
/// `benches/pytorch_gpt.py`) hold out.
pub fn names_split(words: &[String], seed: u64) -> Result<[Vec<String>; 2]> {
    let test_size = ((words.len() as f64 * 0.1) as usize).min(1000);
    if test_size == 0 {
        return Err(Error::Config(format!(
            "{} word(s) are too few for a test set: at least 10 are needed",
            words.len()
        )));
    }
    let order = torch_randperm(words.len(), seed)?;
    let mut shuffled: Vec<String> = order.iter().map(|&i| words[i].clone()).collect();
    let test = shuffled.split_off(words.len() - test_size);
    Ok([shuffled, test])
}

/// PyTorch's CPU generator, the Mersenne Twister MT19937 seeded as
/// `torch.manual_seed(seed)` seeds it (with the seed's low 32 bits).
struct Mt19937 {
    state: [u32; 624],
    next: usize,
}

impl Mt19937 {
    fn new(seed: u64) -> Mt19937 {
        let mut state = [0u32; 624];
        state[0] = seed as u32;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { state, next: 624 }
    }

    fn next_u32(&mut self) -> u32 {
        if self.next == 624 {
            for i in 0..624 {
                let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % 624] & 0x7fff_ffff);
                let odd = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.state[i] = self.state[(i + 397) % 624] ^ (y >> 1) ^ odd;
            }
            self.next = 0;
        }
        let mut y = self.state[self.next];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }
}

/// `torch.randperm(n, generator=torch.Generator().manual_seed(seed))` on the
/// CPU: a Fisher–Yates shuffle of `0..n` drawing `random() % (n - i)` from
/// MT19937 (PyTorch draws 32 bits for `n` below `2³²/20`; larger `n` are
/// refused).
pub fn torch_randperm(n: usize, seed: u64) -> Result<Vec<usize>> {
    if n as u64 >= u64::from(u32::MAX) / 20 {
        return Err(Error::Config(format!(
            "{n} words are too many to shuffle as torch.randperm does"
        )));
    }
    let mut rng = Mt19937::new(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in 0..n.saturating_sub(1) {
        let z = rng.next_u32() as usize % (n - i);
        order.swap(i, i + z);
    }
    Ok(order)
}

/// Every word as a row, makemore's `CharDataset`: inputs `. w₁ … wₙ` then
/// `0` (the `.` token), targets `w₁ … wₙ .` then [`IGNORE`].
#[derive(Clone, Debug, PartialEq)]
pub struct NameRows {
    /// `(N, block)`
    pub x: Array2<usize>,
    /// `(N, block)`, [`IGNORE`] after the final `.`
    pub y: Array2<i64>,
}

impl NameRows {
    /// The rows of `words` encoded by `codec` (whose [`Codec::start`] is
    /// the boundary: token 0, `.`, for characters), `block` positions
    /// each: the block must hold the longest word's tokens plus one.
    pub fn build(words: &[String], codec: &dyn Codec, block: usize) -> Result<NameRows> {
        if words.is_empty() {
            return Err(Error::Config("no words to make rows of".into()));
        }
        let boundary = codec.start();
        let encoded: Vec<Vec<u32>> = words
            .iter()
            .map(|word| {
                let ids = codec.encode(word)?;
                match ids.iter().position(|&i| i == boundary) {
                    None => Ok(ids),
                    Some(at) => Err(Error::Input {
                        layer: "text",
                        detail: format!(
                            "token {} of {word:?} is the boundary token {boundary} ({})",
                            at + 1,
                            codec.describe()
                        ),
                    }),
                }
            })
            .collect::<Result<_>>()?;
        let need = encoded.iter().map(Vec::len).max().unwrap_or(0) + 1;
        if block < need {
            return Err(Error::Config(format!(
                "block {block} is too short for the longest word: {need} positions are needed (its length + 1)"
            )));
        }
        let mut x = Array2::zeros((words.len(), block));
        let mut y = Array2::from_elem((words.len(), block), IGNORE);
        for ((ids, mut xr), mut yr) in encoded.iter().zip(x.rows_mut()).zip(y.rows_mut()) {
            xr[0] = boundary as usize;
            for (t, &ix) in ids.iter().enumerate() {
                yr[t] = i64::from(ix);
                xr[t + 1] = ix as usize;
            }
            yr[ids.len()] = i64::from(boundary); // the `.` that ends the word
        }
        Ok(NameRows { x, y })
    }

    /// The tokens its targets count (every name's and its boundary), and
    /// the UTF-8 bytes they stand for (each boundary as the line end that
    /// ends a name in its file), for bits per byte.
    pub fn tokens_and_bytes(&self, codec: &dyn Codec) -> Result<(usize, usize)> {
        let (mut tokens, mut bytes) = (0, 0);
        for (x, y) in self.x.rows().into_iter().zip(self.y.rows()) {
            let n = y.iter().take_while(|&&t| t != IGNORE).count();
            let ids: Vec<u32> = x
                .iter()
                .skip(1)
                .take(n - 1)
                .map(|&i| codec::id(i))
                .collect();
            tokens += n;
            bytes += codec.decode(&ids)?.len() + 1;
        }
        Ok((tokens, bytes))
    }

    /// `N`, the number of words.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `T`, the positions per row.
    pub fn block(&self) -> usize {
        self.x.ncols()
    }

    /// The rows `start..start + B` as a batch (for an evaluation over every
    /// row in order); the last batch may be shorter.
    pub fn chunk(&self, start: usize, batch: usize) -> Batch {
        let end = (start + batch).min(self.len());
        Batch {
            idx: self.x.slice(ndarray::s![start..end, ..]).to_owned(),
            targets: self.y.slice(ndarray::s![start..end, ..]).to_owned(),
        }
    }
}

impl BatchSource for NameRows {
    /// The block must be the rows' own.
    fn check_block(&self, block: usize) -> Result<()> {
        if block != self.block() {
            return Err(Error::Config(format!(
                "the name rows have {} positions, a batch of block {block} does not fit them",
                self.block()
            )));
        }
        if self.is_empty() {
            return Err(Error::Config("no name rows to sample from".into()));
        }
        Ok(())
    }

    /// Row `b` is a random word's row, drawn with replacement (makemore's
    /// `RandomSampler(replacement=True)`).
    fn sample_into(
        &self,
        idx: &mut ArrayRef2<usize>,
        targets: &mut ArrayRef2<i64>,
        seed: u64,
        step: usize,
    ) -> Result<()> {
        check_batch_shapes(idx, targets)?;
        self.check_block(idx.ncols())?;
        let mut rng = stream(seed, step);
        for (mut x, mut y) in idx
            .axis_iter_mut(Axis(0))
            .zip(targets.axis_iter_mut(Axis(0)))
        {
            let i = rng.random_range(0..self.len());
            x.assign(&self.x.row(i));
            y.assign(&self.y.row(i));
        }
        Ok(())
    }
}

/// makemore's Transformer data from a word corpus: the vocabulary (`.`
/// first), the block (longest word + 1), and the train and test rows.
#[derive(Clone, Debug, PartialEq)]
pub struct NameData<C: Codec = Vocab> {
    /// The names' characters (`.` first), or a tokenizer.
    pub vocab: C,
    pub block: usize,
    pub train: NameRows,
    pub test: NameRows,
}

impl NameData {
    /// Splits `corpus` as makemore does ([`names_split`], shuffled with
    /// `seed`) and builds the rows of both parts.
    pub fn new(corpus: &Corpus, seed: u64) -> Result<NameData> {
        NameData::encoded(corpus, seed, Vocab::from_words(&corpus.words))
    }
}

impl<C: Codec> NameData<C> {
    /// [`NameData::new`] with the names encoded by `codec`: the block is
    /// the longest name's tokens plus one.
    pub fn encoded(corpus: &Corpus, seed: u64, codec: C) -> Result<NameData<C>> {
        let mut longest = 0;
        for word in &corpus.words {
            longest = longest.max(codec.encode(word)?.len());
        }
        let block = longest + 1;
        let [train, test] = names_split(&corpus.words, seed)?;
        Ok(NameData {
            train: NameRows::build(&train, &codec, block)?,
            test: NameRows::build(&test, &codec, block)?,
            vocab: codec,
            block,
        })
    }
}
