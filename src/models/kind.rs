//! # The kinds of model the course trains, by name
//!
//! One enum for one idea: which model a command trains (and so which
//! backward passes it needs, [`crate::registry`]), which model a
//! checkpoint holds ([`crate::io::checkpoint`]), and which model a
//! [`crate::models::model::Network`] is. This file imports nothing of the
//! crate, so that the registry (data) and the models can both use it.

/// A model of the course: the neural bigram (makemore part 1), the MLP
/// (part 4), the deep tanh MLP (part 3, diagnosed, never saved), the
/// WaveNet (part 5), the GPT (lecture 7) and the reward model (State of
/// GPT). The MLP, the WaveNet and the GPT are trained by `train`, the
/// reward model by `reward`; all four are saved in checkpoints and held by
/// a [`crate::models::model::Network`] ([`ModelKind::SAVED`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// `bigram`: the neural bigram of makemore part 1.
    Bigram,
    /// `train mlp`: the MLP of makemore part 4 (block 3, n_embd 10,
    /// n_hidden 200).
    Mlp,
    /// `train wavenet`: the hierarchical WaveNet of makemore part 5
    /// (block 8, n_embd 24, n_hidden 128).
    WaveNet,
    /// `diagnose`: the deep tanh MLP of makemore part 3.
    Deep,
    /// `train gpt`: every step of lecture 7's progression, on text or on
    /// names.
    Gpt,
    /// `reward`: the reward model of State of GPT, a GPT's trunk with a
    /// scalar head, trained on pairs of answers.
    Reward,
}

impl ModelKind {
    /// The kinds a checkpoint holds.
    pub const SAVED: [ModelKind; 4] = [
        ModelKind::Mlp,
        ModelKind::WaveNet,
        ModelKind::Gpt,
        ModelKind::Reward,
    ];

    /// Its name on the command line and in checkpoints: `bigram`, `mlp`,
    /// `wavenet`, `deep`, `gpt`, `reward`.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Bigram => "bigram",
            ModelKind::Mlp => "mlp",
            ModelKind::WaveNet => "wavenet",
            ModelKind::Deep => "deep",
            ModelKind::Gpt => "gpt",
            ModelKind::Reward => "reward",
        }
    }

    /// Its name in messages: "MLP", "WaveNet", "GPT".
    pub fn title(self) -> &'static str {
        match self {
            ModelKind::Bigram => "bigram",
            ModelKind::Mlp => "MLP",
            ModelKind::WaveNet => "WaveNet",
            ModelKind::Deep => "deep MLP",
            ModelKind::Gpt => "GPT",
            ModelKind::Reward => "reward model",
        }
    }

    /// The kind a checkpoint names (`mlp`, `wavenet`, `gpt`, `reward`), if it is one
    /// of [`ModelKind::SAVED`].
    pub fn from_name(name: &str) -> Option<ModelKind> {
        ModelKind::SAVED.into_iter().find(|k| k.name() == name)
    }
}
