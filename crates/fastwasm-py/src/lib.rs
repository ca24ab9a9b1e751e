//! placeholder while the runtime builds
