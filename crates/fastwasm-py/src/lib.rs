//! `fastwasm._native`: the thin `PyO3` binding over [`fastwasm_runtime`] and
//! [`fib_host`]. All logic lives in those crates; this one converts
//! arguments, releases the GIL around long calls, hands awaited calls to the
//! runtime's call threads, and maps errors to Python exceptions in exactly
//! one place ([`raise`]).

mod aio;
mod arrays;
mod blocking;
mod component;
mod convert;
mod exceptions;
mod fibonacci;
mod guest_log;
mod held;
mod kernels;
mod module;
mod resource_calls;
mod resources;
mod runtime;
mod service;

use fastwasm_runtime as rt;
use fib_host::{self as fib, Algorithm, MAX_U64_N};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::exceptions::raise;

/// Everything this binding can fail with; a Python exception in one place.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Runtime(#[from] rt::Error),
    #[error(transparent)]
    Fib(#[from] fib::FibError),
    #[error("{0}")]
    InvalidArgument(String),
    #[error(transparent)]
    Setting(#[from] fastwasm_http::SettingsError),
    #[error("{0}")]
    Python(#[from] PyErr),
}

impl From<fib::Error> for Error {
    fn from(error: fib::Error) -> Self {
        match error {
            fib::Error::Runtime(e) => Self::Runtime(e),
            fib::Error::Fib(e) => Self::Fib(e),
        }
    }
}

impl From<Error> for PyErr {
    fn from(error: Error) -> Self {
        match error {
            Error::Runtime(e) => Python::attach(|py| raise(py, e)),
            Error::Fib(e) => PyValueError::new_err(e.to_string()),
            Error::InvalidArgument(message) => PyValueError::new_err(message),
            Error::Setting(e) => service::InvalidSetting::new_err(e.to_string()),
            Error::Python(e) => e,
        }
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// The CPUs this process may use, the rule of every CPU-dependent default.
#[pyfunction]
fn available_cores() -> usize {
    rt::available_cores()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    exceptions::register(m)?;
    service::register(m)?;
    m.add("MAX_U64_N", MAX_U64_N)?;
    m.add("ABI_VERSION", fib::ABI_VERSION)?;
    m.add("WASMTIME_VERSION", rt::WASMTIME_VERSION)?;
    m.add(
        "BlockingCallWarning",
        m.py().get_type::<blocking::BlockingCallWarning>(),
    )?;
    m.add(
        "ALGORITHMS",
        PyTuple::new(m.py(), Algorithm::ALL.map(Algorithm::name))?,
    )?;
    m.add_class::<runtime::Runtime>()?;
    m.add_class::<module::Module>()?;
    m.add_class::<module::Export>()?;
    m.add_class::<runtime::LoadInfo>()?;
    m.add_class::<runtime::PoolStats>()?;
    m.add_class::<runtime::CacheStatus>()?;
    m.add_class::<fibonacci::FibonacciModule>()?;
    m.add_class::<runtime::CancelToken>()?;
    m.add_class::<aio::Completions>()?;
    m.add_class::<component::Component>()?;
    m.add_class::<component::ComponentExport>()?;
    m.add_class::<component::CallResult>()?;
    m.add_class::<resources::ResourceType>()?;
    m.add_class::<resources::Resource>()?;
    m.add_class::<resources::ResourceMethod>()?;
    m.add_class::<kernels::KernelSet>()?;
    m.add_class::<kernels::Reload>()?;
    m.add_class::<kernels::Answer>()?;
    m.add_class::<kernels::KernelLimits>()?;
    m.add_function(wrap_pyfunction!(fibonacci::fibonacci_by_method, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::compile_kernel, m)?)?;
    m.add_function(wrap_pyfunction!(fibonacci::digits_by_method, m)?)?;
    m.add_function(wrap_pyfunction!(fibonacci::native_fibonacci, m)?)?;
    m.add_function(wrap_pyfunction!(fibonacci::native_digits, m)?)?;
    m.add_function(wrap_pyfunction!(fibonacci::int_to_decimal, m)?)?;
    m.add_function(wrap_pyfunction!(fibonacci::default_fibonacci_module, m)?)?;
    m.add_function(wrap_pyfunction!(fibonacci::check_request, m)?)?;
    m.add_function(wrap_pyfunction!(fibonacci::is_cheap, m)?)?;
    m.add_function(wrap_pyfunction!(available_cores, m)?)?;
    Ok(())
}
