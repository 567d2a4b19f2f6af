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

/// Hands the backward passes of the registry's list
/// ([`registry_list!`](crate::registry_list)), the entries that have one,
/// to `next` (`declare_backprop`, `implement_backprop` or
/// `declare_backprop_table`), each as `fn method(signature) =
/// module::function;`.
#[doc(hidden)]
#[macro_export]
macro_rules! backward_passes {
    (($next:ident $($args:tt)*) $(
        $variant:ident $(($payload:path))? => {
            id: $id:literal,
            chapter: $chapter:ident,
            $(file: $file:literal, function: $function:literal,)?
            $(backward:
                $(#[$doc:meta])*
                fn $method:ident $(<$($g:ident: $bound:path),+>)? ($($param:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
                    = $module:ident :: $func:ident;
            )?
            needed_by: [$($model:ident),* $(,)?],
            graded_by: $($case:ident)::+ ($($arg:expr),* $(,)?),
            $(twin: $twin:ident,)?
            hints: [$($hint:literal),+ $(,)?],
        },
    )*) => {
        $crate::$next! { ($($args)*) $($(
            $(#[$doc])*
            fn $method $(<$($g: $bound),+>)? ($($param: $ty),*) $(-> $ret)? = $module::$func;
        )?)* }
    };
}

/// Declares [`Backprop`] from the list.
#[doc(hidden)]
#[macro_export]
macro_rules! declare_backprop {
    (() $(
        $(#[$doc:meta])*
        fn $method:ident $(<$($g:ident: $bound:path),+>)? ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
            = $module:ident :: $function:ident;
    )*) => {
        /// Every backward pass of the course, each a plain function of its inputs.
        pub trait Backprop {
            /// `"solutions"` or `"exercises"`.
            const NAME: &'static str;
            /// The exercise modules this build replaced by the reference
            /// because they do not compile (`watch` asks for it, see the
            /// learner's crate's `build.rs`): none but for the learner's.
            fn skipped() -> Vec<&'static str> {
                Vec::new()
            }
            $(
                $(#[$doc])*
                fn $method $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)?;
            )*
        }
    };
}

/// Implements [`Backprop`] for a type from the list, calling
/// `module::function` for each entry, where `implement_backprop!(Type,
/// "name")` is invoked (the modules `micrograd`, `linear`, ... must be in
/// scope there). `implement_backprop!(Type, "name", skipped)` takes
/// `Backprop::skipped` from the function `skipped` in scope.
#[doc(hidden)]
#[macro_export]
macro_rules! implement_backprop {
    ($ty:ident, $name:literal) => {
        $crate::registry_list!(backward_passes implement_backprop $ty $name);
    };
    ($ty:ident, $name:literal, $skipped:ident) => {
        $crate::registry_list!(backward_passes implement_backprop $ty $name $skipped);
    };
    (($ty:ident $name:literal $($skipped:ident)?) $(
        $(#[$doc:meta])*
        fn $method:ident $(<$($g:ident: $bound:path),+>)? ($($arg:ident: $ty_:ty),* $(,)?) $(-> $ret:ty)?
            = $module:ident :: $function:ident;
    )*) => {
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
                    fn $method $(<$($g: $bound),+>)? ($($arg: $ty_),*) $(-> $ret)? {
                        $module::$function $(::<$($g),+>)? ($($arg),*)
                    }
                )*
            }
        };
    };
}

/// Declares `BackpropTable` from the list: one field per backward pass, a
/// function pointer at the types the grader uses, and `of::<B>()`, which
/// fills it from `B`. Invoked in `crate::grade::table`, where the generic
/// parameters of the signatures (`F`, `D`, `L`) are type aliases for those
/// types.
#[doc(hidden)]
#[macro_export]
macro_rules! declare_backprop_table {
    (() $(
        $(#[$doc:meta])*
        fn $method:ident $(<$($g:ident: $bound:path),+>)? ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
            = $module:ident :: $function:ident;
    )*) => {
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
                $(#[$doc])*
                pub $method: fn($($ty),*) $(-> $ret)?,
            )*
        }

        impl BackpropTable {
            /// `B`'s backward passes.
            pub const fn of<B: Backprop>() -> Self {
                BackpropTable {
                    name: B::NAME,
                    skipped: B::skipped,
                    $($method: B::$method $(::<$($g),+>)?,)*
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
crate::registry_list!(backward_passes declare_backprop);
