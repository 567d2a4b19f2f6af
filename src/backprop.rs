//! # Every backward pass a learner writes: the `Backprop` trait
//!
//! [`Backprop`] names each backward pass once, with its signature. Two types
//! implement it: [`crate::solutions::Solutions`], the reference, and
//! `exercises::Exercises`, yours (the learner's crate, `exercises/`). The trait and both
//! implementations are generated from the registry's one list
//! ([`crate::registry`]), whose entry for each exercise carries the
//! signature and the function that implements it, `module::function` in
//! `solutions/` and `exercises/` alike, so the compiler refuses a function
//! that is missing on one side or has another signature. The `check`
//! command and the trainer are generic over `B: Backprop`, which is how
//! `--impl exercises` trains with your code and the default trains with the
//! reference, through the very same functions. The grader takes `B`'s
//! backward passes as a table of function pointers
//! ([`crate::grade::table::BackpropTable`], from the same list), so that it
//! is compiled once however many implementations it grades.
//!
//! How to add an exercise: see `docs/MAINTAINING.md#adding-an-exercise`.
#![allow(non_snake_case)] // the lecture's names: dC, dW1, ...

/// Declares [`Backprop`] from the registry's backward passes (the records
/// of [`registry_entries!`](crate::registry_entries)).
#[doc(hidden)]
#[macro_export]
macro_rules! declare_backprop {
    (() entries: $entries:tt passes: [$({
        doc: { $($doc:tt)* }
        sig: { $($sig:tt)* }
        method: $method:ident
        call: { $($call:tt)* }
        pointer: { $($pointer:tt)* }
        instance: { $($instance:tt)* }
    })*]) => {
        /// Every backward pass of the course, each a plain function of its inputs.
        pub trait Backprop {
            /// `"solutions"` or `"exercises"`.
            const NAME: &'static str;
            /// The exercise modules this build replaced by the reference
            /// because they do not compile (`watch` asks for it, see
            /// `build.rs`): none but for the learner's.
            fn skipped() -> Vec<&'static str> {
                Vec::new()
            }
            $(
                $($doc)*
                $($sig)*;
            )*
        }
    };
}

/// Implements [`Backprop`] for a type from the registry, calling
/// `module::function` for each backward pass, where `implement_backprop!(Type,
/// "name")` is invoked (the modules `micrograd`, `linear`, ... must be in
/// scope there). `implement_backprop!(Type, "name", skipped)` takes
/// `Backprop::skipped` from the function `skipped` in scope.
#[doc(hidden)]
#[macro_export]
macro_rules! implement_backprop {
    ($ty:ident, $name:literal $(, $skipped:ident)?) => {
        $crate::registry_list!(implement_backprop $ty $name $($skipped)?);
    };
    (($ty:ident $name:literal $($skipped:ident)?) entries: $entries:tt passes: [$({
        doc: { $($doc:tt)* }
        sig: { $($sig:tt)* }
        method: $method:ident
        call: { $($call:tt)* }
        pointer: { $($pointer:tt)* }
        instance: { $($instance:tt)* }
    })*]) => {
        const _: () = {
            $crate::signature_types!();
            use $crate::backprop::Backprop;
            #[allow(non_snake_case)] // the lecture's names: dW, W, ...
            impl $crate::backprop::Backprop for $ty {
                const NAME: &'static str = $name;
                $(
                    fn skipped() -> Vec<&'static str> {
                        $skipped()
                    }
                )?
                $(
                    $($sig)* {
                        $($call)*
                    }
                )*
            }
        };
    };
}

/// Declares `BackpropTable` from the registry's backward passes: one field
/// per backward pass, a function pointer at the types the grader uses, and
/// `of::<B>()`, which fills it from `B`. Invoked in `crate::grade::table`,
/// where the generic parameters of the signatures (`F`, `D`, `L`) are type
/// aliases for those types.
#[doc(hidden)]
#[macro_export]
macro_rules! declare_backprop_table {
    (() entries: $entries:tt passes: [$({
        doc: { $($doc:tt)* }
        sig: { $($sig:tt)* }
        method: $method:ident
        call: { $($call:tt)* }
        pointer: { $($pointer:tt)* }
        instance: { $($instance:tt)* }
    })*]) => {
        /// One implementation's backward passes as plain function pointers,
        /// at the grader's types: what a grading case calls.
        #[allow(non_snake_case)] // the lecture's names: dC, dW1, ...
        #[derive(Clone, Copy)]
        pub struct BackpropTable {
            /// `B::NAME`: `"solutions"`, `"exercises"`, ...
            pub name: &'static str,
            /// `B::skipped`: the exercise modules replaced by the reference.
            pub skipped: fn() -> Vec<&'static str>,
            $(
                $($doc)*
                pub $method: $($pointer)*,
            )*
        }

        impl BackpropTable {
            /// `B`'s backward passes.
            pub const fn of<B: Backprop>() -> Self {
                BackpropTable {
                    name: B::NAME,
                    skipped: B::skipped,
                    $($method: B::$method $($instance)*,)*
                }
            }
        }
    };
}

/// The types the signatures name, in scope wherever the list expands.
#[doc(hidden)]
#[macro_export]
macro_rules! signature_types {
    () => {
        #[allow(unused_imports)]
        use ::ndarray::{Array1, Array2, Array3, ArrayRef, ArrayRef2, ArrayRef3, Dimension};
        #[allow(unused_imports)]
        use $crate::course::bigram::{Bigrams, NeuralForward};
        #[allow(unused_imports)]
        use $crate::course::step_by_step::Forward;
        #[allow(unused_imports)]
        use $crate::float::Float;
        #[allow(unused_imports)]
        use $crate::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
        #[allow(unused_imports)]
        use $crate::layers::cross_entropy::CrossEntropyCache;
        #[allow(unused_imports)]
        use $crate::layers::embedding::EmbeddingGrads;
        #[allow(unused_imports)]
        use $crate::layers::flatten_consecutive::FlattenConsecutive;
        #[allow(unused_imports)]
        use $crate::layers::linear::{Linear, LinearGrads};
        #[allow(unused_imports)]
        use $crate::layers::sequential::{LayerGrads, Sequential, SequentialCache};
    };
}
signature_types!();
crate::registry_list!(declare_backprop);
