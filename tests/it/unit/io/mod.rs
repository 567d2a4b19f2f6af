//! Tests of the modules of `src/io/`.

mod checkpoint;
mod checksum;
mod export;
mod fixtures;
mod input;
mod output;
mod weights;
