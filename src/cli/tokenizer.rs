//! `tokenizer train|encode|decode|show`: the byte-level BPE tokenizer of
//! the tokenizer lecture, trained on a text and saved in minbpe's `.model`
//! format, used, and looked at. `--pretrained gpt2|gpt4` (built with
//! `--features pretrained`) encodes and decodes with GPT-2's and GPT-4's
//! own merges. `--impl exercises` trains, encodes and decodes with your
//! functions of `exercises/bpe.rs`.

use std::path::PathBuf;
use std::time::Instant;

use backprop_ninja::corpus::text::read_text;
use backprop_ninja::io::output::{Claim, Ours, Output};
use backprop_ninja::registry::Exercise;
use backprop_ninja::tokenizer::bpe::FIRST_MERGE;
use backprop_ninja::tokenizer::{Specials, Split, Tokenizer, file, pattern_named, train};
use backprop_ninja::{Backprop, Error, Result};
use clap::{Subcommand, ValueEnum};

use super::implementation::{Impl, WithBackprop, ready_for};
use super::output::say;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Learn `--vocab-size - 256` merges from a text and save them
    /// (minbpe's .model format).
    Train(TrainArgs),
    /// Print the ids of a text.
    Encode(EncodeArgs),
    /// Print the text of ids.
    Decode(DecodeArgs),
    /// Print the merges as text, and the bytes per token on a file.
    Show(ShowArgs),
}

/// The split patterns by name.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Pattern {
    /// GPT-2's: words with their leading space, numbers, punctuation
    Gpt2,
    /// GPT-4's: GPT-2's, numbers of at most three digits, newlines apart
    Gpt4,
    /// No split: the whole text is one chunk (minbpe's BasicTokenizer)
    None,
}

impl Pattern {
    fn text(self) -> &'static str {
        let name = match self {
            Pattern::Gpt2 => "gpt2",
            Pattern::Gpt4 => "gpt4",
            Pattern::None => "none",
        };
        pattern_named(name).expect("a pattern of ours")
    }
}

/// `tokenizer train`.
#[derive(clap::Args)]
pub struct TrainArgs {
    /// The text to learn the merges from (UTF-8).
    #[arg(long)]
    text: PathBuf,
    /// The number of ids: the 256 bytes, then one per merge.
    #[arg(long)]
    vocab_size: usize,
    #[arg(long, value_enum, default_value_t = Pattern::Gpt4)]
    pattern: Pattern,
    /// A special token, with the next id after the merges (repeatable).
    #[arg(long = "special")]
    special: Vec<String>,
    #[arg(long, default_value = "tokenizer.model")]
    out: PathBuf,
    /// Replace --out even if it is not a tokenizer file.
    #[arg(long)]
    force: bool,
    /// `solutions`: the incremental trainer; `exercises`: the naive loop
    /// of your get_stats and merge (your train, with --pattern none).
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    implementation: Impl,
}

/// Where the merges come from: a file, or GPT-2's or GPT-4's.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct Source {
    /// A tokenizer file written by `tokenizer train` (or by minbpe).
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// GPT-2's (r50k_base) or GPT-4's (cl100k_base) merges, from
    /// tiktoken-rs (build with `--features pretrained`).
    #[arg(long, value_parser = ["gpt2", "gpt4"])]
    pretrained: Option<String>,
}

impl Source {
    fn load(&self) -> Result<Tokenizer> {
        match (&self.tokenizer, &self.pretrained) {
            (Some(path), _) => file::load(path),
            (None, Some(name)) => pretrained(name),
            (None, None) => unreachable!("clap requires one"),
        }
    }
}

#[cfg(feature = "pretrained")]
fn pretrained(name: &str) -> Result<Tokenizer> {
    use backprop_ninja::tokenizer::pretrained::{Encoding, load};
    let encoding = Encoding::from_name(name).expect("clap checked the name");
    load(encoding)
}

#[cfg(not(feature = "pretrained"))]
fn pretrained(name: &str) -> Result<Tokenizer> {
    Err(Error::Config(format!(
        "--pretrained {name} needs the `pretrained` feature: cargo run --release --features pretrained -- tokenizer …"
    )))
}

/// `--special`: what to do with the text of a special token.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum SpecialsArg {
    /// Refuse a text that holds one
    Refuse,
    /// Encode each as its id
    Allow,
    /// Encode it as ordinary text
    Text,
}

#[derive(clap::Args)]
struct EncodeArgs {
    #[command(flatten)]
    source: Source,
    #[arg(long, value_enum, default_value_t = SpecialsArg::Refuse)]
    special: SpecialsArg,
    /// Encode with your encode of exercises/bpe.rs, chunk by chunk.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    implementation: Impl,
    /// The text to encode.
    text: String,
}

#[derive(clap::Args)]
struct DecodeArgs {
    #[command(flatten)]
    source: Source,
    /// Decode with your decode of exercises/bpe.rs.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    implementation: Impl,
    /// The ids, separated by spaces or commas.
    #[arg(required = true, value_delimiter = ',', num_args = 1..)]
    ids: Vec<String>,
}

#[derive(clap::Args)]
struct ShowArgs {
    /// A tokenizer file.
    #[arg(long)]
    tokenizer: PathBuf,
    /// A text (UTF-8) to encode: prints its bytes per token.
    #[arg(long)]
    text: Option<PathBuf>,
    /// Show at most this many merges (the first ones).
    #[arg(long)]
    limit: Option<usize>,
}

impl Args {
    pub fn run(self) -> Result<()> {
        match self.command {
            Command::Train(args) => args.implementation.run(args),
            Command::Encode(args) => args.implementation.run(args),
            Command::Decode(args) => args.implementation.run(args),
            Command::Show(args) => show(args),
        }
    }
}

/// Whether `B` is the reference: the library's own trainer and encoder
/// stand for it, the exercises' functions for anything else.
fn is_reference<B: Backprop>() -> bool {
    B::NAME == <backprop_ninja::Solutions as Backprop>::NAME
}

impl WithBackprop for TrainArgs {
    fn run<B: Backprop>(self) -> Result<()> {
        self.learn::<B>().map(|_| ())
    }
}

/// What `tokenizer train` learned: the tokenizer it saved.
pub struct Learned {
    pub tokenizer: Tokenizer,
}

impl TrainArgs {
    /// `tokenizer train`: learns the merges, saves them, and says so.
    pub fn learn<B: Backprop>(self) -> Result<Learned> {
        let pattern = self.pattern.text();
        let split = Split::new(pattern)?;
        train::merges_wanted(self.vocab_size)?;
        if !is_reference::<B>() {
            let needs = if pattern.is_empty() {
                vec![Exercise::BpeTrain]
            } else {
                vec![Exercise::BpeGetStats, Exercise::BpeMerge]
            };
            ready_for::<B>(&needs)?;
        }
        let claim = Claim {
            option: "--out",
            ours: Ours::Tokenizer,
            force: self.force,
        };
        let _out = Output::claim(&self.out, &[("--text", &self.text)], claim)?;
        let text = read_text(&self.text)?;
        let start = Instant::now();
        let merges = if is_reference::<B>() {
            train::train(&text, self.vocab_size, &split)?
        } else {
            train::naive::<B>(&text, self.vocab_size, &split)?
        };
        let seconds = start.elapsed().as_secs_f64();
        let learned = merges.len();
        let mut t = Tokenizer::new(pattern, merges)
            .map_err(|e| Error::Grading(format!("--impl {}: your train's merges: {e}", B::NAME)))?;
        t.register_special(&self.special)?;
        if FIRST_MERGE as usize + learned < self.vocab_size {
            eprintln!(
                "note: {} has no pair left to merge after {learned} merges: the vocabulary stops at {} ids, not the {} asked",
                self.text.display(),
                FIRST_MERGE as usize + learned,
                self.vocab_size
            );
        }
        file::save(&t, &self.out)?;
        say!(
            "{learned} merges learned in {seconds:.2} s ({}); {} saved to {}",
            B::NAME,
            t.describe(),
            self.out.display()
        );
        Ok(Learned { tokenizer: t })
    }
}

impl SpecialsArg {
    fn policy(self) -> Specials {
        match self {
            SpecialsArg::Refuse => Specials::Refuse,
            SpecialsArg::Allow => Specials::Allow,
            SpecialsArg::Text => Specials::AsText,
        }
    }
}

/// Refuses `--impl exercises` with GPT-2's and GPT-4's merges: their bytes
/// are not ids `0..256`, which the exercises assume.
fn plain_bytes<B: Backprop>(t: &Tokenizer) -> Result<()> {
    if !is_reference::<B>() && *t.byte_ids() != backprop_ninja::tokenizer::bpe::IDENTITY {
        return Err(Error::Config(
            "--impl exercises: GPT-2's and GPT-4's encodings give the bytes other ids than 0..256, which exercises/bpe.rs assumes; use --tokenizer FILE".into(),
        ));
    }
    Ok(())
}

impl WithBackprop for EncodeArgs {
    fn run<B: Backprop>(self) -> Result<()> {
        let t = self.source.load()?;
        plain_bytes::<B>(&t)?;
        let policy = self.special.policy();
        let ids = if is_reference::<B>() {
            t.encode(&self.text, policy)?
        } else {
            ready_for::<B>(&[Exercise::BpeEncode])?;
            t.encode_by(&self.text, policy, |chunk, ids| {
                ids.extend(B::bpe_encode(chunk, t.merges()))
            })?
        };
        let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
        say!("{}", ids.join(" "));
        Ok(())
    }
}

impl WithBackprop for DecodeArgs {
    fn run<B: Backprop>(self) -> Result<()> {
        let t = self.source.load()?;
        plain_bytes::<B>(&t)?;
        let ids = self
            .ids
            .iter()
            .flat_map(|s| s.split_whitespace())
            .enumerate()
            .map(|(i, s)| {
                s.parse::<u32>().map_err(|_| {
                    Error::Config(format!(
                        "id {i} is {s:?}, not a number from 0 to 4294967295"
                    ))
                })
            })
            .collect::<Result<Vec<u32>>>()?;
        let text = if is_reference::<B>() {
            t.decode(&ids)?
        } else {
            ready_for::<B>(&[Exercise::BpeDecode])?;
            if let Some((i, id)) = ids
                .iter()
                .enumerate()
                .find(|&(_, &id)| t.token_bytes(id).is_none())
            {
                return Err(Error::Config(format!(
                    "id {id} (position {i}) is not a byte or a merge of this tokenizer: your decode knows only those"
                )));
            }
            B::bpe_decode(&ids, t.merges())
        };
        say!("{text}");
        Ok(())
    }
}

/// `"[ th][e] -> [ the] 300"`: a merge as text, as minbpe's `.vocab` file
/// writes it.
fn merge_as_text(t: &Tokenizer, (a, b): (u32, u32), id: u32) -> String {
    let text = |id| {
        let bytes = t
            .token_bytes(id)
            .expect("the merges' ids are in the vocabulary");
        String::from_utf8_lossy(bytes).escape_debug().to_string()
    };
    format!("[{}][{}] -> [{}] {id}", text(a), text(b), text(id))
}

fn show(args: ShowArgs) -> Result<()> {
    let t = file::load(&args.tokenizer)?;
    say!("{}: {}", args.tokenizer.display(), t.describe());
    let limit = args.limit.unwrap_or(usize::MAX);
    for &(pair, id) in t.merges().iter().take(limit) {
        say!("{}", merge_as_text(&t, pair, id));
    }
    if t.merges().len() > limit {
        say!("… {} more merges", t.merges().len() - limit);
    }
    for (text, id) in t.special() {
        say!("special {text:?} -> {id}");
    }
    if let Some(path) = args.text {
        let text = read_text(&path)?;
        let ids = t.encode_ordinary(&text)?;
        say!(
            "{}: {} bytes, {} tokens: {:.3} bytes per token",
            path.display(),
            text.len(),
            ids.len(),
            text.len() as f64 / ids.len().max(1) as f64
        );
    }
    Ok(())
}
