//! `bigram`: makemore part 1, counting and the neural bigram.

use std::path::PathBuf;

use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::course::bigram::{self, Bigrams, Counting};
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::train::bigram::NeuralConfig;
use backprop_ninja::{Backprop, Result};

use super::implementation::{self, Impl, WithBackprop};
use super::output::{self, say};

#[derive(clap::Args)]
pub struct Args {
    /// One word per line; the embedded corpus of 30,000 names if not given.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Whose dW trains the neural model.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
    /// Steps of full-batch gradient descent for the neural model.
    #[arg(long, default_value_t = NeuralConfig::LECTURE.steps, value_parser = output::count, allow_negative_numbers = true)]
    steps: usize,
    #[arg(long, default_value_t = NeuralConfig::LECTURE.lr, allow_hyphen_values = true)]
    lr: f64,
    /// Seeds W and the samples.
    #[arg(long, default_value_t = NeuralConfig::LECTURE.seed, value_parser = output::seed, allow_negative_numbers = true)]
    seed: u64,
    /// How many names to sample from each model.
    #[arg(long, default_value_t = 10, value_parser = output::samples, allow_negative_numbers = true)]
    samples: usize,
}

/// The embedded corpus, or the file given.
pub fn load_corpus(data: Option<&std::path::Path>) -> Result<Corpus> {
    match data {
        Some(path) => Corpus::from_file(path),
        None => Ok(Corpus::embedded()),
    }
}

impl WithBackprop for Args {
    fn run<B: Backprop>(self) -> Result<()> {
        let args = self;
        implementation::ready::<B>(ModelKind::Bigram)?;
        let corpus = load_corpus(args.data.as_deref())?;
        let data = Bigrams::from_words(&corpus.words)?;
        let cfg = NeuralConfig {
            steps: args.steps,
            lr: args.lr,
            seed: args.seed,
        };
        cfg.validate()?;
        say!(
            "data: {}, {} words, vocabulary of {} ({}), {} bigrams",
            corpus.source,
            corpus.words.len(),
            data.vocab.len(),
            data.vocab.as_string(),
            data.len()
        );
        let counting = Counting::fit(&data, 1.0)?;
        say!(
            "counting (+1 smoothing): mean NLL {:.4}",
            counting.nll(&data)?
        );
        let every = (cfg.steps / 10).max(1);
        let (w, f) = backprop_ninja::train::bigram::train::<B>(&data, &cfg, |step, f| {
            if step == 1 || step % every == 0 {
                say!(
                    "neural {step:>6}/{}: loss {:.4}  (NLL {:.4})",
                    cfg.steps,
                    f.loss,
                    f.nll
                );
            }
        })?;
        say!(
            "neural (dW from {}/, {} steps, lr {}): loss {:.4}, mean NLL {:.4}",
            B::NAME,
            cfg.steps,
            cfg.lr,
            f.loss,
            f.nll
        );
        if args.samples > 0 {
            let from_counts = bigram::sample(&counting.P, &data.vocab, args.samples, cfg.seed)?;
            let neural_p = bigram::neural_probs(&w);
            let from_net = bigram::sample(&neural_p, &data.vocab, args.samples, cfg.seed)?;
            say!("samples, same seed (counting | neural):");
            for (a, b) in from_counts.iter().zip(&from_net) {
                say!("  {a:<20} {b}");
            }
        }
        Ok(())
    }
}
