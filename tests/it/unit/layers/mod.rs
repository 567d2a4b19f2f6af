//! Tests of the modules of `src/layers/`.

mod attention;
mod batchnorm;
mod flatten_consecutive;
mod head;
mod rows;
mod softmax;
mod weighted_average;
