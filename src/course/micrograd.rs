//! # micrograd: a scalar autograd engine (where the course starts)
//!
//! The engine of the course's first lecture, *"The spelled-out intro to
//! neural networks and backpropagation: building micrograd"*: every number
//! is a node that remembers which operation made it and from which inputs,
//! and `backward()` walks that graph from the output back to the leaves,
//! applying the chain rule one operation at a time.
//!
//! ```text
//! a = 2, b = -3, c = 10, f = -2
//! e = a * b;  d = e + c;  L = d * f          L = -8, dL/da = 6, dL/db = -4
//! ```
//!
//! ## The Rust way: an arena
//!
//! Python's `Value` holds references to its children and a `_backward`
//! closure. Here every node lives in one [`Graph`] (a `Vec`), a [`Value`] is
//! just its index, and each node records its [`Op`] with the indices of its
//! inputs. No reference counting, no closures, no `unsafe`; a node's inputs
//! always have smaller indices than the node.
//!
//! ## The exercises
//!
//! Each operation's *local* backward step (`+=` its inputs' gradients, given
//! the gradient of its output) is an exercise in `exercises/micrograd.rs`,
//! graded against finite differences like every other; the answers, with
//! derivations, are in `solutions/micrograd.rs`. The operations are `add`,
//! `mul`, `pow` (by a constant), `exp`, `tanh`, `relu` and `log` (`log` is
//! not in the lecture: the cross-entropy of exercise 1 needs it, see
//! [`crate::grade::scalar_check`]). `neg`, `sub` and `div` are derived from them, as
//! in the lecture, so they need no backward of their own.
//!
//! Like `f64` arithmetic, the operations never fail: `log` of a
//! non-positive number is NaN or -inf, and so is its gradient.

use std::fmt::Write;

use crate::backprop::Backprop;
/// The operations with a backward step of their own, one exercise each: the
/// registry's data, named here too.
pub use crate::registry::OpKind;

/// A node of a [`Graph`]: its index. Cheap to copy; meaningful only in the
/// graph that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(pub usize);

/// How a node was made, with its inputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// A number given from outside: an input or a parameter.
    Leaf,
    Add(Value, Value),
    Mul(Value, Value),
    /// `a^k` with a constant exponent `k`.
    Pow(Value, f64),
    Exp(Value),
    Tanh(Value),
    Relu(Value),
    /// The natural logarithm.
    Log(Value),
}

impl Op {
    /// The nodes this one was computed from.
    pub fn inputs(self) -> Vec<Value> {
        match self {
            Op::Leaf => vec![],
            Op::Add(a, b) | Op::Mul(a, b) => vec![a, b],
            Op::Pow(a, _) | Op::Exp(a) | Op::Tanh(a) | Op::Relu(a) | Op::Log(a) => vec![a],
        }
    }

    /// Which kind of operation, without its inputs.
    pub fn kind(self) -> Option<OpKind> {
        Some(match self {
            Op::Leaf => return None,
            Op::Add(..) => OpKind::Add,
            Op::Mul(..) => OpKind::Mul,
            Op::Pow(..) => OpKind::Pow,
            Op::Exp(_) => OpKind::Exp,
            Op::Tanh(_) => OpKind::Tanh,
            Op::Relu(_) => OpKind::Relu,
            Op::Log(_) => OpKind::Log,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Node {
    data: f64,
    grad: f64,
    op: Op,
    label: Option<String>,
}

/// Every node of a computation, in the order it was made (which is a
/// topological order: inputs first).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    nodes: Vec<Node>,
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    fn push(&mut self, data: f64, op: Op) -> Value {
        self.nodes.push(Node {
            data,
            grad: 0.0,
            op,
            label: None,
        });
        Value(self.nodes.len() - 1)
    }

    /// A number from outside (an input, a parameter, a constant).
    pub fn leaf(&mut self, data: f64) -> Value {
        self.push(data, Op::Leaf)
    }

    /// A leaf with a name, as the lecture labels `a`, `b`, `c`.
    pub fn named(&mut self, data: f64, label: &str) -> Value {
        let v = self.leaf(data);
        self.label(v, label)
    }

    /// Names `v` (for [`Graph::render`]) and returns it.
    pub fn label(&mut self, v: Value, label: &str) -> Value {
        self.nodes[v.0].label = Some(label.to_string());
        v
    }

    /// The value of `v`.
    pub fn data(&self, v: Value) -> f64 {
        self.nodes[v.0].data
    }

    /// `dL/dv` after [`Graph::backward`] of some `L`.
    pub fn grad(&self, v: Value) -> f64 {
        self.nodes[v.0].grad
    }

    /// Changes a leaf's value: how gradient descent updates a parameter.
    pub fn set_data(&mut self, v: Value, data: f64) {
        self.nodes[v.0].data = data;
    }

    /// How `v` was made.
    pub fn op(&self, v: Value) -> Op {
        self.nodes[v.0].op
    }

    /// How many nodes there are.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Forgets every node made after the first `len`: a training loop keeps
    /// its parameters (made first) and drops last step's computation.
    pub fn truncate(&mut self, len: usize) {
        self.nodes.truncate(len);
    }

    /// Sets the gradient of each of `values` to 0. Gradients accumulate, so
    /// a training step must start with this (forgetting it is the lecture's
    /// famous bug).
    pub fn zero_grad(&mut self, values: &[Value]) {
        for v in values {
            self.nodes[v.0].grad = 0.0;
        }
    }

    pub fn add(&mut self, a: Value, b: Value) -> Value {
        self.push(self.data(a) + self.data(b), Op::Add(a, b))
    }

    pub fn mul(&mut self, a: Value, b: Value) -> Value {
        self.push(self.data(a) * self.data(b), Op::Mul(a, b))
    }

    /// `a^k` for a constant `k`.
    pub fn pow(&mut self, a: Value, k: f64) -> Value {
        self.push(self.data(a).powf(k), Op::Pow(a, k))
    }

    pub fn exp(&mut self, a: Value) -> Value {
        self.push(self.data(a).exp(), Op::Exp(a))
    }

    pub fn tanh(&mut self, a: Value) -> Value {
        self.push(self.data(a).tanh(), Op::Tanh(a))
    }

    pub fn relu(&mut self, a: Value) -> Value {
        self.push(self.data(a).max(0.0), Op::Relu(a))
    }

    /// The natural logarithm.
    pub fn log(&mut self, a: Value) -> Value {
        self.push(self.data(a).ln(), Op::Log(a))
    }

    /// `-a = a · (-1)`: a constant leaf and a `mul`.
    pub fn neg(&mut self, a: Value) -> Value {
        let minus_one = self.leaf(-1.0);
        self.mul(a, minus_one)
    }

    /// `a - b = a + (-b)`.
    pub fn sub(&mut self, a: Value, b: Value) -> Value {
        let minus_b = self.neg(b);
        self.add(a, minus_b)
    }

    /// `a / b = a · b^-1`.
    pub fn div(&mut self, a: Value, b: Value) -> Value {
        let inv = self.pow(b, -1.0);
        self.mul(a, inv)
    }

    /// `a + k` for a constant `k` (a leaf and an `add`).
    pub fn add_const(&mut self, a: Value, k: f64) -> Value {
        let k = self.leaf(k);
        self.add(a, k)
    }

    /// `a · k` for a constant `k` (a leaf and a `mul`).
    pub fn mul_const(&mut self, a: Value, k: f64) -> Value {
        let k = self.leaf(k);
        self.mul(a, k)
    }

    /// `values[0] + values[1] + ...`, a chain of `add`s; `0` if empty.
    pub fn sum(&mut self, values: &[Value]) -> Value {
        match values.split_first() {
            None => self.leaf(0.0),
            Some((&first, rest)) => rest.iter().fold(first, |acc, &v| self.add(acc, v)),
        }
    }

    /// `Σ_i a[i] · b[i]`, the dot product of two equally long lists.
    pub fn dot(&mut self, a: &[Value], b: &[Value]) -> Value {
        let products: Vec<Value> = a.iter().zip(b).map(|(&x, &y)| self.mul(x, y)).collect();
        self.sum(&products)
    }

    /// Every node `root` depends on, inputs before the nodes made from
    /// them: the lecture's `build_topo`, without recursion so that a deep
    /// graph cannot overflow the stack.
    pub fn topo(&self, root: Value) -> Vec<Value> {
        let mut visited = vec![false; self.nodes.len()];
        let mut order = vec![];
        let mut stack = vec![(root, false)];
        while let Some((v, children_done)) = stack.pop() {
            if children_done {
                order.push(v);
                continue;
            }
            if visited[v.0] {
                continue;
            }
            visited[v.0] = true;
            stack.push((v, true));
            // Reversed, so that the first input comes out first.
            for input in self.op(v).inputs().into_iter().rev() {
                if !visited[input.0] {
                    stack.push((input, false));
                }
            }
        }
        order
    }

    /// Backpropagation from `root` with `B`'s local steps (`Solutions` for
    /// the reference, `Exercises` for yours): sets `dL/droot = 1` and adds
    /// every other node's `dL/dnode` to its grad.
    pub fn backward<B: Backprop>(&mut self, root: Value) {
        let order = self.topo(root);
        self.nodes[root.0].grad = 1.0;
        for &v in order.iter().rev() {
            self.local_backward::<B>(v);
        }
    }

    /// One node's step of the chain rule: hands its gradient to its inputs.
    fn local_backward<B: Backprop>(&mut self, v: Value) {
        let Node {
            data: out,
            grad: dout,
            op,
            ..
        } = self.nodes[v.0].clone();
        match op {
            Op::Leaf => {}
            Op::Add(a, b) => self.binary(a, b, |da, db| B::micrograd_add_backward(da, db, dout)),
            Op::Mul(a, b) => {
                let (x, y) = (self.data(a), self.data(b));
                self.binary(a, b, |da, db| B::micrograd_mul_backward(da, db, dout, x, y));
            }
            Op::Pow(a, k) => {
                let x = self.data(a);
                B::micrograd_pow_backward(&mut self.nodes[a.0].grad, dout, x, k);
            }
            Op::Exp(a) => B::micrograd_exp_backward(&mut self.nodes[a.0].grad, dout, out),
            Op::Tanh(a) => B::micrograd_tanh_backward(&mut self.nodes[a.0].grad, dout, out),
            Op::Relu(a) => B::micrograd_relu_backward(&mut self.nodes[a.0].grad, dout, out),
            Op::Log(a) => {
                let x = self.data(a);
                B::micrograd_log_backward(&mut self.nodes[a.0].grad, dout, x);
            }
        }
    }

    /// Runs a two-input step on the inputs' gradients. `a + a` hands both
    /// roles to one node: it gets a scratch gradient for the second role
    /// and both contributions are added, as the lecture's `+=` fix intends.
    fn binary(&mut self, a: Value, b: Value, step: impl FnOnce(&mut f64, &mut f64)) {
        if a == b {
            let (mut da, mut db) = (self.grad(a), 0.0);
            step(&mut da, &mut db);
            self.nodes[a.0].grad = da + db;
        } else {
            let (mut da, mut db) = (self.grad(a), self.grad(b));
            step(&mut da, &mut db);
            self.nodes[a.0].grad = da;
            self.nodes[b.0].grad = db;
        }
    }

    /// A node's name: its label, or `v<index>`.
    pub fn name(&self, v: Value) -> String {
        match &self.nodes[v.0].label {
            Some(label) => label.clone(),
            None => format!("v{}", v.0),
        }
    }

    /// The expression that made `v`, in terms of its inputs' names.
    fn expression(&self, v: Value) -> String {
        let n = |x: Value| self.name(x);
        match self.op(v) {
            Op::Leaf => "leaf".into(),
            Op::Add(a, b) => format!("{} + {}", n(a), n(b)),
            Op::Mul(a, b) => format!("{} * {}", n(a), n(b)),
            Op::Pow(a, k) => format!("{} ^ {k}", n(a)),
            Op::Exp(a) => format!("exp({})", n(a)),
            Op::Tanh(a) => format!("tanh({})", n(a)),
            Op::Relu(a) => format!("relu({})", n(a)),
            Op::Log(a) => format!("log({})", n(a)),
        }
    }

    /// The graph of `root`, one node per line, inputs first: what the
    /// lecture's `draw_dot` shows, as text.
    ///
    /// ```text
    ///        e = a * b                data   -6.0000  grad   -2.0000
    /// ```
    pub fn render(&self, root: Value) -> String {
        let mut out = String::new();
        for v in self.topo(root) {
            let lhs = format!("{:>8} = {}", self.name(v), self.expression(v));
            writeln!(
                out,
                "{lhs:<28} data {:>9.4}  grad {:>9.4}",
                self.data(v),
                self.grad(v)
            )
            .expect("writing to a String");
        }
        out
    }
}
