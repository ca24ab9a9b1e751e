//! The kernels in `OpenAPI`: one operation per function, at its literal
//! path, with the JSON Schemas of its parameters, result and errors.

use fastwasm_runtime::wasmtime::component::types::Type;
use fastwasm_runtime::{Function, snake};
use serde_json::{Map, Value, json};

use crate::kernel::Kernel;
use crate::schema::{object_schema, schema};

pub(crate) fn route(prefix: &str, kernel: &str, function: &str) -> String {
    format!("{prefix}/{kernel}/{function}")
}

/// A function's parameters as a JSON object's schema (snake-case keys).
fn request_schema(function: &Function) -> Value {
    object_schema(
        function
            .params
            .iter()
            .map(|(name, ty)| (snake(name), schema(ty))),
    )
}

/// What a call answers with: T of a `result<T, E>` at the top, else the
/// result itself (`null` for none); and for a top-level result, the schema
/// of its E, the guest's own error.
fn answer_type(function: &Function) -> (Option<Type>, Option<Value>) {
    match &function.result {
        Some(Type::Result(result)) => (result.ok(), Some(type_schema(result.err().as_ref()))),
        other => (other.clone(), None),
    }
}

fn type_schema(ty: Option<&Type>) -> Value {
    ty.map_or_else(|| json!({"type": "null"}), schema)
}

pub(crate) fn describe_function(prefix: &str, kernel: &str, function: &Function) -> Value {
    let (ok, err) = answer_type(function);
    json!({
        "name": function.name,
        "path": route(prefix, kernel, &function.name),
        "signature": function.signature(),
        "params": function
            .params
            .iter()
            .map(|(name, ty)| json!({
                "name": snake(name),
                "wit_type": fastwasm_runtime::type_text(ty),
                "schema": schema(ty),
            }))
            .collect::<Vec<_>>(),
        "result": type_schema(ok.as_ref()),
        "error": err,
        "unsupported": unsupported(function),
        "raw_request": raw_request(function),
        "raw_response": raw_response(function),
    })
}

/// Why a function is not served over HTTP, if it is not: what the runtime
/// cannot carry, or a resource. A resource lives in one instance across
/// calls, and a request here carries no session: a handle given to one
/// client would keep state another client's request could reach, and
/// nothing would ever drop it (docs/components.md says what a session
/// design would need).
#[must_use]
pub fn unsupported(function: &Function) -> Option<String> {
    match &function.unsupported {
        Some(reason) => Some(reason.clone()),
        None if function.resources => Some(format!(
            "`{}` passes a resource, which keeps state in one instance across calls; HTTP requests here carry no session, so resource functions are not served (call it from Python)",
            function.name
        )),
        None => None,
    }
}

/// Whether the only parameter is a `list<u8>`: the body may be raw bytes.
pub(crate) fn raw_request(function: &Function) -> bool {
    matches!(function.params.as_slice(), [(_, ty)] if is_bytes(ty))
}

/// Whether `ty` is a `list<u8>`.
pub(crate) fn is_bytes(ty: &Type) -> bool {
    matches!(ty, Type::List(l) if l.ty() == Type::U8)
}

/// Whether the answer may be raw bytes: the result (or a top `result`'s ok)
/// is a `list<u8>`.
fn raw_response(function: &Function) -> bool {
    answer_type(function).0.as_ref().is_some_and(is_bytes)
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    })
}

/// The error statuses of one function's operation; `guest_error` is the
/// schema of its result's E, if it returns a `result`.
fn error_responses(kernel: &Kernel, guest_error: Option<Value>) -> Map<String, Value> {
    let limits = &kernel.limits;
    let mut responses = Map::new();
    let guest = guest_error.map(|e| {
        object_schema([
            ("kernel".to_owned(), json!({"type": "string"})),
            ("function".to_owned(), json!({"type": "string"})),
            ("error".to_owned(), e),
        ])
    });
    let memory = &format!(
        "the guest asked for more memory than {} MiB ({})",
        limits.max_memory_mb,
        kernel.set_by("max_memory_mb")
    );
    responses.insert(
        "400".into(),
        match guest {
            Some(guest) => json!({
                "description": format!("the guest's own error (its result's err), or: {memory}"),
                "content": {"application/json": {"schema": {"anyOf": [
                    guest,
                    {"$ref": "#/components/schemas/ErrorResponse"},
                ]}}},
            }),
            None => error_response(memory),
        },
    );
    responses.insert(
        "404".into(),
        error_response("the kernel or function is not there"),
    );
    responses.insert(
        "413".into(),
        error_response(&format!(
            "the body is over {} bytes ({})",
            limits.max_body_bytes,
            kernel.set_by("max_body_bytes")
        )),
    );
    responses.insert(
        "415".into(),
        error_response("the body is neither JSON nor, where allowed, raw bytes"),
    );
    responses.insert(
        "422".into(),
        json!({
            "description": "the body does not match the WIT types; `loc` is the path to the value",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}},
        }),
    );
    responses.insert("502".into(), error_response("the guest trapped"));
    responses.insert(
        "503".into(),
        error_response("no heavy-work slot or instance was free; retry after Retry-After seconds"),
    );
    responses.insert(
        "504".into(),
        error_response(&if limits.deadline {
            format!(
                "the call ran past {:.3} s ({}) and was stopped",
                limits.timeout.as_secs_f64(),
                kernel.set_by("timeout_s")
            )
        } else {
            format!(
                "no answer within {:.3} s ({}); the kernel runs without a deadline, so its call runs on to its end",
                limits.timeout.as_secs_f64(),
                kernel.set_by("timeout_s")
            )
        }),
    );
    responses
}

/// One function's `OpenAPI` path item.
pub(crate) fn operation(kernel: &Kernel, function: &Function) -> Value {
    let (ok, err) = answer_type(function);
    let mut request = Map::new();
    request.insert(
        "application/json".into(),
        json!({"schema": request_schema(function)}),
    );
    if raw_request(function) {
        request.insert(
            "application/octet-stream".into(),
            json!({"schema": {"type": "string", "format": "binary"}}),
        );
    }
    let mut ok_content = Map::new();
    ok_content.insert(
        "application/json".into(),
        json!({"schema": object_schema([
            ("kernel".to_owned(), json!({"type": "string"})),
            ("function".to_owned(), json!({"type": "string"})),
            ("result".to_owned(), type_schema(ok.as_ref())),
            ("execution_time".to_owned(), json!({"type": "number"})),
        ])}),
    );
    if raw_response(function) {
        ok_content.insert(
            "application/octet-stream".into(),
            json!({"schema": {"type": "string", "format": "binary"}}),
        );
    }
    let mut responses = error_responses(kernel, err);
    responses.insert(
        "200".into(),
        json!({"description": "The function's result", "content": ok_content}),
    );
    let operation_id: String = format!("call_{}_{}", kernel.name, function.name)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    json!({"post": {
        "tags": ["kernels"],
        "summary": format!("{}: {}", kernel.name, function.name),
        "description": format!(
            "`{}` from `{}`. Parameters by name, as JSON (bytes as base64); the mapping is in docs/your-own-kernel.md.",
            function.signature(),
            kernel.file
        ),
        "operationId": operation_id,
        // A function without parameters may be called with no body at all.
        "requestBody": {"required": !function.params.is_empty(), "content": request},
        "responses": responses,
    }})
}
