//! # One RLHF step, REINFORCE with the `k3` KL penalty
//!
//! `cargo bench --features bench --bench rlhf_step`, f32, one thread: the
//! step of `rlhf --algo reinforce` at [`RlSettings::DEFAULT`] on the chat
//! model's size (makemore's Transformer on the chat format of the names'
//! characters: vocabulary 45, block 53, `n_embd` 64, 4 layers, 4 heads) at
//! its initialisation, on a rollout of 16 prompts × 8 answers = 128 rows
//! sampled from it with the KV cache (fixed seed, prompts about the
//! embedded names), rewards drawn from a seeded normal in place of the
//! reward model's:
//!
//! - `rlhf_step/update`: [`rlhf::update`] on that rollout: the policy's
//!   forward, each token's log-probability (`answer_logprob`), the policy
//!   gradient plus 0.05 · the `k3` KL, their backward passes and the GPT's,
//!   the gradient's norm clipped at 1, AdamW (lr 1e-4, makemore's betas
//!   and weight decay);
//! - `rlhf_step/with_rewards_update`: [`rlhf::with_rewards`] (the
//!   advantages, the reference's forward for `logp_ref`; REINFORCE reads
//!   no `logp_old`), then the update in the same workspace: a rollout's
//!   work once its samples are scored;
//! - `rlhf_step/rollout_update`: the same after sampling the 128 answers
//!   with the KV cache ([`rlhf::sample`]).
//!
//! With `RLHF_STEP_POLICY` naming a chat checkpoint (`sft`'s), the bench
//! starts from that model instead: its answers end as names do, and the
//! rollout is shorter.
//!
//! Before criterion, each of the three is timed as `benches/rlhf_step.py`
//! times PyTorch's (3 warm-up steps, then 25 steps timed one by one; the
//! fastest, the median, and the median of the thread's CPU time, which
//! leaves out the time a shared machine kept it waiting) and printed as a
//! `RESULT` line. With `RLHF_STEP_EXPORT`
//! set to a path, the model, the rollout (`idx`, `tokens`, `mask`,
//! `rewards`, `logp_ref`) and the first two updates' losses and clipped
//! gradients are written there first, in PyTorch's layout, for the script
//! to run the same step on and to check against; with
//! `RLHF_STEP_RESULTS_ONLY` set, criterion's benches are left out. `bash
//! benches/rlhf_step.sh` runs both sides and prints the table.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use backprop_ninja::Solutions;
use backprop_ninja::chat::format::ChatFormat;
use backprop_ninja::corpus::codec::Codec;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::io::gpt_export::to_torch_layout;
use backprop_ninja::io::weights::{self, Tensor};
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::models::adamw::AdamWState;
use backprop_ninja::models::gpt::{Gpt, GptConfig, GptGrads, GptWorkspace};
use backprop_ninja::models::model::Network;
use backprop_ninja::train::Optimizer;
use backprop_ninja::train::rlhf::{self, RlSettings, Rollout, Samples};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ndarray::{Array1, arr0};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 1337;
/// The names GPT's characters, in id order: the chat format extends them
/// to 45 tokens.
const NAMES_VOCAB: &str = ".abcdefghijklmnopqrstuvwxyz";
/// The chat model's block.
const BLOCK: usize = 53;
/// `rlhf`'s optimiser: AdamW at makemore's settings, lr 1e-4, clip 1.
const ADAMW: AdamW = AdamW {
    lr: 1e-4,
    ..AdamW::MAKEMORE
};
const CLIP: Option<f64> = Some(1.0);
/// The timing of the `RESULT` lines, the script's too.
const WARMUP: usize = 3;
const STEPS: usize = 25;

/// The policy, its frozen copy, the format, the prompts, a rollout's
/// samples and their rewards.
struct Setup {
    policy: Gpt<f32>,
    reference: Gpt<f32>,
    format: ChatFormat,
    asks: Vec<backprop_ninja::chat::tasks::Ask>,
    samples: Samples,
    rewards: Array1<f32>,
    settings: RlSettings,
}

fn setup() -> Setup {
    let settings = RlSettings::DEFAULT;
    let (policy, format) = match std::env::var("RLHF_STEP_POLICY") {
        Ok(path) => sft(Path::new(&path)),
        Err(_) => {
            let format = ChatFormat::on_chars(NAMES_VOCAB).expect("the names' characters");
            let config = GptConfig::makemore(format.vocab_size(), BLOCK);
            let rng = &mut ChaCha8Rng::seed_from_u64(SEED);
            (Gpt::<f32>::new(config, rng).expect("a GPT"), format)
        }
    };
    let names = Corpus::embedded().words;
    let asks = rlhf::prompts(&names, settings.prompts, SEED).expect("prompts");
    let samples = rlhf::sample(
        &policy,
        &format,
        &asks,
        settings.group.group,
        settings.temperature,
        SEED,
    )
    .expect("a rollout");
    let rewards = Array1::random_using(
        samples.answers.len(),
        StandardNormal,
        &mut ChaCha8Rng::seed_from_u64(SEED + 1),
    );
    Setup {
        reference: policy.clone(),
        policy,
        format,
        asks,
        samples,
        rewards,
        settings,
    }
}

/// The GPT of the chat checkpoint at `path` (`sft`'s) and its format.
fn sft(path: &Path) -> (Gpt<f32>, ChatFormat) {
    let which = path.display();
    match checkpoint::load(path) {
        Ok(Checkpoint {
            model: Network::Gpt(g),
            vocab,
            ..
        }) => {
            let format = ChatFormat::from_record(&vocab, path)
                .unwrap_or_else(|e| panic!("RLHF_STEP_POLICY={which}: not a chat model: {e}"));
            (g, format)
        }
        Ok(_) => panic!("RLHF_STEP_POLICY={which}: not a GPT checkpoint"),
        Err(e) => panic!("RLHF_STEP_POLICY={which}: {e}"),
    }
}

/// A fresh optimiser and gradients for `policy`.
fn trainer(policy: &Gpt<f32>) -> (Optimizer, GptGrads<f32>) {
    let opt = Optimizer::AdamW(AdamWState::new(ADAMW, policy).expect("AdamW"));
    (opt, policy.zero_grads())
}

/// The policy at its initialisation, its trainer, a workspace for the
/// rollout's samples, and the step count 0.
#[allow(clippy::type_complexity)]
fn fresh(
    s: &Setup,
) -> (
    Gpt<f32>,
    (Optimizer, GptGrads<f32>),
    GptWorkspace<f32>,
    usize,
) {
    let policy = s.policy.clone();
    let (n, t) = s.samples.idx.dim();
    let ws = policy.workspace(n, t).expect("a workspace");
    (policy.clone(), trainer(&policy), ws, 0)
}

/// Writes the model, the rollout, and the losses and clipped gradients of
/// the first two updates (the first at the reference itself, where the KL
/// and its gradient are 0) to `path`.
fn export(path: &Path, s: &Setup, rollout: &Rollout) {
    let (mut policy, (mut opt, mut grads), mut ws, _) = fresh(s);
    let mut tensors: Vec<(String, Tensor)> = policy
        .named_params()
        .into_iter()
        .map(|(name, p)| {
            let p = to_torch_layout(&name, &p);
            (name, Tensor::new(p))
        })
        .collect();
    for step in 0..2 {
        let stats = rlhf::update::<Solutions>(
            &mut policy,
            &mut opt,
            &mut grads,
            &mut ws,
            rollout,
            &s.settings,
            CLIP,
            step,
        )
        .expect("a step");
        let at = format!("step{}", step + 1);
        for (name, g) in policy.named_grads(&grads) {
            let g = to_torch_layout(&name, &g);
            tensors.push((format!("{at}.grad.{name}"), Tensor::new(g)));
        }
        tensors.extend([
            (format!("{at}.loss"), Tensor::new(arr0(stats.loss))),
            (
                format!("{at}.policy_loss"),
                Tensor::new(arr0(stats.policy_loss)),
            ),
            (format!("{at}.kl"), Tensor::new(arr0(stats.kl))),
        ]);
    }
    let samples = &rollout.samples;
    tensors.extend([
        ("idx".into(), Tensor::new(samples.idx.mapv(|i| i as i64))),
        (
            "tokens".into(),
            Tensor::new(samples.tokens.mapv(|i| i as i64)),
        ),
        ("mask".into(), Tensor::new(samples.mask.mapv(i64::from))),
        ("rewards".into(), Tensor::new(rollout.rewards.clone())),
        ("logp_ref".into(), Tensor::new(rollout.logp_ref.clone())),
    ]);
    let c = s.policy.config;
    let meta = BTreeMap::from(
        [
            ("format", "backprop-ninja rlhf step".to_string()),
            ("vocab_size", c.vocab_size.to_string()),
            ("block_size", c.block_size.to_string()),
            ("n_layer", c.n_layer.to_string()),
            ("n_head", c.n_head.to_string()),
            ("n_embd", c.n_embd.to_string()),
            ("params", s.policy.num_params().to_string()),
            ("group", s.settings.group.group.to_string()),
            ("assistant_end", s.format.assistant_end().to_string()),
            ("kl_coef", s.settings.kl_coef.to_string()),
            ("lr", ADAMW.lr.to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    weights::save(path, tensors, meta).expect("the export written");
}

/// `step` run `WARMUP` times, then `STEPS` times; each call returns the
/// wall-clock and the CPU seconds it timed. Prints the fastest step, the
/// median, and the median CPU time of the thread, in ms.
fn time_steps(what: &str, mut step: impl FnMut() -> (f64, f64)) {
    for _ in 0..WARMUP {
        step();
    }
    let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..STEPS).map(|_| step()).unzip();
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!(
        "RESULT side=crate what={what} ms_per_step={:.2} median_ms={:.2} cpu_median_ms={:.2} warmup={WARMUP} steps={STEPS}",
        wall[0] * 1e3,
        wall[STEPS / 2] * 1e3,
        cpu[STEPS / 2] * 1e3
    );
}

/// The seconds this thread has run on a CPU, from Linux's
/// `/proc/thread-self/schedstat` (NaN elsewhere): on a shared machine,
/// the time a step took without the time it waited for a core.
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns * 1e-9)
}

/// The wall-clock and CPU seconds `f` takes.
fn timed(f: impl FnOnce()) -> (f64, f64) {
    let (start, cpu) = (Instant::now(), thread_cpu());
    f();
    (start.elapsed().as_secs_f64(), thread_cpu() - cpu)
}

fn bench_rlhf_step(c: &mut Criterion) {
    let s = setup();
    let mut first = None;
    let rollout = rlhf::with_rewards(
        &s.policy,
        &s.reference,
        s.samples.clone(),
        s.rewards.clone(),
        &s.settings,
        rlhf::workspace_for(&mut first, &s.policy, &s.samples).expect("a workspace"),
    )
    .expect("a rollout");
    let (n, t) = s.samples.idx.dim();
    let answer_tokens = s.samples.mask.iter().filter(|&&m| m).count();
    println!(
        "rollout: {n} rows x {t} positions, {answer_tokens} answer tokens, {} ended; {} parameters",
        s.samples.ended.iter().filter(|&&e| e).count(),
        s.policy.num_params()
    );
    if let Ok(path) = std::env::var("RLHF_STEP_EXPORT") {
        export(Path::new(&path), &s, &rollout);
        println!("exported the model and the rollout to {path}");
    }

    let update = |policy: &mut Gpt<f32>,
                  (opt, grads): &mut (Optimizer, GptGrads<f32>),
                  ws: &mut GptWorkspace<f32>,
                  rollout: &Rollout,
                  step: usize| {
        rlhf::update::<Solutions>(policy, opt, grads, ws, rollout, &s.settings, CLIP, step)
            .expect("a step")
    };
    let score = |policy: &Gpt<f32>, samples: Samples, ws: &mut GptWorkspace<f32>| {
        rlhf::with_rewards(
            policy,
            &s.reference,
            samples,
            s.rewards.clone(),
            &s.settings,
            ws,
        )
        .expect("a rollout")
    };
    let sample = |policy: &Gpt<f32>| {
        let samples = rlhf::sample(
            policy,
            &s.format,
            &s.asks,
            s.settings.group.group,
            s.settings.temperature,
            SEED,
        )
        .expect("samples");
        assert_eq!(samples.idx.nrows(), n, "a rollout of {n} rows");
        samples
    };
    // A full step samples anew: its rollout's positions may differ, and
    // its workspace is reused only when they do not, as `rlhf` does.
    let full = |policy: &mut Gpt<f32>,
                tr: &mut (Optimizer, GptGrads<f32>),
                slot: &mut Option<GptWorkspace<f32>>,
                step: usize| {
        let samples = sample(policy);
        let ws = rlhf::workspace_for(slot, policy, &samples).expect("a workspace");
        let rollout = score(policy, samples, ws);
        update(policy, tr, ws, &rollout, step)
    };

    let (mut policy, mut tr, mut ws, mut k) = fresh(&s);
    time_steps("update", || {
        k += 1;
        timed(|| {
            update(&mut policy, &mut tr, &mut ws, &rollout, k - 1);
        })
    });
    let (mut policy, mut tr, mut ws, mut k) = fresh(&s);
    time_steps("with_rewards_update", || {
        let samples = s.samples.clone();
        k += 1;
        timed(|| {
            let rollout = score(&policy, samples, &mut ws);
            update(&mut policy, &mut tr, &mut ws, &rollout, k - 1);
        })
    });
    let (mut policy, mut tr, _, mut k) = fresh(&s);
    let mut slot = None;
    time_steps("rollout_update", || {
        k += 1;
        timed(|| {
            full(&mut policy, &mut tr, &mut slot, k - 1);
        })
    });

    if std::env::var_os("RLHF_STEP_RESULTS_ONLY").is_some() {
        return;
    }
    let mut group = c.benchmark_group("rlhf_step");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    let (mut policy, mut tr, mut ws, mut k) = fresh(&s);
    group.bench_function("update", |b| {
        b.iter(|| {
            k += 1;
            update(&mut policy, &mut tr, &mut ws, &rollout, k - 1)
        })
    });
    let (mut policy, mut tr, mut ws, mut k) = fresh(&s);
    group.bench_function("with_rewards_update", |b| {
        b.iter_batched(
            || s.samples.clone(),
            |samples| {
                k += 1;
                let rollout = score(&policy, samples, &mut ws);
                update(&mut policy, &mut tr, &mut ws, &rollout, k - 1)
            },
            BatchSize::LargeInput,
        )
    });
    let (mut policy, mut tr, _, mut k) = fresh(&s);
    let mut slot = None;
    group.bench_function("rollout_update", |b| {
        b.iter(|| {
            k += 1;
            full(&mut policy, &mut tr, &mut slot, k - 1)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_rlhf_step);
criterion_main!(benches);
