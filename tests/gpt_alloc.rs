//! # A GPT training step allocates nothing
//!
//! A counting allocator around the system's: after one warm-up step, the
//! forward pass (loss included) and the backward pass of the whole GPT —
//! makemore's and the lecture's configuration, f32, batch 16 × block 32 —
//! must not allocate at all, nor must the AdamW step after them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use backprop_ninja::Solutions;
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::models::gpt::{Arch, Gpt, GptConfig};
use ndarray::Array2;
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

#[test]
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
        let mut opt = model.adamw(AdamW::MAKEMORE).unwrap();
        let mut step = || {
            model.forward(&mut ws).unwrap();
            model.backward::<Solutions>(&mut ws, &mut grads);
            model.adamw_step::<Solutions>(&grads, &mut opt);
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
