use alloc::string::String;

/// Everything a kernel can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FibError {
    /// F(n) is larger than `u64::MAX`.
    #[error("F({n}) does not fit in a u64: the largest that does is F(93)")]
    U64Overflow {
        /// The requested n.
        n: u32,
    },
    /// A name that is not one of [`crate::Algorithm::ALL`].
    #[error("unknown algorithm {name:?}: expected one of iterative, recursive, fast_doubling")]
    UnknownAlgorithm {
        /// The name that was given.
        name: String,
    },
}
