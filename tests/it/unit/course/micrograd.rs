use backprop_ninja::course::micrograd::*;
use backprop_ninja::solutions::Solutions;

/// The lecture's first expression: `L = (a·b + c)·f`.
#[test]
fn the_lecture_expression_has_the_lecture_gradients() {
    let mut g = Graph::new();
    let a = g.named(2.0, "a");
    let b = g.named(-3.0, "b");
    let c = g.named(10.0, "c");
    let e = g.mul(a, b);
    let d = g.add(e, c);
    let f = g.named(-2.0, "f");
    let l = g.mul(d, f);
    g.backward::<Solutions>(l);
    assert_eq!(g.data(l), -8.0);
    let grads: Vec<f64> = [a, b, c, d, e, f].iter().map(|&v| g.grad(v)).collect();
    assert_eq!(grads, [6.0, -4.0, -2.0, -2.0, -2.0, 4.0]);
}

/// The lecture's neuron, with its bias chosen so that `o = 1/√2`.
#[test]
fn the_lecture_neuron_has_the_lecture_gradients() {
    let mut g = Graph::new();
    let (x1, x2) = (g.leaf(2.0), g.leaf(0.0));
    let (w1, w2) = (g.leaf(-3.0), g.leaf(1.0));
    let b = g.leaf(6.881_373_587_019_543);
    let n = g.dot(&[x1, x2], &[w1, w2]);
    let n = g.add(n, b);
    let o = g.tanh(n);
    g.backward::<Solutions>(o);
    assert!((g.data(o) - 0.5f64.sqrt()).abs() < 1e-12);
    for (v, want) in [(x1, -1.5), (w1, 1.0), (x2, 0.5), (w2, 0.0)] {
        assert!((g.grad(v) - want).abs() < 1e-9, "{}", g.grad(v));
    }
}

/// The lecture's bug: `b = a + a` must give `db/da = 2`, not 1.
#[test]
fn a_value_used_twice_gets_both_contributions() {
    let mut g = Graph::new();
    let a = g.leaf(3.0);
    let b = g.add(a, a);
    g.backward::<Solutions>(b);
    assert_eq!(g.grad(a), 2.0);

    let mut g = Graph::new();
    let a = g.leaf(-2.0);
    let b = g.leaf(3.0);
    let d = g.mul(a, b);
    let e = g.add(a, b);
    let f = g.mul(d, e);
    g.backward::<Solutions>(f);
    // f = ab(a+b): df/da = b(a+b) + ab = 3 - 6, df/db = a(a+b) + ab = -2 - 6
    assert_eq!((g.grad(a), g.grad(b)), (-3.0, -8.0));
}

#[test]
fn neg_sub_and_div_are_made_of_the_other_operations() {
    let mut g = Graph::new();
    let a = g.leaf(6.0);
    let b = g.leaf(-4.0);
    let s = g.sub(a, b);
    let q = g.div(a, b);
    assert_eq!((g.data(s), g.data(q)), (10.0, -1.5));
    assert!(matches!(g.op(q), Op::Mul(..)));
    let l = g.add(s, q);
    g.backward::<Solutions>(l);
    // dl/da = 1 + 1/b, dl/db = -1 - a/b²
    assert_eq!((g.grad(a), g.grad(b)), (0.75, -1.375));
}

#[test]
fn backward_reaches_only_what_the_root_depends_on() {
    let mut g = Graph::new();
    let a = g.leaf(1.0);
    let unused = g.leaf(5.0);
    let e = g.exp(a);
    assert_eq!(g.topo(e), vec![a, e]);
    g.backward::<Solutions>(e);
    assert_eq!(g.grad(unused), 0.0);
    assert_eq!(g.grad(a), 1f64.exp());
}

#[test]
fn a_deep_graph_does_not_overflow_the_stack() {
    let mut g = Graph::new();
    let x = g.leaf(1.0);
    let mut y = x;
    for _ in 0..200_000 {
        y = g.mul_const(y, 1.0);
    }
    g.backward::<Solutions>(y);
    assert_eq!(g.grad(x), 1.0);
}

#[test]
fn render_prints_each_node_with_its_inputs() {
    let mut g = Graph::new();
    let a = g.named(2.0, "a");
    let b = g.named(-3.0, "b");
    let e = g.mul(a, b);
    let e = g.label(e, "e");
    let t = g.relu(e);
    g.backward::<Solutions>(t);
    let text = g.render(t);
    assert!(text.contains("e = a * b"), "{text}");
    assert!(text.contains("v3 = relu(e)"), "{text}");
    assert_eq!(text.lines().count(), 4);
}
