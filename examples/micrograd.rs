//! The first lecture's expressions on the scalar engine: build, backward,
//! and print each graph with every node's value and gradient.
//!
//! ```sh
//! cargo run --example micrograd
//! ```

use backprop_ninja::course::micrograd::Graph;
use backprop_ninja::models::micrograd_nn;
use backprop_ninja::{Result, Solutions};

fn main() -> Result<()> {
    // L = (a·b + c)·f
    let mut g = Graph::new();
    let a = g.named(2.0, "a");
    let b = g.named(-3.0, "b");
    let c = g.named(10.0, "c");
    let e = g.mul(a, b);
    g.label(e, "e");
    let d = g.add(e, c);
    g.label(d, "d");
    let f = g.named(-2.0, "f");
    let l = g.mul(d, f);
    g.label(l, "L");
    g.backward::<Solutions>(l);
    println!("L = (a*b + c)*f\n{}", g.render(l));

    // The lecture's neuron: o = tanh(x1·w1 + x2·w2 + b)
    let mut g = Graph::new();
    let x1 = g.named(2.0, "x1");
    let x2 = g.named(0.0, "x2");
    let w1 = g.named(-3.0, "w1");
    let w2 = g.named(1.0, "w2");
    let b = g.named(6.881_373_587_019_543, "b");
    let x1w1 = g.mul(x1, w1);
    g.label(x1w1, "x1*w1");
    let x2w2 = g.mul(x2, w2);
    g.label(x2w2, "x2*w2");
    let sum = g.add(x1w1, x2w2);
    g.label(sum, "x1w1x2w2");
    let n = g.add(sum, b);
    g.label(n, "n");
    let o = g.tanh(n);
    g.label(o, "o");
    g.backward::<Solutions>(o);
    println!("o = tanh(x1*w1 + x2*w2 + b)\n{}", g.render(o));

    // The lecture's MLP(3, [4, 4, 1]) on its four examples.
    let (losses, ypred) = micrograd_nn::train_toy::<Solutions>(100, 0.1, 1)?;
    println!(
        "MLP(3, [4, 4, 1]), 100 steps of SGD: loss {:.4} -> {:.6}",
        losses[0],
        losses[losses.len() - 1]
    );
    println!(
        "predictions {:?} for targets {:?}",
        ypred
            .iter()
            .map(|y| (y * 1e4).round() / 1e4)
            .collect::<Vec<_>>(),
        micrograd_nn::TOY_YS
    );
    Ok(())
}
