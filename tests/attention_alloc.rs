//! # Attention allocates nothing per step
//!
//! A counting allocator around the system's: after one warm-up step, the
//! forward pass and the reference backward pass of causal multi-head
//! self-attention at the lecture's size (B 16, T 32, C 64, 4 heads, f32)
//! must not allocate at all.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use backprop_ninja::layers::attention::CausalSelfAttention;
use backprop_ninja::layers::linear::Linear;
use backprop_ninja::{Backprop, Solutions};
use ndarray::{Array1, Array2, Array3};

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
