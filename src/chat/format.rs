//! # The chat format (*State of GPT*, supervised fine-tuning)
//!
//! A base model continues text; an assistant answers. The difference is a
//! format the model learns during fine-tuning: each turn between special
//! tokens that no text can produce (nanochat's names),
//!
//! ```text
//! <|user_start|> spell emma <|user_end|> <|assistant_start|> e,m,m,a <|assistant_end|>
//! mask:    0        0 … 0       0               0            1 … 1          1
//! ```
//!
//! and a mask that is 1 exactly on the answer's tokens and the
//! `<|assistant_end|>` that ends it: the model is taught to answer and to
//! stop, never to write the user's prompt.
//!
//! The four special tokens come after the vocabulary of the base model: a
//! BPE tokenizer registers them after its merges
//! ([`Tokenizer::register_special`]); a character vocabulary first gains
//! the characters a conversation needs ([`CHAT_CHARS`]: space, digits,
//! comma, quote, question mark, the letters) after its own, then the
//! special tokens. The base's ids keep their meaning, so its embedding rows
//! carry over.
//!
//! Text is always encoded as text: a prompt that writes `<|user_end|>` is
//! its characters (or bytes), never the token.

use std::path::Path;

use crate::corpus::codec::{self, Codec};
use crate::corpus::fnv1a64;
use crate::error::{Error, Result};
use crate::tokenizer::Tokenizer;
use crate::tokenizer::codec::is_tokenizer;

/// The start of the user's turn.
pub const USER_START: &str = "<|user_start|>";
/// The end of the user's turn.
pub const USER_END: &str = "<|user_end|>";
/// The start of the assistant's turn: a prompt for generation ends here.
pub const ASSISTANT_START: &str = "<|assistant_start|>";
/// The end of the assistant's answer: supervised, so the model learns to stop.
pub const ASSISTANT_END: &str = "<|assistant_end|>";

/// The four special tokens, in id order.
pub const SPECIALS: [&str; 4] = [USER_START, USER_END, ASSISTANT_START, ASSISTANT_END];

/// The characters a conversation of the instruction set needs, which a
/// character vocabulary gains (those it lacks, in this order).
pub const CHAT_CHARS: &str = " ',?0123456789abcdefghijklmnopqrstuvwxyz";

/// The first line of a chat format's record in a checkpoint.
pub const RECORD_HEADER: &str = "backprop-ninja chat v1";

/// A prompt and its answer: one exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub prompt: String,
    pub answer: String,
}

/// A conversation as token ids, with the mask of what is supervised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub ids: Vec<usize>,
    /// 1 on the answer's tokens and `<|assistant_end|>`, 0 elsewhere.
    pub mask: Vec<u8>,
}

impl Rendered {
    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Fails unless the conversation fits a model of `block` positions:
    /// its inputs are every token but the last, so `len ≤ block + 1`.
    /// Longer conversations are refused, not truncated: a truncated one
    /// would teach an answer that never ends.
    pub fn check_fits(&self, block: usize) -> Result<()> {
        if self.len() > block + 1 {
            return Err(Error::Input {
                layer: "chat",
                detail: format!(
                    "a conversation of {} tokens does not fit a block of {block} positions (at most {} tokens): it is refused, not truncated",
                    self.len(),
                    block + 1
                ),
            });
        }
        Ok(())
    }
}

/// How the text between the special tokens becomes ids.
#[derive(Clone, Debug)]
enum Text {
    /// Characters in id order (the base's first, then [`CHAT_CHARS`]'s).
    Chars(Vec<char>),
    /// A byte-level BPE tokenizer with the special tokens registered.
    Bpe(Box<Tokenizer>),
}

/// The chat format on a base vocabulary: the text's codec and the four
/// special tokens after it. It is a [`Codec`] (text encoded as text,
/// the special tokens decoded to their text), so the one trainer and the
/// one checkpoint take it as they take any other.
#[derive(Clone, Debug)]
pub struct ChatFormat {
    text: Text,
    /// The ids of [`SPECIALS`], in order.
    specials: [u32; 4],
    /// The base vocabulary's size: ids below it mean what they meant.
    base_size: usize,
}

impl ChatFormat {
    /// On a character vocabulary whose characters, in id order, are
    /// `base` (a names GPT's `.abc…z`): the characters of
    /// [`CHAT_CHARS`] it lacks are appended, then the special tokens.
    pub fn on_chars(base: &str) -> Result<ChatFormat> {
        let mut chars: Vec<char> = base.chars().collect();
        if chars.is_empty() {
            return Err(Error::Config(
                "the base vocabulary has no characters to extend".into(),
            ));
        }
        let base_size = chars.len();
        for c in CHAT_CHARS.chars() {
            if !chars.contains(&c) {
                chars.push(c);
            }
        }
        let n = codec::id(chars.len());
        Ok(ChatFormat {
            text: Text::Chars(chars),
            specials: [n, n + 1, n + 2, n + 3],
            base_size,
        })
    }

    /// On a BPE tokenizer: the special tokens registered after its merges
    /// (and after its own special tokens); a tokenizer that already holds
    /// them (a chat format's, read back) keeps their ids.
    pub fn on_tokenizer(mut tokenizer: Tokenizer) -> Result<ChatFormat> {
        let base_size = tokenizer.vocab_size();
        let held: Vec<Option<u32>> = SPECIALS
            .iter()
            .map(|s| {
                tokenizer
                    .special()
                    .iter()
                    .find(|(t, _)| t == s)
                    .map(|&(_, id)| id)
            })
            .collect();
        let (specials, base_size) = match held.iter().copied().collect::<Option<Vec<u32>>>() {
            Some(ids) => {
                let first = *ids.iter().min().expect("four ids") as usize;
                ([ids[0], ids[1], ids[2], ids[3]], first)
            }
            None if held.iter().any(Option::is_some) => {
                return Err(Error::Config(
                    "the tokenizer holds some of the chat's special tokens but not all four".into(),
                ));
            }
            None => {
                let texts: Vec<String> = SPECIALS.iter().map(|s| s.to_string()).collect();
                tokenizer.register_special(&texts)?;
                let n = codec::id(base_size);
                ([n, n + 1, n + 2, n + 3], base_size)
            }
        };
        Ok(ChatFormat {
            text: Text::Bpe(Box::new(tokenizer)),
            specials,
            base_size,
        })
    }

    /// The chat format a checkpoint's record holds ([`Codec::record`]);
    /// `path` names the checkpoint in errors.
    pub fn from_record(record: &str, path: &Path) -> Result<ChatFormat> {
        let body = record
            .strip_prefix(RECORD_HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or_else(|| Error::Checkpoint {
                path: path.to_path_buf(),
                detail: format!(
                    "its vocabulary is not a chat format's (no {RECORD_HEADER:?} line)"
                ),
            })?;
        if is_tokenizer(body) {
            ChatFormat::on_tokenizer(crate::tokenizer::file::parse(body.as_bytes(), path)?)
        } else {
            let bad = || Error::Checkpoint {
                path: path.to_path_buf(),
                detail: "the chat format's record is not `<base size>` then the characters".into(),
            };
            let (n, chars) = body.split_once('\n').ok_or_else(bad)?;
            let n: usize = n.parse().map_err(|_| bad())?;
            let base: String = chars.chars().take(n).collect();
            let format = ChatFormat::on_chars(&base)?;
            if format.record()? != record {
                return Err(bad());
            }
            Ok(format)
        }
    }

    /// Whether a checkpoint's `vocab` is a chat format's record.
    pub fn is_record(vocab: &str) -> bool {
        vocab.starts_with(RECORD_HEADER)
    }

    /// The base vocabulary's size: ids `0..base_size` are the base model's.
    pub fn base_size(&self) -> usize {
        self.base_size
    }

    /// The id of the special token `text` (one of [`SPECIALS`]).
    pub fn special(&self, text: &str) -> Option<u32> {
        SPECIALS
            .iter()
            .position(|&s| s == text)
            .map(|i| self.specials[i])
    }

    /// The id of `<|assistant_end|>`.
    pub fn assistant_end(&self) -> usize {
        self.specials[3] as usize
    }

    fn is_special(&self, id: u32) -> bool {
        self.specials.contains(&id)
    }

    /// The ids of `text`, encoded as text (never as a special token).
    pub fn encode_text(&self, text: &str) -> Result<Vec<usize>> {
        let ids = match &self.text {
            Text::Chars(chars) => {
                text.chars()
                    .map(|c| {
                        chars.iter().position(|&x| x == c).ok_or_else(|| Error::Input {
                        layer: "chat",
                        detail: format!(
                            "character {c:?} of {text:?} is not in the chat vocabulary {:?}",
                            chars.iter().collect::<String>()
                        ),
                    })
                    })
                    .collect::<Result<Vec<usize>>>()?
            }
            Text::Bpe(t) => t
                .encode_ordinary(text)?
                .into_iter()
                .map(|i| i as usize)
                .collect(),
        };
        Ok(ids)
    }

    /// A conversation as ids and mask: `<|user_start|> prompt <|user_end|>
    /// <|assistant_start|> answer <|assistant_end|>`, the mask 1 on the
    /// answer and the end token.
    pub fn render(&self, conversation: &Conversation) -> Result<Rendered> {
        let mut ids = self.render_prompt(&conversation.prompt)?;
        let mut mask = vec![0u8; ids.len()];
        let answer = self.encode_text(&conversation.answer)?;
        mask.extend(std::iter::repeat_n(1, answer.len() + 1));
        ids.extend(answer);
        ids.push(self.assistant_end());
        Ok(Rendered { ids, mask })
    }

    /// A prompt for generation: `<|user_start|> prompt <|user_end|>
    /// <|assistant_start|>`, the model's answer to follow.
    pub fn render_prompt(&self, prompt: &str) -> Result<Vec<usize>> {
        let [us, ue, as_, _] = self.specials.map(|i| i as usize);
        let mut ids = vec![us];
        ids.extend(self.encode_text(prompt)?);
        ids.extend([ue, as_]);
        Ok(ids)
    }

    /// The answer that generated ids `ids` (after `<|assistant_start|>`)
    /// spell: the text up to `<|assistant_end|>` (or up to any other
    /// special token), and whether the answer was ended by
    /// `<|assistant_end|>`.
    pub fn decode_answer(&self, ids: &[usize]) -> Result<(String, bool)> {
        let end = ids
            .iter()
            .position(|&i| self.is_special(codec::id(i)))
            .unwrap_or(ids.len());
        let text: Vec<u32> = ids[..end].iter().map(|&i| codec::id(i)).collect();
        let ended = ids.get(end) == Some(&self.assistant_end());
        Ok((self.decode(&text)?, ended))
    }
}

impl Codec for ChatFormat {
    fn vocab_size(&self) -> usize {
        self.specials[3] as usize + 1
    }
    fn encode(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self.encode_text(text)?.into_iter().map(codec::id).collect())
    }
    fn decode(&self, ids: &[u32]) -> Result<String> {
        match &self.text {
            Text::Chars(chars) => {
                let mut s = String::new();
                for (k, &i) in ids.iter().enumerate() {
                    match SPECIALS.iter().zip(self.specials).find(|&(_, s)| s == i) {
                        Some((text, _)) => s.push_str(text),
                        None => match chars.get(i as usize) {
                            Some(&c) => s.push(c),
                            None => {
                                return Err(Error::Input {
                                    layer: "chat",
                                    detail: format!(
                                        "token {i} (position {k}) is outside the chat vocabulary of {} tokens",
                                        self.vocab_size()
                                    ),
                                });
                            }
                        },
                    }
                }
                Ok(s)
            }
            Text::Bpe(t) => t.decode(ids),
        }
    }
    fn fingerprint(&self) -> u64 {
        fnv1a64(
            self.record()
                .unwrap_or_default()
                .bytes()
                .chain(self.specials.iter().flat_map(|i| i.to_le_bytes())),
        )
    }
    fn describe(&self) -> String {
        match &self.text {
            Text::Chars(chars) => format!(
                "chat format on characters ({} of the base, {} characters, 4 special tokens)",
                self.base_size,
                chars.len()
            ),
            Text::Bpe(t) => format!(
                "chat format on the {} ({} tokens of the base, 4 special tokens)",
                t.describe(),
                self.base_size
            ),
        }
    }
    /// The header line, then the base's record: the tokenizer's `.model`
    /// text (its special tokens included), or the number of the base's
    /// characters on one line and every character, in id order, after it.
    fn record(&self) -> Result<String> {
        Ok(match &self.text {
            Text::Chars(chars) => {
                let chars: String = chars.iter().collect();
                format!("{RECORD_HEADER}\n{}\n{chars}", self.base_size)
            }
            Text::Bpe(t) => format!("{RECORD_HEADER}\n{}", t.to_model_text()),
        })
    }
    fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        match &self.text {
            Text::Bpe(t) => t.decode_bytes(ids),
            Text::Chars(_) => self.decode(ids).map(String::into_bytes),
        }
    }
    /// A sample with no prefix starts a user's turn.
    fn start(&self) -> u32 {
        self.specials[0]
    }
}
