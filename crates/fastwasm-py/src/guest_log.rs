//! A component's stdout and stderr as log records, when its `load` asks
//! (`log_output="name"`): one record per line on the `fastwasm.guest`
//! logger, stdout at INFO and stderr at WARNING, with the component's name,
//! the function and the stream in the record's `extra`. What one call
//! writes is bounded by the runtime's `max_output_kb`; what is past it is
//! dropped and said in one more record.

use std::sync::Arc;

use fastwasm_runtime::CallOutput;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// `logging.INFO` and `logging.WARNING`.
const INFO: u8 = 20;
const WARNING: u8 = 30;

/// The name a component's records carry.
#[derive(Clone)]
pub(crate) struct GuestLog {
    name: Arc<str>,
}

impl GuestLog {
    pub(crate) fn new(name: &str) -> Self {
        Self { name: name.into() }
    }

    /// Logs what `function` wrote in one call.
    pub(crate) fn emit(&self, py: Python<'_>, function: &str, output: &CallOutput) -> PyResult<()> {
        static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        if output.stdout.is_empty() && output.stderr.is_empty() && output.dropped == 0 {
            return Ok(());
        }
        let logger = LOGGER.get_or_try_init(py, || {
            let get = py.import("logging")?.getattr("getLogger")?;
            get.call1(("fastwasm.guest",)).map(Bound::unbind)
        })?;
        let logger = logger.bind(py);
        for (stream, bytes, level) in [
            ("stdout", &output.stdout, INFO),
            ("stderr", &output.stderr, WARNING),
        ] {
            for line in String::from_utf8_lossy(bytes).lines() {
                let extra = PyDict::new(py);
                extra.set_item("component", &*self.name)?;
                extra.set_item("function", function)?;
                extra.set_item("stream", stream)?;
                let kwargs = PyDict::new(py);
                kwargs.set_item("extra", extra)?;
                let format = "%s/%s %s: %s";
                let args = (level, format, &*self.name, function, stream, line);
                logger.call_method("log", args, Some(&kwargs))?;
            }
        }
        if output.dropped > 0 {
            let format = "%s/%s wrote %d bytes more than max_output_kb allows; they were dropped";
            let args = (WARNING, format, &*self.name, function, output.dropped);
            logger.call_method1("log", args)?;
        }
        Ok(())
    }
}
