//! # Named parameters: one walk per layer
//!
//! Every layer and model with parameters lists them once, by name and in
//! one order, with the gradient that belongs to each (in the spirit of
//! PyTorch's `named_parameters()`). The list is written with
//! `named_params!`, which generates from it every walk the crate needs:
//! over the parameters, over the gradients, over both together (the
//! optimisers' steps), and over the buffers (BatchNorm's running
//! statistics, which a checkpoint keeps but no optimiser touches).
//!
//! Names compose by nesting: the GPT's `transformer` holds `h`, a list of
//! blocks, whose block 0 holds `attn`, which holds `c_attn`, which holds
//! `weight`: `transformer.h.0.attn.c_attn.weight`. A walk builds the names
//! in a [`ParamPath`], one reusable buffer; the optimisers' steps walk with an
//! unnamed path, which builds nothing and allocates nothing.
//!
//! Because each parameter is matched with its gradient by the structure
//! itself (a Linear's `w` with its `dw`), and optimiser state is matched by
//! name and shape ([`crate::models::adamw::AdamWState::check`]), a step can
//! never pair a parameter with another parameter's gradient or moment.

use std::fmt::Write;

use ndarray::{Array, ArrayD, ArrayViewD, ArrayViewMutD, Dimension};

use crate::error::{Error, Result};
use crate::float::Float;

/// The name of the tensor a walk is at, built in one reusable buffer.
#[derive(Clone, Debug, Default)]
pub struct ParamPath {
    buf: String,
    named: bool,
}

impl ParamPath {
    /// A path that builds names (for checkpoints, exports, messages).
    pub fn named() -> ParamPath {
        ParamPath {
            buf: String::with_capacity(64),
            named: true,
        }
    }

    /// A path that builds nothing: every name is `""` (for the steps).
    pub fn unnamed() -> ParamPath {
        ParamPath::default()
    }

    /// The name so far, segments joined by `.`.
    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// Appends `segment` (nothing if it is empty); returns what
    /// [`ParamPath::pop`] takes to undo it.
    pub fn push(&mut self, segment: &str) -> usize {
        let len = self.buf.len();
        if self.named && !segment.is_empty() {
            if len > 0 {
                self.buf.push('.');
            }
            self.buf.push_str(segment);
        }
        len
    }

    /// Appends the index of an element of a list.
    pub fn push_index(&mut self, i: usize) -> usize {
        let len = self.buf.len();
        if self.named {
            if len > 0 {
                self.buf.push('.');
            }
            write!(self.buf, "{i}").expect("writing to a String");
        }
        len
    }

    /// Back to the length [`ParamPath::push`] returned.
    pub fn pop(&mut self, len: usize) {
        self.buf.truncate(len);
    }
}

/// Called with each tensor's name and a view of it.
pub type Visit<'f, 'a, F> = &'f mut dyn FnMut(&str, ArrayViewD<'a, F>);
/// Called with each tensor's name and a writable view of it.
pub type VisitMut<'f, 'a, F> = &'f mut dyn FnMut(&str, ArrayViewMutD<'a, F>);
/// Called with each parameter's name, the parameter and its gradient.
pub type VisitPair<'f, 'a, 'b, F> =
    &'f mut dyn FnMut(&str, ArrayViewMutD<'a, F>, ArrayViewD<'b, F>);
/// The same, the gradient writable too.
pub type VisitPairMut<'f, 'a, 'b, F> =
    &'f mut dyn FnMut(&str, ArrayViewMutD<'a, F>, ArrayViewMutD<'b, F>);

/// A tensor's name and a view of it.
pub type Named<'a, F> = (String, ArrayViewD<'a, F>);
/// A tensor's name and a writable view of it.
pub type NamedMut<'a, F> = (String, ArrayViewMutD<'a, F>);

/// A layer or a model with parameters, each walked in one order, by name,
/// with its gradient. Implemented with `named_params!`: do not write the
/// walks by hand.
pub trait NamedParams<F: Float> {
    /// The gradients, in the same structure.
    type Grads;

    /// Each parameter.
    fn walk<'a>(&'a self, path: &mut ParamPath, f: Visit<'_, 'a, F>);
    /// Each parameter, writable.
    fn walk_mut<'a>(&'a mut self, path: &mut ParamPath, f: VisitMut<'_, 'a, F>);
    /// Each gradient, named after its parameter.
    ///
    /// # Panics
    /// If `grads` are another model's.
    fn walk_grads<'b>(&self, grads: &'b Self::Grads, path: &mut ParamPath, f: Visit<'_, 'b, F>);
    /// Each gradient, writable.
    fn walk_grads_mut<'b>(
        &self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitMut<'_, 'b, F>,
    );
    /// Each parameter, writable, with its gradient.
    fn walk_zip<'a, 'b>(
        &'a mut self,
        grads: &'b Self::Grads,
        path: &mut ParamPath,
        f: VisitPair<'_, 'a, 'b, F>,
    );
    /// Each parameter with its gradient, both writable.
    fn walk_zip_mut<'a, 'b>(
        &'a mut self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitPairMut<'_, 'a, 'b, F>,
    );
    /// Each buffer: a tensor the model keeps that no optimiser updates
    /// (BatchNorm's running statistics).
    fn walk_buffers<'a>(&'a self, path: &mut ParamPath, f: Visit<'_, 'a, F>);
    /// Each buffer, writable.
    fn walk_buffers_mut<'a>(&'a mut self, path: &mut ParamPath, f: VisitMut<'_, 'a, F>);

    // ---- built on the walks ----

    /// Every parameter, named, in the walk's order.
    fn named_params(&self) -> Vec<Named<'_, F>> {
        let mut out = vec![];
        self.walk(&mut ParamPath::named(), &mut |n, p| {
            out.push((n.to_string(), p))
        });
        out
    }

    /// Every parameter, named and writable.
    fn named_params_mut(&mut self) -> Vec<NamedMut<'_, F>> {
        let mut out = vec![];
        self.walk_mut(&mut ParamPath::named(), &mut |n, p| {
            out.push((n.to_string(), p))
        });
        out
    }

    /// Every gradient, named after its parameter.
    fn named_grads<'b>(&self, grads: &'b Self::Grads) -> Vec<Named<'b, F>> {
        let mut out = vec![];
        self.walk_grads(grads, &mut ParamPath::named(), &mut |n, g| {
            out.push((n.to_string(), g))
        });
        out
    }

    /// Every gradient, named and writable.
    fn named_grads_mut<'b>(&self, grads: &'b mut Self::Grads) -> Vec<NamedMut<'b, F>> {
        let mut out = vec![];
        self.walk_grads_mut(grads, &mut ParamPath::named(), &mut |n, g| {
            out.push((n.to_string(), g))
        });
        out
    }

    /// Every buffer, named.
    fn named_buffers(&self) -> Vec<Named<'_, F>> {
        let mut out = vec![];
        self.walk_buffers(&mut ParamPath::named(), &mut |n, b| {
            out.push((n.to_string(), b))
        });
        out
    }

    /// Every buffer, named and writable.
    fn named_buffers_mut(&mut self) -> Vec<NamedMut<'_, F>> {
        let mut out = vec![];
        self.walk_buffers_mut(&mut ParamPath::named(), &mut |n, b| {
            out.push((n.to_string(), b))
        });
        out
    }

    /// Each parameter's name and shape, in the walk's order.
    fn param_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let mut out = vec![];
        self.walk(&mut ParamPath::named(), &mut |n, p| {
            out.push((n.to_string(), p.shape().to_vec()))
        });
        out
    }

    /// How many numbers the model learns (buffers are not counted).
    fn num_params(&self) -> usize {
        let mut n = 0;
        self.walk(&mut ParamPath::unnamed(), &mut |_, p| n += p.len());
        n
    }

    /// Sets the parameter `name` to `value`, or says why not.
    fn set_param(&mut self, name: &str, value: &ArrayD<F>) -> Result<()> {
        let mut result = Err(Error::Config(format!("no parameter is named {name}")));
        self.walk_mut(&mut ParamPath::named(), &mut |n, p| {
            if n == name {
                result = assign(name, p, value);
            }
        });
        result
    }

    /// Every gradient to zero, allocating nothing.
    fn zero_grads_in(&self, grads: &mut Self::Grads) {
        self.walk_grads_mut(grads, &mut ParamPath::unnamed(), &mut |_, g| zero(g));
    }

    /// PyTorch's `clip_grad_norm_(parameters, max_norm)`: the norm of all
    /// the gradients together, `‖g‖ = √(Σ g²)`; if it is above `max_norm`,
    /// every gradient is scaled by `max_norm / (‖g‖ + 1e-6)`. Returns `‖g‖`
    /// before clipping. Allocates nothing.
    fn clip_grad_norm(&self, grads: &mut Self::Grads, max_norm: f64) -> f64 {
        let mut sum = 0.0f64;
        self.walk_grads_mut(grads, &mut ParamPath::unnamed(), &mut |_, g| {
            sum += sum_of_squares(g)
        });
        let norm = sum.sqrt();
        let coef = max_norm / (norm + 1e-6);
        if coef < 1.0 {
            let coef = F::lit(coef);
            self.walk_grads_mut(grads, &mut ParamPath::unnamed(), &mut |_, g| scale(g, coef));
        }
        norm
    }

    /// Gradient descent: `p -= lr · dp` for every parameter, and the
    /// gradients back to zero, in one pass, allocating nothing.
    fn sgd_step(&mut self, grads: &mut Self::Grads, lr: F) {
        self.walk_zip_mut(grads, &mut ParamPath::unnamed(), &mut |_, p, g| {
            sgd_update(p, g, lr)
        });
    }
}

// The walks' work on one tensor, generic over `F` alone: compiled once per
// float type, not once per model.

/// `p = value`, if the shapes agree.
fn assign<F: Float>(name: &str, mut p: ArrayViewMutD<'_, F>, value: &ArrayD<F>) -> Result<()> {
    if p.shape() == value.shape() {
        p.assign(value);
        Ok(())
    } else {
        Err(Error::Config(format!(
            "parameter {name} has shape {:?}, not {:?}",
            p.shape(),
            value.shape()
        )))
    }
}

/// `g = 0`.
fn zero<F: Float>(mut g: ArrayViewMutD<'_, F>) {
    g.fill(F::zero())
}

/// `Σ g²`.
fn sum_of_squares<F: Float>(g: ArrayViewMutD<'_, F>) -> f64 {
    g.iter().map(|&x| x.as_f64() * x.as_f64()).sum::<f64>()
}

/// `g *= coef`.
fn scale<F: Float>(mut g: ArrayViewMutD<'_, F>, coef: F) {
    g.mapv_inplace(|x| x * coef)
}

/// `p -= lr · g`, then `g = 0`.
fn sgd_update<F: Float>(mut p: ArrayViewMutD<'_, F>, mut g: ArrayViewMutD<'_, F>, lr: F) {
    match (p.as_slice_mut(), g.as_slice_mut()) {
        (Some(p), Some(g)) => {
            for (p, g) in p.iter_mut().zip(g) {
                *p -= lr * *g;
                *g = F::zero();
            }
        }
        _ => {
            p.zip_mut_with(&g, |p, &g| *p -= lr * g);
            g.fill(F::zero());
        }
    }
}

#[cold]
#[track_caller]
pub(crate) fn mismatch(path: &ParamPath) -> ! {
    panic!(
        "gradients of another model (at {:?}): a model's walks pair each parameter with its own gradient only",
        path.as_str()
    )
}

/// A tensor is a parameter of its own: its walk is itself.
impl<F: Float, D: Dimension> NamedParams<F> for Array<F, D> {
    type Grads = Array<F, D>;

    fn walk<'a>(&'a self, path: &mut ParamPath, f: Visit<'_, 'a, F>) {
        f(path.as_str(), self.view().into_dyn())
    }
    fn walk_mut<'a>(&'a mut self, path: &mut ParamPath, f: VisitMut<'_, 'a, F>) {
        f(path.as_str(), self.view_mut().into_dyn())
    }
    fn walk_grads<'b>(&self, grads: &'b Self::Grads, path: &mut ParamPath, f: Visit<'_, 'b, F>) {
        f(path.as_str(), grads.view().into_dyn())
    }
    fn walk_grads_mut<'b>(
        &self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitMut<'_, 'b, F>,
    ) {
        f(path.as_str(), grads.view_mut().into_dyn())
    }
    fn walk_zip<'a, 'b>(
        &'a mut self,
        grads: &'b Self::Grads,
        path: &mut ParamPath,
        f: VisitPair<'_, 'a, 'b, F>,
    ) {
        f(
            path.as_str(),
            self.view_mut().into_dyn(),
            grads.view().into_dyn(),
        )
    }
    fn walk_zip_mut<'a, 'b>(
        &'a mut self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitPairMut<'_, 'a, 'b, F>,
    ) {
        f(
            path.as_str(),
            self.view_mut().into_dyn(),
            grads.view_mut().into_dyn(),
        )
    }
    fn walk_buffers<'a>(&'a self, _: &mut ParamPath, _: Visit<'_, 'a, F>) {}
    fn walk_buffers_mut<'a>(&'a mut self, _: &mut ParamPath, _: VisitMut<'_, 'a, F>) {}
}

/// An optional part (a bias, a LayerNorm): walked if present; its
/// gradients must be present exactly when it is.
impl<F: Float, T: NamedParams<F>> NamedParams<F> for Option<T> {
    type Grads = Option<T::Grads>;

    fn walk<'a>(&'a self, path: &mut ParamPath, f: Visit<'_, 'a, F>) {
        if let Some(t) = self {
            t.walk(path, f)
        }
    }
    fn walk_mut<'a>(&'a mut self, path: &mut ParamPath, f: VisitMut<'_, 'a, F>) {
        if let Some(t) = self {
            t.walk_mut(path, f)
        }
    }
    fn walk_grads<'b>(&self, grads: &'b Self::Grads, path: &mut ParamPath, f: Visit<'_, 'b, F>) {
        match (self, grads) {
            (Some(t), Some(g)) => t.walk_grads(g, path, f),
            (None, None) => {}
            _ => mismatch(path),
        }
    }
    fn walk_grads_mut<'b>(
        &self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitMut<'_, 'b, F>,
    ) {
        match (self, grads) {
            (Some(t), Some(g)) => t.walk_grads_mut(g, path, f),
            (None, None) => {}
            _ => mismatch(path),
        }
    }
    fn walk_zip<'a, 'b>(
        &'a mut self,
        grads: &'b Self::Grads,
        path: &mut ParamPath,
        f: VisitPair<'_, 'a, 'b, F>,
    ) {
        match (self, grads) {
            (Some(t), Some(g)) => t.walk_zip(g, path, f),
            (None, None) => {}
            _ => mismatch(path),
        }
    }
    fn walk_zip_mut<'a, 'b>(
        &'a mut self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitPairMut<'_, 'a, 'b, F>,
    ) {
        match (self, grads) {
            (Some(t), Some(g)) => t.walk_zip_mut(g, path, f),
            (None, None) => {}
            _ => mismatch(path),
        }
    }
    fn walk_buffers<'a>(&'a self, path: &mut ParamPath, f: Visit<'_, 'a, F>) {
        if let Some(t) = self {
            t.walk_buffers(path, f)
        }
    }
    fn walk_buffers_mut<'a>(&'a mut self, path: &mut ParamPath, f: VisitMut<'_, 'a, F>) {
        if let Some(t) = self {
            t.walk_buffers_mut(path, f)
        }
    }
}

/// A list of parts (the GPT's blocks, a Sequential's layers): element `i`
/// is named `i` (`h.0`, `h.1`, …).
impl<F: Float, T: NamedParams<F>> NamedParams<F> for Vec<T> {
    type Grads = Vec<T::Grads>;

    fn walk<'a>(&'a self, path: &mut ParamPath, f: Visit<'_, 'a, F>) {
        for (i, t) in self.iter().enumerate() {
            let len = path.push_index(i);
            t.walk(path, f);
            path.pop(len);
        }
    }
    fn walk_mut<'a>(&'a mut self, path: &mut ParamPath, f: VisitMut<'_, 'a, F>) {
        for (i, t) in self.iter_mut().enumerate() {
            let len = path.push_index(i);
            t.walk_mut(path, f);
            path.pop(len);
        }
    }
    fn walk_grads<'b>(&self, grads: &'b Self::Grads, path: &mut ParamPath, f: Visit<'_, 'b, F>) {
        if self.len() != grads.len() {
            mismatch(path)
        }
        for (i, (t, g)) in self.iter().zip(grads).enumerate() {
            let len = path.push_index(i);
            t.walk_grads(g, path, f);
            path.pop(len);
        }
    }
    fn walk_grads_mut<'b>(
        &self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitMut<'_, 'b, F>,
    ) {
        if self.len() != grads.len() {
            mismatch(path)
        }
        for (i, (t, g)) in self.iter().zip(grads).enumerate() {
            let len = path.push_index(i);
            t.walk_grads_mut(g, path, f);
            path.pop(len);
        }
    }
    fn walk_zip<'a, 'b>(
        &'a mut self,
        grads: &'b Self::Grads,
        path: &mut ParamPath,
        f: VisitPair<'_, 'a, 'b, F>,
    ) {
        if self.len() != grads.len() {
            mismatch(path)
        }
        for (i, (t, g)) in self.iter_mut().zip(grads).enumerate() {
            let len = path.push_index(i);
            t.walk_zip(g, path, f);
            path.pop(len);
        }
    }
    fn walk_zip_mut<'a, 'b>(
        &'a mut self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitPairMut<'_, 'a, 'b, F>,
    ) {
        if self.len() != grads.len() {
            mismatch(path)
        }
        for (i, (t, g)) in self.iter_mut().zip(grads).enumerate() {
            let len = path.push_index(i);
            t.walk_zip_mut(g, path, f);
            path.pop(len);
        }
    }
    fn walk_buffers<'a>(&'a self, path: &mut ParamPath, f: Visit<'_, 'a, F>) {
        for (i, t) in self.iter().enumerate() {
            let len = path.push_index(i);
            t.walk_buffers(path, f);
            path.pop(len);
        }
    }
    fn walk_buffers_mut<'a>(&'a mut self, path: &mut ParamPath, f: VisitMut<'_, 'a, F>) {
        for (i, t) in self.iter_mut().enumerate() {
            let len = path.push_index(i);
            t.walk_buffers_mut(path, f);
            path.pop(len);
        }
    }
}

/// Declares a type's parameters once, and implements [`NamedParams`] from the
/// list. Each arm pairs a pattern of the type with a pattern of its
/// gradients and lists, in order, `"name": part => gradient` (a part is a
/// tensor, an `Option`, a `Vec` or another [`NamedParams`]; `""` adds no name),
/// then optionally `; buffers: "name": tensor, …`:
///
/// ```ignore
/// named_params! {
///     impl<F> Linear<F> => LinearGrads<F> {
///         Linear { w, b }, LinearGrads { dw, db } => {
///             "weight": w => dw,
///             "bias": b => db,
///         }
///     }
/// }
/// ```
///
/// Bindings may be followed by fields (`emb.table => g.dtable`). An enum
/// has one arm per variant.
macro_rules! named_params {
    (
        impl<$F:ident> $P:ty => $G:ty {
            $(
                $ppat:pat, $gpat:pat => {
                    $( $name:literal : $pb:ident $(. $pf:ident)* => $gb:ident $(. $gf:ident)* ),* $(,)?
                    $( ; buffers: $( $bname:literal : $bb:ident $(. $bf:ident)* ),* $(,)? )?
                }
            )+
        }
    ) => {
        impl<$F: $crate::float::Float> $crate::layers::params::NamedParams<$F> for $P {
            type Grads = $G;

            #[allow(unused_variables)]
            fn walk<'a>(
                &'a self,
                path: &mut $crate::layers::params::ParamPath,
                f: $crate::layers::params::Visit<'_, 'a, $F>,
            ) {
                match self {
                    $( $ppat => {
                        $(
                            let len = path.push($name);
                            $crate::layers::params::NamedParams::walk(&(*$pb)$(.$pf)*, path, f);
                            path.pop(len);
                        )*
                    } )+
                }
            }

            #[allow(unused_variables)]
            fn walk_mut<'a>(
                &'a mut self,
                path: &mut $crate::layers::params::ParamPath,
                f: $crate::layers::params::VisitMut<'_, 'a, $F>,
            ) {
                match self {
                    $( $ppat => {
                        $(
                            let len = path.push($name);
                            $crate::layers::params::NamedParams::walk_mut(&mut (*$pb)$(.$pf)*, path, f);
                            path.pop(len);
                        )*
                    } )+
                }
            }

            #[allow(unused_variables, unreachable_patterns)]
            fn walk_grads<'b>(
                &self,
                grads: &'b Self::Grads,
                path: &mut $crate::layers::params::ParamPath,
                f: $crate::layers::params::Visit<'_, 'b, $F>,
            ) {
                match (self, grads) {
                    $( ($ppat, $gpat) => {
                        $(
                            let len = path.push($name);
                            $crate::layers::params::NamedParams::walk_grads(
                                &(*$pb)$(.$pf)*, &(*$gb)$(.$gf)*, path, f,
                            );
                            path.pop(len);
                        )*
                    } )+
                    _ => $crate::layers::params::mismatch(path),
                }
            }

            #[allow(unused_variables, unreachable_patterns)]
            fn walk_grads_mut<'b>(
                &self,
                grads: &'b mut Self::Grads,
                path: &mut $crate::layers::params::ParamPath,
                f: $crate::layers::params::VisitMut<'_, 'b, $F>,
            ) {
                match (self, grads) {
                    $( ($ppat, $gpat) => {
                        $(
                            let len = path.push($name);
                            $crate::layers::params::NamedParams::walk_grads_mut(
                                &(*$pb)$(.$pf)*, &mut (*$gb)$(.$gf)*, path, f,
                            );
                            path.pop(len);
                        )*
                    } )+
                    _ => $crate::layers::params::mismatch(path),
                }
            }

            #[allow(unused_variables, unreachable_patterns)]
            fn walk_zip<'a, 'b>(
                &'a mut self,
                grads: &'b Self::Grads,
                path: &mut $crate::layers::params::ParamPath,
                f: $crate::layers::params::VisitPair<'_, 'a, 'b, $F>,
            ) {
                match (self, grads) {
                    $( ($ppat, $gpat) => {
                        $(
                            let len = path.push($name);
                            $crate::layers::params::NamedParams::walk_zip(
                                &mut (*$pb)$(.$pf)*, &(*$gb)$(.$gf)*, path, f,
                            );
                            path.pop(len);
                        )*
                    } )+
                    _ => $crate::layers::params::mismatch(path),
                }
            }

            #[allow(unused_variables, unreachable_patterns)]
            fn walk_zip_mut<'a, 'b>(
                &'a mut self,
                grads: &'b mut Self::Grads,
                path: &mut $crate::layers::params::ParamPath,
                f: $crate::layers::params::VisitPairMut<'_, 'a, 'b, $F>,
            ) {
                match (self, grads) {
                    $( ($ppat, $gpat) => {
                        $(
                            let len = path.push($name);
                            $crate::layers::params::NamedParams::walk_zip_mut(
                                &mut (*$pb)$(.$pf)*, &mut (*$gb)$(.$gf)*, path, f,
                            );
                            path.pop(len);
                        )*
                    } )+
                    _ => $crate::layers::params::mismatch(path),
                }
            }

            #[allow(unused_variables)]
            fn walk_buffers<'a>(
                &'a self,
                path: &mut $crate::layers::params::ParamPath,
                f: $crate::layers::params::Visit<'_, 'a, $F>,
            ) {
                match self {
                    $( $ppat => {
                        $(
                            let len = path.push($name);
                            $crate::layers::params::NamedParams::walk_buffers(&(*$pb)$(.$pf)*, path, f);
                            path.pop(len);
                        )*
                        $( $(
                            let len = path.push($bname);
                            f(path.as_str(), (*$bb)$(.$bf)*.view().into_dyn());
                            path.pop(len);
                        )* )?
                    } )+
                }
            }

            #[allow(unused_variables)]
            fn walk_buffers_mut<'a>(
                &'a mut self,
                path: &mut $crate::layers::params::ParamPath,
                f: $crate::layers::params::VisitMut<'_, 'a, $F>,
            ) {
                match self {
                    $( $ppat => {
                        $(
                            let len = path.push($name);
                            $crate::layers::params::NamedParams::walk_buffers_mut(
                                &mut (*$pb)$(.$pf)*, path, f,
                            );
                            path.pop(len);
                        )*
                        $( $(
                            let len = path.push($bname);
                            f(path.as_str(), (*$bb)$(.$bf)*.view_mut().into_dyn());
                            path.pop(len);
                        )* )?
                    } )+
                }
            }
        }
    };
}
pub(crate) use named_params;
