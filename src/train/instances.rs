//! Not a lecture's: the reference's training steps, compiled in the library
//! for the command and the tests above it, which test builds do not
//! optimise. See [`reference`].

use crate::Solutions;
use crate::models::{
    deep::Deep, dpo_policy::DpoPolicy, gpt::Gpt, mlp::Mlp, reward::RewardModel, wavenet::WaveNet,
};
use crate::train::{rlhf, train_step};

/// The reference's training step of every model the command trains, and
/// its RLHF gradients, compiled here, in the library. Test builds optimise
/// the library (`[profile.dev.package]` in Cargo.toml) but not the command
/// and the tests, and rustc lets a crate built at opt-level 0 or 1 call the
/// copy of a generic function that a dependency built at opt-level 0 or 1
/// compiled, instead of compiling its own: so `train gpt` in a test build
/// runs these optimised copies (without them, a GPT step took almost three
/// times as long). Never called. A function that the library never asks
/// for, such as [`fit`](crate::train::fit) with the command's own
/// closures, is compiled where it is called, unoptimised in a test build:
/// keep the work of a step out of such functions.
#[doc(hidden)]
#[inline(never)]
pub fn reference() -> [*const (); 7] {
    [
        train_step::<Solutions, Mlp<f32>> as *const (),
        train_step::<Solutions, WaveNet<f32>> as *const (),
        train_step::<Solutions, Gpt<f32>> as *const (),
        train_step::<Solutions, RewardModel<f32>> as *const (),
        train_step::<Solutions, DpoPolicy<f32>> as *const (),
        train_step::<Solutions, Deep> as *const (),
        rlhf::gradients::<Solutions> as *const (),
    ]
}
