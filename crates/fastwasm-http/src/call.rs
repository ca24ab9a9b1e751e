//! One call of a kernel function over HTTP: the request body to the
//! arguments, the call, the result to the answer.

use std::time::Instant;

use fastwasm_runtime::mapping::outcome;
use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::wasmtime::component::types::Type;
use fastwasm_runtime::{
    Bulk, CallOptions, Called, Component, Error, ErrorKind, FastArg, FastValue, Function, LendArg,
    NumberType, Numbers, OwnedArgs, Payload, Returned, kebab, snake,
};
use serde_json::{Value, json};

use crate::answer::{Answer, GuestOutput};
use crate::json::{Invalid, Loc, bytes_from_json, bytes_to_json, from_json, to_json};
use crate::kernel::Kernel;
use crate::openapi::{is_bytes, raw_request};
use crate::status;

/// A function of a loaded kernel, ready to be called.
pub struct Target<'a> {
    /// Its kernel.
    pub kernel: &'a Kernel,
    pub(crate) component: &'a Component,
    /// The function.
    pub function: &'a Function,
}

/// A call's arguments, converted from the body.
pub type Arguments = OwnedArgs<Owned>;

/// One fast-path argument, owned.
pub enum Owned {
    /// A `list<u8>`.
    Bytes(Vec<u8>),
    /// A `string`.
    Str(String),
    /// A list of another number type.
    Numbers(Numbers),
    /// A scalar.
    Scalar(Val),
}

impl LendArg for Owned {
    fn arg(&self) -> FastArg<'_> {
        match self {
            Self::Bytes(bytes) => FastArg::Bytes(bytes),
            Self::Str(text) => FastArg::Str(text),
            Self::Numbers(numbers) => FastArg::Numbers(numbers.as_slice()),
            Self::Scalar(val) => FastArg::Scalar(val),
        }
    }
}

/// A JSON value as the fast path's argument for `ty`: a string, bytes
/// (base64), a list of numbers (the mapping's rules for each element, then
/// one block) or a scalar.
fn fast_arg(value: &Value, ty: &Type) -> Result<Owned, Invalid> {
    match ty {
        Type::String => from_json(value, ty).map(|val| match val {
            Val::String(text) => Owned::Str(text),
            other => Owned::Scalar(other),
        }),
        Type::List(list) => match NumberType::of(&list.ty()) {
            Some(number_type) => from_json(value, ty).map(|val| {
                Numbers::from_val(&val, number_type).map_or(Owned::Scalar(val), Owned::Numbers)
            }),
            None => bytes_from_json(value).map(Owned::Bytes),
        },
        _ => from_json(value, ty).map(Owned::Scalar),
    }
}

fn is_octet_stream(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        v.split(',').any(|part| {
            part.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/octet-stream")
        })
    })
}

impl Target<'_> {
    /// The arguments in `body`: a JSON object of the named parameters
    /// (whatever the content type says, but `application/octet-stream`), or,
    /// for a function whose only parameter is a `list<u8>`, the raw bytes of
    /// an `application/octet-stream` body.
    ///
    /// # Errors
    /// 415 for raw bytes to a function that does not take them; 422 naming
    /// each parameter (and the path
    /// inside it) that does not fit, a missing one and an unknown one.
    pub fn arguments(&self, body: &[u8], content_type: Option<&str>) -> Result<Arguments, Answer> {
        let function = self.function;
        if let Some(reason) = crate::openapi::unsupported(function) {
            let kind = ErrorKind::Unsupported;
            return Err(Answer::detail(status::status(kind), &reason, kind.name()));
        }
        if is_octet_stream(content_type) {
            if raw_request(function) {
                let bytes = body.to_vec();
                return Ok(if function.has_fast_path() {
                    Arguments::Fast(vec![Owned::Bytes(bytes)])
                } else {
                    Arguments::Vals(vec![Val::List(bytes.into_iter().map(Val::U8).collect())])
                });
            }
            let detail = format!(
                "{} takes raw bytes only when its one parameter is a list<u8>; send JSON",
                function.name
            );
            return Err(Answer::detail(415, &detail, "unsupported_media_type"));
        }
        // Anything else is read as JSON, whatever it says it is: `curl -d`
        // sends JSON as application/x-www-form-urlencoded.
        let document: Value =
            if body.iter().all(u8::is_ascii_whitespace) && function.params.is_empty() {
                json!({})
            } else {
                serde_json::from_slice(body).map_err(|e| {
                    Answer::invalid(&[Invalid {
                        loc: Vec::new(),
                        kind: "json_invalid",
                        msg: format!("JSON decode error: {e}"),
                        input: Box::new(Value::Null),
                    }])
                })?
            };
        let Some(given) = document.as_object() else {
            return Err(Answer::invalid(&[Invalid {
                loc: Vec::new(),
                kind: "wit_type",
                msg: "an object of the function's parameters, by name".into(),
                input: Box::new(document.clone()),
            }]));
        };
        let mut errors = Vec::new();
        let names: Vec<String> = function.params.iter().map(|(n, _)| snake(n)).collect();
        for key in given.keys() {
            if !names.contains(&snake(key)) {
                errors.push(Invalid {
                    loc: vec![Loc::Key(key.clone())],
                    kind: "extra_forbidden",
                    msg: format!(
                        "{} has no parameter {key:?}; it has {}",
                        function.name,
                        names.join(", ")
                    ),
                    input: Box::new(given[key].clone()),
                });
            }
        }
        let fast = function.has_fast_path();
        let mut fast_args = Vec::new();
        let mut vals = Vec::new();
        for (name, ty) in &function.params {
            let key = snake(name);
            let Some(value) = given.get(&key).or_else(|| given.get(&kebab(name))) else {
                errors.push(Invalid {
                    loc: vec![Loc::Key(key)],
                    kind: "missing",
                    msg: "Field required".into(),
                    input: Box::new(document.clone()),
                });
                continue;
            };
            let converted = if fast {
                fast_arg(value, ty).map(|owned| fast_args.push(owned))
            } else {
                from_json(value, ty).map(|val| vals.push(val))
            };
            if let Err(error) = converted {
                errors.push(error.within(Loc::Key(key)));
            }
        }
        if !errors.is_empty() {
            return Err(Answer::invalid(&errors));
        }
        Ok(if fast {
            Arguments::Fast(fast_args)
        } else {
            Arguments::Vals(vals)
        })
    }

    /// Calls the function and answers: 200 with
    /// `{"kernel", "function", "result", "execution_time"}` (or the raw
    /// bytes of a `list<u8>` result when `accept` asks for
    /// `application/octet-stream`); 400 with `{"kernel", "function",
    /// "error"}` for the guest's own error; the runtime's status for a
    /// failed call (docs/errors.md).
    ///
    #[must_use]
    pub fn call(
        &self,
        args: &Arguments,
        accept: Option<&str>,
        options: &CallOptions<'_>,
    ) -> Answer {
        let started = Instant::now();
        args.with_args(|args| {
            let called = self.component.invoke(self.function, args, options);
            self.answer(called, started, accept)
        })
    }

    /// As [`Target::call`], inline in a caller that must not block: `None`
    /// when the call was preempted.
    #[must_use]
    pub fn call_inline(
        &self,
        args: &Arguments,
        accept: Option<&str>,
        options: &CallOptions<'_>,
    ) -> Option<Answer> {
        let started = Instant::now();
        args.with_args(|args| {
            let called = self
                .component
                .invoke_inline(self.function, args, options)
                .transpose()?;
            Some(self.answer(called, started, accept))
        })
    }

    /// The answer to a call that `started` then.
    fn answer(
        &self,
        called: Result<Called, Error>,
        started: Instant,
        accept: Option<&str>,
    ) -> Answer {
        let function = self.function;
        let guest_output = match &called {
            Ok(called) if self.kernel.grants.log_output => Some(Box::new(GuestOutput {
                kernel: self.kernel.name.clone(),
                function: function.name.clone(),
                output: called.output.clone(),
            })),
            _ => None,
        };
        let outcome = called.map(|called| {
            let seconds = called.elapsed.as_secs_f64();
            let wire = match called.value {
                Returned::Fast(value) => self.fast_outcome(value),
                Returned::Val(value) => self.val_outcome(value.as_ref()),
            };
            (wire, seconds)
        });
        let (mut answer, seconds) = match outcome {
            Ok((Ok(Wire::Json(result)), seconds)) => (
                Answer::json(
                    200,
                    &json!({
                        "kernel": self.kernel.name,
                        "function": function.name,
                        "result": result,
                        "execution_time": seconds,
                    }),
                    "ok",
                ),
                seconds,
            ),
            Ok((Ok(Wire::Bytes(bytes)), seconds)) if is_octet_stream(accept) => (
                Answer {
                    status: 200,
                    content_type: "application/octet-stream",
                    body: bytes,
                    retry_after_s: None,
                    execution_time_s: None,
                    outcome: "ok",
                    challenge: None,
                    guest_output: None,
                },
                seconds,
            ),
            Ok((Ok(Wire::Bytes(bytes)), seconds)) => (
                Answer::json(
                    200,
                    &json!({
                        "kernel": self.kernel.name,
                        "function": function.name,
                        "result": bytes_to_json(&bytes),
                        "execution_time": seconds,
                    }),
                    "ok",
                ),
                seconds,
            ),
            Ok((Err(error), seconds)) => (
                Answer::json(
                    status::GUEST_ERROR_STATUS,
                    &json!({"kernel": self.kernel.name, "function": function.name, "error": error}),
                    "guest_error",
                ),
                seconds,
            ),
            Err(error) => (self.failed(&error), started.elapsed().as_secs_f64()),
        };
        answer.execution_time_s = Some(seconds);
        answer.guest_output = guest_output;
        answer
    }

    fn failed(&self, error: &Error) -> Answer {
        let kind = error.kind();
        let set_by = |key: &str| format!("{error} (set by {})", self.kernel.set_by(key));
        let detail = match kind {
            ErrorKind::Timeout => set_by("timeout_s"),
            ErrorKind::MemoryLimit => set_by("max_memory_mb"),
            _ => status::error_detail(error, &self.kernel.limits.names),
        };
        let mut answer = Answer::detail(status::status(kind), &detail, kind.name());
        answer.retry_after_s = status::retry_after_s(kind);
        answer
    }

    /// A fast-path result: the answer's `result` (or raw bytes), or the
    /// guest's error value.
    fn fast_outcome(&self, value: FastValue) -> Result<Wire, Value> {
        let type_of_value = || self.function.value_type();
        let numbers_json = |numbers: &Numbers, ty: Option<Type>| {
            ty.map_or(Value::Null, |ty| to_json(&numbers.to_val(), &ty))
        };
        let bulk = |bulk: Bulk| match bulk {
            Bulk::Bytes(bytes) => Wire::Bytes(bytes),
            Bulk::Str(text) => Wire::Json(Value::String(text)),
            Bulk::Numbers(numbers) => Wire::Json(numbers_json(&numbers, type_of_value())),
        };
        let json = |bulk: Bulk| match bulk {
            Bulk::Bytes(bytes) => bytes_to_json(&bytes),
            Bulk::Str(text) => Value::String(text),
            Bulk::Numbers(numbers) => {
                let err = match self.function.result.as_ref() {
                    Some(Type::Result(r)) => r.err(),
                    _ => None,
                };
                numbers_json(&numbers, err)
            }
        };
        let scalar =
            |val: Val| Wire::Json(type_of_value().map_or(Value::Null, |ty| to_json(&val, &ty)));
        Ok(match value {
            FastValue::Unit | FastValue::Option(None) => Wire::Json(Value::Null),
            FastValue::Scalar(val)
            | FastValue::Option(Some(Payload::Scalar(val)))
            | FastValue::Result(Ok(Payload::Scalar(val))) => scalar(val),
            FastValue::Bulk(b)
            | FastValue::Option(Some(Payload::Bulk(b)))
            | FastValue::Result(Ok(Payload::Bulk(b))) => bulk(b),
            FastValue::Result(Err(b)) => return Err(json(b)),
        })
    }

    /// A general-path result, as [`Target::fast_outcome`].
    fn val_outcome(&self, value: Option<&Val>) -> Result<Wire, Value> {
        match outcome(value, self.function.result.as_ref()) {
            Ok(Some((v, t))) => Ok(bytes_or_json(v, &t)),
            Ok(None) => Ok(Wire::Json(Value::Null)),
            Err(err) => Err(err.map_or(Value::Null, |(v, t)| to_json(v, &t))),
        }
    }
}

/// A `list<u8>` as bytes (raw or base64, as the client asks), anything else
/// as JSON.
fn bytes_or_json(value: &Val, ty: &Type) -> Wire {
    match (value, ty) {
        (Val::List(items), ty) if is_bytes(ty) => Wire::Bytes(
            items
                .iter()
                .filter_map(|v| if let Val::U8(b) = v { Some(*b) } else { None })
                .collect(),
        ),
        _ => Wire::Json(to_json(value, ty)),
    }
}

/// A result on its way to the wire.
enum Wire {
    Json(Value),
    Bytes(Vec<u8>),
}
