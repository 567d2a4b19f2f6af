//! The `backprop-ninja` command: `bigram`, `train`, `diagnose`, `eval`,
//! `sample` and `check`, in [`cli`].

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
