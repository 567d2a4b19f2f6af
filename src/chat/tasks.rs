//! # The instruction set (*State of GPT*, supervised fine-tuning)
//!
//! SFT needs prompts and the answers an assistant should give. Here they
//! are generated from a list of names with a seed, nothing downloaded:
//! four tasks, each with a prompt generator, a reference answer drawn from
//! the names, and a checker that decides whether any answer is right.
//!
//! | task | prompt | a right answer |
//! |---|---|---|
//! | `starts` | `a name that starts with k` | a name-like word (2 to 15 letters) starting with `k` |
//! | `ends_a5` | `a name ending in 'a' with 5 letters` | a name-like word of 5 letters ending in `a` |
//! | `spell` | `spell emma` | `e,m,m,a` |
//! | `count` | `how many a in hannah?` | `2` |
//!
//! The evaluation asks about names the model has never seen: a seeded 10%
//! of the names is held out ([`NameSplit`]) of both the pretraining and
//! the SFT data, and the evaluation's prompts name only those.

use std::collections::HashMap;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::format::Conversation;
use crate::error::{Error, Result};

/// The share of the names held out for the evaluation.
pub const HELD_OUT_FRACTION: f64 = 0.1;

/// The shortest and longest name-like answer.
pub const NAME_LEN: std::ops::RangeInclusive<usize> = 2..=15;

/// One task of the instruction set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    Starts,
    EndsA5,
    Spell,
    Count,
}

impl Task {
    /// Every task, in the order reports list them.
    pub const ALL: [Task; 4] = [Task::Starts, Task::EndsA5, Task::Spell, Task::Count];

    /// Its name: `starts`, `ends_a5`, `spell`, `count`.
    pub fn name(self) -> &'static str {
        match self {
            Task::Starts => "starts",
            Task::EndsA5 => "ends_a5",
            Task::Spell => "spell",
            Task::Count => "count",
        }
    }

    /// The task named `name`; an error listing the names.
    pub fn from_name(name: &str) -> Result<Task> {
        Task::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                Error::Config(format!(
                    "no task {name:?}: the tasks are {}",
                    Task::ALL.map(Task::name).join(", ")
                ))
            })
    }
}

/// What a prompt asks: the task and its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ask {
    /// A name that starts with this letter.
    Starts(char),
    /// A name ending in 'a' with 5 letters.
    EndsA5,
    /// Spell this name.
    Spell(String),
    /// How many of this letter in this name.
    Count(char, String),
}

impl Ask {
    /// Its task.
    pub fn task(&self) -> Task {
        match self {
            Ask::Starts(_) => Task::Starts,
            Ask::EndsA5 => Task::EndsA5,
            Ask::Spell(_) => Task::Spell,
            Ask::Count(..) => Task::Count,
        }
    }

    /// The prompt's text.
    pub fn prompt(&self) -> String {
        match self {
            Ask::Starts(c) => format!("a name that starts with {c}"),
            Ask::EndsA5 => "a name ending in 'a' with 5 letters".into(),
            Ask::Spell(name) => format!("spell {name}"),
            Ask::Count(c, name) => format!("how many {c} in {name}?"),
        }
    }

    /// Whether `answer` is right.
    pub fn check(&self, answer: &str) -> bool {
        match self {
            Ask::Starts(c) => is_name_like(answer) && answer.starts_with(*c),
            Ask::EndsA5 => is_name_like(answer) && answer.len() == 5 && answer.ends_with('a'),
            Ask::Spell(name) => answer == spelled(name),
            Ask::Count(c, name) => answer == name.chars().filter(|x| x == c).count().to_string(),
        }
    }

    /// The reference answer: for `spell` and `count` the one answer; for
    /// `starts` and `ends_a5` a name of `names` that passes, drawn from
    /// `rng` (an error if none does).
    pub fn reference(&self, names: &[String], rng: &mut impl Rng) -> Result<String> {
        match self {
            Ask::Spell(name) => Ok(spelled(name)),
            Ask::Count(c, name) => Ok(name.chars().filter(|x| x == c).count().to_string()),
            Ask::Starts(_) | Ask::EndsA5 => self.draw(&self.fitting(names), names.len(), rng),
        }
    }

    /// The names of `names` that answer this prompt, in their order.
    fn fitting<'a>(&self, names: &'a [String]) -> Vec<&'a String> {
        names.iter().filter(|n| self.check(n)).collect()
    }

    /// One of `fits` (the names of `of` that answer this prompt), drawn
    /// from `rng`; an error if there is none.
    fn draw(&self, fits: &[&String], of: usize, rng: &mut impl Rng) -> Result<String> {
        fits.choose(rng).map(|n| n.to_string()).ok_or_else(|| {
            Error::Config(format!("no name of the {of} answers {:?}", self.prompt()))
        })
    }
}

/// Lowercase ASCII letters only, 2 to 15 of them.
pub fn is_name_like(s: &str) -> bool {
    NAME_LEN.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
}

/// `emma` → `e,m,m,a`.
pub fn spelled(name: &str) -> String {
    let letters: Vec<String> = name.chars().map(String::from).collect();
    letters.join(",")
}

/// The names split in two: those the pretraining and the SFT data may
/// use, and those held out for the evaluation's prompts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameSplit {
    pub train: Vec<String>,
    pub held_out: Vec<String>,
}

impl NameSplit {
    /// A seeded [`HELD_OUT_FRACTION`] of the name-like names held out
    /// (names that are not name-like, such as `jean-luc`, are dropped);
    /// an error if fewer than 10 names remain.
    pub fn new(names: &[String], seed: u64) -> Result<NameSplit> {
        let mut usable: Vec<String> = names.iter().filter(|n| is_name_like(n)).cloned().collect();
        usable.sort_unstable();
        usable.dedup();
        if usable.len() < 10 {
            return Err(Error::Config(format!(
                "the instruction set needs at least 10 distinct name-like names (2 to 15 lowercase letters), got {} of {}",
                usable.len(),
                names.len()
            )));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rand::seq::SliceRandom::shuffle(usable.as_mut_slice(), &mut rng);
        let n_held = ((usable.len() as f64 * HELD_OUT_FRACTION) as usize).max(1);
        let held_out = usable.split_off(usable.len() - n_held);
        usable.sort_unstable();
        let mut held_out = held_out;
        held_out.sort_unstable();
        Ok(NameSplit {
            train: usable,
            held_out,
        })
    }
}

/// One example of the instruction set: what is asked and the reference
/// conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    pub ask: Ask,
    pub conversation: Conversation,
}

/// A prompt of `task` about `names` (the names it spells or counts in,
/// the letters it asks names to start with), drawn from `rng`.
pub fn ask(task: Task, names: &[String], rng: &mut impl Rng) -> Result<Ask> {
    let name = names.choose(rng).ok_or_else(|| {
        Error::Config("the instruction set is empty: no names to ask about".into())
    })?;
    Ok(match task {
        Task::Starts => Ask::Starts(name.chars().next().expect("a name-like name")),
        Task::EndsA5 => Ask::EndsA5,
        Task::Spell => Ask::Spell(name.clone()),
        Task::Count => {
            // Most questions ask about a letter of the name; some about any.
            let c = if rng.random_bool(0.7) {
                *name
                    .chars()
                    .collect::<Vec<_>>()
                    .choose(rng)
                    .expect("a name-like name")
            } else {
                char::from(b'a' + rng.random_range(0..26u8))
            };
            Ask::Count(c, name.clone())
        }
    })
}

/// `n` examples of each of `tasks`, interleaved, from `names` (the
/// training names of a [`NameSplit`]), seeded: prompts and reference
/// answers. An error if `names` or `tasks` is empty, or a task has no
/// answer among the names.
pub fn examples(names: &[String], tasks: &[Task], n: usize, seed: u64) -> Result<Vec<Example>> {
    if names.is_empty() || tasks.is_empty() || n == 0 {
        return Err(Error::Config(format!(
            "the instruction set is empty: {} names, {} tasks, {n} examples per task",
            names.len(),
            tasks.len()
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n * tasks.len());
    // The names that answer each `starts` and `ends_a5` prompt, found once
    // (27 lists at most), not once per example: the same draws as
    // `Ask::reference`, without its scan of every name.
    let mut fitting: HashMap<Ask, Vec<&String>> = HashMap::new();
    for _ in 0..n {
        for &task in tasks {
            let ask = ask(task, names, &mut rng)?;
            let answer = match ask {
                Ask::Starts(_) | Ask::EndsA5 => {
                    let fits = fitting
                        .entry(ask.clone())
                        .or_insert_with(|| ask.fitting(names));
                    ask.draw(fits, names.len(), &mut rng)?
                }
                Ask::Spell(_) | Ask::Count(..) => ask.reference(names, &mut rng)?,
            };
            let conversation = Conversation {
                prompt: ask.prompt(),
                answer,
            };
            out.push(Example { ask, conversation });
        }
    }
    Ok(out)
}

/// `n` evaluation prompts of `task`, about the held-out names only,
/// seeded.
pub fn eval_asks(held_out: &[String], task: Task, n: usize, seed: u64) -> Result<Vec<Ask>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| ask(task, held_out, &mut rng)).collect()
}
