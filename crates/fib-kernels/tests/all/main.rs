//! Integration tests for fib-kernels, one module per topic.

mod algorithm;
mod identities;
mod known_values;
