//! `train mlp` and `train wavenet`: their options ([`NetArgs`]), and the
//! MLP's and the WaveNet's [`Recipe`]: SGD with the lecture's step decay, on
//! a corpus of words (with `--resume`, the checkpoint's, which `--data`
//! must match unless `--other-data`), evaluated on the whole validation
//! split; `eval` prints the three splits' losses, `sample` draws names.

use std::ops::Deref;
use std::path::{Path, PathBuf};

use backprop_ninja::corpus::Fingerprint;
use backprop_ninja::corpus::codec::CodecId;
use backprop_ninja::corpus::words::{Corpus, Examples, Vocab};
use backprop_ninja::hyper::Hyper;
use backprop_ninja::io::checkpoint::Checkpoint;
use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::mlp::Mlp;
use backprop_ninja::models::model::{Model, Network};
use backprop_ninja::models::wavenet::WaveNet;
use backprop_ninja::train::budget::Need;
use backprop_ninja::train::eval::{EvalSet, Evaluator};
use backprop_ninja::train::generate::Request;
use backprop_ninja::train::{
    self, Dataset, OptimizerConfig, Progress, Schedule, Timing, TrainConfig,
};
use backprop_ninja::{Backprop, Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::output::{self, say};
use super::run::{Begin, Common, Defaults, Plan, Planned, Recipe, agree, data_of_checkpoint};

/// The MLP and the WaveNet print their loss and save a checkpoint every this
/// many steps, by default.
pub const EVAL_EVERY: usize = 10_000;

/// The MLP or the WaveNet, whose defaults `--help` shows: the lecture's.
pub trait NetDefaults {
    const KIND: ModelKind;
    type Model: Model + Into<Network>;
    /// A fresh model of sizes `hyper`, as its lecture initialises it.
    fn init(hyper: Hyper, rng: &mut ChaCha8Rng) -> Result<Self::Model>;
    /// The model a checkpoint holds, if it is one of this kind.
    fn held(network: Network) -> Option<Self::Model>;
}

/// `train mlp`.
pub struct MlpDefaults;
impl NetDefaults for MlpDefaults {
    const KIND: ModelKind = ModelKind::Mlp;
    type Model = Mlp<f32>;
    fn init(hyper: Hyper, rng: &mut ChaCha8Rng) -> Result<Mlp<f32>> {
        Mlp::lecture_init(hyper, rng)
    }
    fn held(network: Network) -> Option<Mlp<f32>> {
        match network {
            Network::Mlp(m) => Some(m),
            _ => None,
        }
    }
}

/// `train wavenet`.
pub struct WaveNetDefaults;
impl NetDefaults for WaveNetDefaults {
    const KIND: ModelKind = ModelKind::WaveNet;
    type Model = WaveNet<f32>;
    fn init(hyper: Hyper, rng: &mut ChaCha8Rng) -> Result<WaveNet<f32>> {
        WaveNet::lecture_init(hyper, rng)
    }
    fn held(network: Network) -> Option<WaveNet<f32>> {
        match network {
            Network::WaveNet(w) => Some(w),
            _ => None,
        }
    }
}

impl<K: NetDefaults> Defaults for K {
    fn steps() -> String {
        TrainConfig::lecture(K::KIND).steps.to_string()
    }
    fn batch_size() -> String {
        TrainConfig::lecture(K::KIND).batch_size.to_string()
    }
    fn lr() -> String {
        format!(
            "SGD's {}, until --lr-decay-step",
            Schedule::lecture(K::KIND).lr
        )
    }
    fn seed() -> String {
        TrainConfig::lecture(K::KIND).seed.to_string()
    }
    fn n_embd() -> String {
        train::hyper_for(K::KIND, 0).n_embd.to_string()
    }
    fn block_size() -> String {
        train::hyper_for(K::KIND, 0).block.to_string()
    }
    fn eval_every() -> String {
        EVAL_EVERY.to_string()
    }
}

/// `train mlp` and `train wavenet`: the common options, and the MLP's and
/// the WaveNet's own (SGD's step decay, the hidden layer).
#[derive(clap::Args)]
pub struct NetArgs<K: NetDefaults> {
    #[command(flatten)]
    pub common: Common<K>,
    #[arg(long, allow_hyphen_values = true,
        help = format!("The learning rate from --lr-decay-step on [default: {}]", Schedule::lecture(K::KIND).lr_decayed))]
    pub lr_decayed: Option<f32>,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("The step from which the learning rate is --lr-decayed [default: {}]", Schedule::lecture(K::KIND).lr_decay_step))]
    pub lr_decay_step: Option<usize>,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("The size of the hidden layer [default: {}]", train::hyper_for(K::KIND, 0).n_hidden))]
    pub n_hidden: Option<usize>,
}

/// The common options read as the model's own: `args.steps` is
/// `args.common.steps`.
impl<K: NetDefaults> Deref for NetArgs<K> {
    type Target = Common<K>;
    fn deref(&self) -> &Common<K> {
        &self.common
    }
}

/// The corpus of a run: `--data`, or with `--resume` the checkpoint's,
/// which `--data` must match unless `--other-data`.
fn corpus<K: NetDefaults>(
    args: &NetArgs<K>,
    resumed: Option<(&Path, &Checkpoint)>,
) -> Result<Corpus> {
    let Some((path, ckpt)) = resumed else {
        return super::bigram::load_corpus(args.data.as_deref());
    };
    let corpus = match &args.data {
        Some(data) => Corpus::from_file(data)?,
        None if ckpt.data.starts_with("embedded") => Corpus::embedded(),
        None => Corpus::from_file(Path::new(&ckpt.data))
            .map_err(|e| data_of_checkpoint(e, path, "--data"))?,
    };
    let here = corpus.fingerprint();
    let other = ckpt.fingerprint.as_ref().filter(|f| !f.same_data(&here));
    if let (Some(stored), false) = (other, args.other_data) {
        return Err(Error::Data {
            path: PathBuf::from(&corpus.source),
            line: None,
            detail: format!(
                "not the corpus the checkpoint {} was trained on ({stored}; this one has {} words, hash {:016x}): pass --other-data to continue on it anyway",
                path.display(),
                here.len,
                here.hash
            ),
        });
    }
    corpus.check_vocab(
        &ckpt.word_vocab(path)?,
        &format!("the checkpoint {}", path.display()),
    )?;
    Ok(corpus)
}

/// The (context, next) pairs the corpus makes, whatever the block size.
pub fn examples(corpus: &Corpus) -> usize {
    corpus.words.iter().map(|w| w.chars().count() + 1).sum()
}

/// A word model's run data: its corpus, the vocabulary, and the sizes of
/// the model (a fresh one's, or the checkpoint's).
pub struct Words {
    corpus: Corpus,
    vocab: Vocab,
    hyper: Hyper,
}

/// The MLP's and the WaveNet's run, resumed from `ckpt` (read from `path`):
/// its settings, with the options checked against it.
fn resumed<K: NetDefaults>(
    args: &NetArgs<K>,
    path: &Path,
    ckpt: Checkpoint,
) -> Result<Planned<NetArgs<K>>> {
    let kind = ckpt.model.kind();
    if kind != K::KIND {
        return Err(Error::Config(format!(
            "`train {}` contradicts the checkpoint {}, which holds a {}: resume it with `train {}`",
            K::KIND.name(),
            path.display(),
            kind.name(),
            kind.name()
        )));
    }
    let corpus = corpus(args, Some((path, &ckpt)))?;
    let h = ckpt
        .model
        .hyper()
        .ok_or_else(|| Error::Config(format!("`train {}` resumes a word model", K::KIND.name())))?;
    agree("n-embd", args.n_embd, h.n_embd, path)?;
    agree("n-hidden", args.n_hidden, h.n_hidden, path)?;
    agree("block-size", args.block_size, h.block, path)?;
    let c = ckpt.config;
    let s = c.sgd().ok_or_else(|| {
        Error::Config(format!(
            "the checkpoint {} holds no SGD schedule for its {}",
            path.display(),
            kind.name()
        ))
    })?;
    let config = TrainConfig {
        steps: args.steps.unwrap_or(c.steps),
        batch_size: agree("batch-size", args.batch_size, c.batch_size, path)?,
        optimizer: OptimizerConfig::Sgd(Schedule {
            lr: agree("lr", args.lr, s.lr, path)?,
            lr_decayed: agree("lr-decayed", args.lr_decayed, s.lr_decayed, path)?,
            lr_decay_step: agree("lr-decay-step", args.lr_decay_step, s.lr_decay_step, path)?,
        }),
        clip: None,
        seed: agree("seed", args.seed, c.seed, path)?,
    };
    if config.steps <= ckpt.step {
        return Err(Error::Config(format!(
            "nothing left to train: the checkpoint {} is at step {} and --steps is {}; pass --steps above {} to train further",
            path.display(),
            ckpt.step,
            config.steps,
            ckpt.step
        )));
    }
    let vocab = ckpt.word_vocab(path)?;
    let model = K::held(ckpt.model)
        .ok_or_else(|| Error::Config(format!("`train {}` resumes a word model", K::KIND.name())))?;
    let optimizer = config.optimizer_for(&model)?;
    let plan = Plan {
        config,
        start: ckpt.step,
        data: Words {
            corpus,
            vocab,
            hyper: h,
        },
        eval_batches: None,
    };
    Ok((Begin::Resume(model, optimizer), plan))
}

/// A fresh run of the MLP or the WaveNet: the lecture's settings and
/// sizes, with those the options give.
fn fresh<K: NetDefaults>(args: &NetArgs<K>) -> Result<Planned<NetArgs<K>>> {
    let corpus = corpus(args, None)?;
    let kind = K::KIND;
    let lecture = TrainConfig::lecture(kind);
    let schedule = Schedule::lecture(kind);
    let config = TrainConfig {
        steps: args.steps.unwrap_or(lecture.steps),
        batch_size: args.batch_size.unwrap_or(lecture.batch_size),
        optimizer: OptimizerConfig::Sgd(Schedule {
            lr: args.lr.unwrap_or(schedule.lr),
            lr_decayed: args.lr_decayed.unwrap_or(schedule.lr_decayed),
            lr_decay_step: args.lr_decay_step.unwrap_or(schedule.lr_decay_step),
        }),
        clip: None,
        seed: args.seed.unwrap_or(lecture.seed),
    };
    if config.steps == 0 {
        return Err(Error::Config("nothing to train: --steps is 0".into()));
    }
    let vocab = Vocab::from_words(&corpus.words);
    let sizes = train::hyper_for(kind, vocab.len());
    let hyper = Hyper {
        vocab: vocab.len(),
        block: args.block_size.unwrap_or(sizes.block),
        n_embd: args.n_embd.unwrap_or(sizes.n_embd),
        n_hidden: args.n_hidden.unwrap_or(sizes.n_hidden),
    };
    let plan = Plan {
        config,
        start: 0,
        data: Words {
            corpus,
            vocab,
            hyper,
        },
        eval_batches: None,
    };
    Ok((Begin::Fresh(hyper), plan))
}

/// The corpus given, or the embedded one; its words must all be in the
/// checkpoint's vocabulary.
fn corpus_for(ckpt: &Checkpoint, path: &Path, data: Option<&Path>) -> Result<Corpus> {
    let corpus = super::bigram::load_corpus(data)?;
    if data.is_none() && !ckpt.data.starts_with("embedded") {
        eprintln!(
            "note: {} was trained on {}; pass --data to evaluate on it",
            path.display(),
            ckpt.data
        );
    }
    let other = (ckpt.fingerprint.as_ref())
        .filter(|f| data.is_some() && !f.same_data(&corpus.fingerprint()));
    if let Some(f) = other {
        eprintln!(
            "note: {} is not the corpus {} was trained on ({f})",
            corpus.source,
            path.display()
        );
    }
    corpus.check_vocab(
        &ckpt.word_vocab(path)?,
        &format!("the checkpoint {}", path.display()),
    )?;
    Ok(corpus)
}

impl<K: NetDefaults> Recipe for NetArgs<K> {
    type Defaults = K;
    type Model = K::Model;
    type Sizes = Hyper;
    type Data = Words;
    type Split = Dataset;
    const KIND: ModelKind = K::KIND;
    const EVAL_EVERY: usize = EVAL_EVERY;
    const BAR_EVERY: usize = 100;

    fn common(&self) -> &Common<K> {
        &self.common
    }

    fn plan(&self, checkpoint: Option<(&Path, Checkpoint)>) -> Result<Planned<Self>> {
        match checkpoint {
            Some((path, ckpt)) => resumed(self, path, ckpt),
            None => fresh(self),
        }
    }

    fn need<'a>(_begin: &'a Begin<Self>, plan: &'a Plan<Self>) -> Need<'a> {
        Need::Words {
            kind: K::KIND,
            hyper: plan.data.hyper,
            batch: plan.config.batch_size,
            examples: examples(&plan.data.corpus),
        }
    }

    fn split(&self, _begin: &Begin<Self>, plan: &Plan<Self>) -> Result<(Dataset, Evaluator)> {
        let words = &plan.data;
        words.hyper.validate()?;
        let data = Dataset::with_vocab(
            &words.corpus,
            words.vocab.clone(),
            words.hyper.block,
            plan.config.seed,
        )?;
        let evaluator = Evaluator::held_out_only(EvalSet::whole("val", data.val.clone()));
        Ok((data, evaluator))
    }

    fn build(hyper: &Hyper, seed: u64) -> Result<K::Model> {
        K::init(*hyper, &mut ChaCha8Rng::seed_from_u64(seed))
    }

    fn inputs<'a>(&'a self, words: &'a Words) -> Vec<(&'static str, &'a Path)> {
        let source = &words.corpus.source;
        (self.data.iter().map(|d| ("--data", d.as_path())))
            .chain(
                (self.data.is_none() && !source.starts_with("embedded"))
                    .then(|| ("the corpus", Path::new(source))),
            )
            .collect()
    }

    fn identity(words: &Words) -> Result<(String, Fingerprint, Option<CodecId>)> {
        Ok((words.vocab.as_string(), words.corpus.fingerprint(), None))
    }

    fn announce<B: Backprop>(&self, plan: &Plan<Self>, data: &Dataset, model: &K::Model) {
        let (corpus, vocab) = (&plan.data.corpus, &plan.data.vocab);
        say!(
            "data: {}, {} words, vocabulary of {} ({}), {}/{}/{} train/val/test examples",
            corpus.source,
            corpus.words.len(),
            vocab.len(),
            vocab.as_string(),
            data.train.len(),
            data.val.len(),
            data.test.len()
        );
        let h = model.hyper();
        say!(
            "model: {} with {} parameters (block {}, n_embd {}, n_hidden {}), backward passes from {}/",
            <K::Model as backprop_ninja::models::model::Trainable>::NAME,
            model.num_params(),
            h.block,
            h.n_embd,
            h.n_hidden,
            B::NAME
        );
    }

    fn batches<'a>(_words: &'a Words, data: &'a Dataset) -> &'a Examples {
        &data.train
    }

    fn step_line(&self, p: &Progress, start: usize, every: usize, bar: bool) -> Option<String> {
        (p.step.is_multiple_of(every) || (!bar && p.step == start + 1))
            .then(|| format!("{:7}/{:7}: {:.4}  (lr {})", p.step, p.steps, p.loss, p.lr))
    }

    /// The MLP calibrates BatchNorm on the training set (part 4); the
    /// WaveNet keeps its running statistics (part 5).
    fn finish(model: &mut K::Model, data: &Dataset) -> Result<()> {
        model.finish_training(&data.train.x)
    }

    fn conclude(
        &self,
        _plan: &Plan<Self>,
        data: &Dataset,
        model: &K::Model,
        _timing: &Timing,
        _last: &[f64],
    ) -> Result<()> {
        output::print_losses(model, data)
    }

    fn samples(&self, plan: &Plan<Self>) -> (Request, u64) {
        (
            Request::Names {
                count: self.samples,
            },
            plan.config.seed,
        )
    }

    fn eval(
        ckpt: &Checkpoint,
        path: &Path,
        data: Option<&Path>,
        text: Option<&Path>,
    ) -> Result<()> {
        if text.is_some() {
            return Err(Error::Config(
                "--text is for a GPT trained on a text; this model was trained on names".into(),
            ));
        }
        let corpus = corpus_for(ckpt, path, data)?;
        let vocab = ckpt.word_vocab(path)?;
        let model = K::held(ckpt.model.clone()).ok_or_else(|| Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!(
                "it holds a {}, not a {}",
                ckpt.model.kind().title(),
                K::KIND.title()
            ),
        })?;
        let dataset = Dataset::with_vocab(&corpus, vocab, model.hyper().block, ckpt.config.seed)?;
        say!(
            "{}: {}, step {}, data {}",
            path.display(),
            K::KIND.name(),
            ckpt.step,
            corpus.source
        );
        output::print_losses(&model, &dataset)
    }

    fn request(
        _ckpt: &Checkpoint,
        _path: &Path,
        count: usize,
        chars: Option<usize>,
    ) -> Result<Request> {
        if chars.is_some() {
            return Err(Error::Config(
                "--chars is for a GPT trained on a text; this model samples names (--count)".into(),
            ));
        }
        Ok(Request::Names { count })
    }
}
