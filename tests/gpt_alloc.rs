//! # A GPT training step allocates nothing
//!
//! A counting allocator around the system's: after one warm-up step, the
//! forward pass (loss included) and the backward pass of the whole GPT —
//! makemore's and the lecture's configuration, f32, batch 16 × block 32 —
//! must not allocate at all, nor must the AdamW step after them; nor the
//! trainer's whole step (batch sampling and gradient clipping included); and
//! neither must causal multi-head self-attention alone, at the lecture's size;
//! nor a step of the sampler's KV cache, nor a draw from it.
//!
//! Its own small harness (`harness = false`, [`main`]): it runs the four
//! tests one after the other, takes libtest's name filters, and prints
//! nothing at all when no test matches them, so that `cargo test exercises`
//! shows the learner's report without an empty block from here.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::layers::attention::CausalSelfAttention;
use backprop_ninja::layers::linear::Linear;
use backprop_ninja::models::adamw::AdamWState;
use backprop_ninja::models::gpt::{Arch, Gpt, GptConfig};
use backprop_ninja::{Backprop, Solutions};
use ndarray::{Array1, Array2, Array3};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// count is a const-initialised thread-local that never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr came from System.alloc with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: ptr came from System.alloc with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

fn a_gpt_training_step_allocates_nothing() {
    let before = allocations();
    let probe = std::hint::black_box(vec![1u8; 3]);
    assert!(allocations() > before, "the counter counts");
    drop(probe);
    let configs = [
        GptConfig::makemore(27, 32),
        GptConfig::lecture(65),
        GptConfig::lecture(65).with_arch(Arch::Blocks),
        GptConfig::lecture(65).with_arch(Arch::Bigram),
    ];
    for config in configs {
        let rng = &mut ChaCha8Rng::seed_from_u64(0);
        let model = Gpt::<f32>::new(config, rng).unwrap();
        let mut ws = model.workspace(16, 32).unwrap();
        let v = config.vocab_size;
        ws.idx = Array2::from_shape_fn((16, 32), |(b, t)| (b * 7 + t * 3) % v);
        ws.targets =
            Array2::from_shape_fn(
                (16, 32),
                |(b, t)| {
                    if t > 28 { -1 } else { ((b * 5 + t) % v) as i64 }
                },
            );
        let mut model = model;
        let mut grads = model.zero_grads();
        let mut opt = AdamWState::new(AdamW::MAKEMORE, &model).unwrap();
        let mut step = || {
            model.forward(&mut ws).unwrap();
            model.backward::<Solutions>(&mut ws, &mut grads);
            opt.step::<Solutions, _>(&mut model, &grads);
        };
        step(); // warm-up: anything lazily initialised
        let before = allocations();
        step();
        step();
        assert_eq!(
            allocations() - before,
            0,
            "{:?}: two steps allocated",
            config.arch
        );
    }
}

fn a_forward_and_backward_step_allocates_nothing() {
    let before = allocations();
    let probe = std::hint::black_box(vec![1u8; 3]);
    assert!(allocations() > before, "the counter counts");
    drop(probe);
    let (b, t, c, nh) = (16, 32, 64, 4);
    let pattern = |i: usize| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5;
    let c_attn = Linear::new(
        Array2::from_shape_fn((c, 3 * c), |(i, j)| pattern(i * 3 * c + j) * 0.2),
        Some(Array1::from_shape_fn(3 * c, |i| pattern(i) * 0.1)),
    )
    .unwrap();
    let c_proj = Linear::new(
        Array2::from_shape_fn((c, c), |(i, j)| pattern(i * c + j + 5) * 0.2),
        Some(Array1::from_shape_fn(c, |i| pattern(i + 3) * 0.1)),
    )
    .unwrap();
    for layer in [
        CausalSelfAttention::new(c_attn.clone(), Some(c_proj), nh).unwrap(),
        CausalSelfAttention::new(c_attn, None, nh).unwrap(),
    ] {
        let x = Array3::from_shape_fn((b, t, c), |(i, j, k)| pattern(i * 1000 + j * 64 + k));
        let dout = Array3::from_shape_fn((b, t, c), |(i, j, k)| pattern(i * 999 + j * 63 + k + 1));
        let mut cache = layer.cache(b, t);
        let mut out = Array3::zeros((b, t, c));
        let mut dx = Array3::zeros((b, t, c));
        let mut grads = layer.zero_grads();
        let mut step = |out: &mut Array3<f32>, dx: &mut Array3<f32>| {
            layer.forward_into(&x, out, &mut cache).unwrap();
            Solutions::attention_backward(dx, &mut grads, &dout, &x, &mut cache, &layer);
        };
        step(&mut out, &mut dx); // warm-up: anything lazily initialised
        let before = allocations();
        step(&mut out, &mut dx);
        let during = allocations() - before;
        assert_eq!(
            during,
            0,
            "{during} allocations in one step (c_proj: {})",
            layer.c_proj.is_some()
        );
        assert!(out.iter().all(|v| v.is_finite()) && dx.iter().all(|v| v.is_finite()));
    }
}

fn the_trainers_step_with_batch_sampling_and_clipping_allocates_nothing() {
    use backprop_ninja::corpus::text::TextCorpus;
    use backprop_ninja::train::{Timing, TrainConfig, train_step};
    let text = "First Citizen:\nBefore we proceed any further, hear me speak.\n".repeat(40);
    let corpus = TextCorpus::from_text(&text, std::path::Path::new("verse.txt")).unwrap();
    let config = GptConfig {
        block_size: 32,
        ..GptConfig::lecture(corpus.vocab.len())
    };
    let mut model = Gpt::<f32>::new(config, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    let run = TrainConfig {
        clip: Some(1.0),
        ..TrainConfig::GPT_LECTURE
    };
    let mut ws = model.workspace(run.batch_size, 32).unwrap();
    let mut grads = model.zero_grads();
    let mut opt = run.optimizer_for(&model).unwrap();
    let mut timing = Timing::default();
    let loop_run = run.run(0);
    let mut step = |i: usize| {
        train_step::<Solutions, Gpt<f32>>(
            &mut model,
            &mut opt,
            &mut grads,
            &mut ws,
            &corpus.train,
            &loop_run,
            i,
            &mut timing,
        )
        .unwrap()
    };
    step(0);
    let before = allocations();
    let losses = [step(1), step(2)];
    assert_eq!(allocations() - before, 0, "two steps allocated");
    assert!(losses.iter().all(|l| l.is_finite()));
}

fn a_kv_cache_step_and_a_cached_draw_allocate_nothing() {
    use backprop_ninja::models::kv_cache::KvCache;
    use backprop_ninja::train::gpt::Sampler;
    for config in [
        GptConfig::makemore(27, 16),
        GptConfig::lecture(65).with_arch(Arch::Blocks),
    ] {
        let model = Gpt::<f32>::new(config, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
        let mut cache = KvCache::new(&model, 4).unwrap();
        cache.step(&model, &[(0, 1), (2, 3)]).unwrap(); // warm-up
        let mut sampler = Sampler::new(&model, 1).unwrap();
        let context = [0, 5, 1, 13, 2];
        sampler.next(&model, &context[..3]).unwrap(); // warm-up
        let before = allocations();
        for t in 1..10 {
            let logits = cache.step(&model, &[(0, t), (3, t), (1, 2)]).unwrap();
            assert!(logits.iter().all(|v| v.is_finite()));
        }
        for n in 4..=context.len() {
            sampler.next(&model, &context[..n]).unwrap();
        }
        assert_eq!(
            allocations() - before,
            0,
            "{:?}: cached steps allocated",
            config.arch
        );
    }
}

/// The tests, by name.
const TESTS: [(&str, fn()); 4] = [
    (
        "a_gpt_training_step_allocates_nothing",
        a_gpt_training_step_allocates_nothing,
    ),
    (
        "a_forward_and_backward_step_allocates_nothing",
        a_forward_and_backward_step_allocates_nothing,
    ),
    (
        "the_trainers_step_with_batch_sampling_and_clipping_allocates_nothing",
        the_trainers_step_with_batch_sampling_and_clipping_allocates_nothing,
    ),
    (
        "a_kv_cache_step_and_a_cached_draw_allocate_nothing",
        a_kv_cache_step_and_a_cached_draw_allocate_nothing,
    ),
];

/// Runs the tests whose names contain a filter (all without one), as
/// libtest would; silent when none is selected. `--ignored` selects none
/// (none is ignored), `--list` lists them.
fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let exact = flag("--exact");
    let mut filters: Vec<&str> = vec![];
    let mut skips: Vec<&str> = vec![];
    let mut value_of: Option<&str> = None;
    for a in &args {
        if let Some(option) = value_of.take() {
            if option == "--skip" {
                skips.push(a);
            }
        } else if [
            "--test-threads",
            "--format",
            "--color",
            "--logfile",
            "--skip",
            "-Z",
        ]
        .contains(&a.as_str())
        {
            value_of = Some(a);
        } else if !a.starts_with('-') {
            filters.push(a);
        }
    }
    let matches = |name: &str, f: &str| if exact { name == f } else { name.contains(f) };
    let selected: Vec<(&str, fn())> = TESTS
        .into_iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| matches(name, f)))
        .filter(|(name, _)| !skips.iter().any(|f| matches(name, f)))
        .filter(|_| !flag("--ignored"))
        .collect();
    if flag("--list") {
        for (name, _) in &selected {
            println!("{name}: test");
        }
        return std::process::ExitCode::SUCCESS;
    }
    if selected.is_empty() {
        return std::process::ExitCode::SUCCESS;
    }
    let start = std::time::Instant::now();
    println!("\nrunning {} tests", selected.len());
    let mut failed = vec![];
    for (name, test) in &selected {
        let ok = std::panic::catch_unwind(test).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            failed.push(*name);
        }
    }
    if !failed.is_empty() {
        println!("\nfailures:");
        for name in &failed {
            println!("    {name}");
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        selected.len() - failed.len(),
        failed.len(),
        TESTS.len() - selected.len(),
        start.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
