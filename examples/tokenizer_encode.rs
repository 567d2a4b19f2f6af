//! Encoding speed: this crate's BPE encoder against `tiktoken-rs`, on one
//! thread, with GPT-2's merges (`r50k_base`) or GPT-4's (`cl100k_base`).
//!
//! ```sh
//! cargo run --release --features pretrained --example tokenizer_encode -- ../shared/tinyshakespeare.txt [gpt2|gpt4]
//! ```
//!
//! Prints the best of five runs of each, and checks that the ids agree.
//! `benches/tokenizer.sh` runs it beside the trainers' race.

use std::time::Instant;

use backprop_ninja::tokenizer::pretrained::{Encoding, load};

/// The best time of `runs` calls of `f`, in seconds, and its last result.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        best = best.min(start.elapsed().as_secs_f64());
    }
    (best, last.expect("at least one run"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "../shared/tinyshakespeare.txt".into());
    let name = args.next().unwrap_or_else(|| "gpt2".into());
    let encoding = Encoding::from_name(&name).ok_or(format!("{name}: gpt2 or gpt4"))?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let ours = load(encoding)?;
    let theirs = encoding.tiktoken()?;
    let (t_ours, ids) = best_of(5, || ours.encode_ordinary(&text));
    let ids = ids?;
    let (t_theirs, expected) = best_of(5, || theirs.encode_ordinary(&text));
    let mb = text.len() as f64 / 1e6;
    println!(
        "{path}: {} bytes, {} tokens ({name})",
        text.len(),
        ids.len()
    );
    println!(
        "backprop-ninja  {:>8.1} ms  {:>6.2} MB/s",
        t_ours * 1e3,
        mb / t_ours
    );
    println!(
        "tiktoken-rs     {:>8.1} ms  {:>6.2} MB/s",
        t_theirs * 1e3,
        mb / t_theirs
    );
    println!("ratio           {:>8.2}x", t_ours / t_theirs);
    if ids != expected {
        return Err("the ids differ from tiktoken-rs's".into());
    }
    println!("same ids: yes");
    Ok(())
}
