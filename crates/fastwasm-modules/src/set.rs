//! The modules directory: every component in it, loaded at start-up, and
//! the HTTP answers of its routes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use fastwasm_runtime::mapping::outcome;
use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::wasmtime::component::types::Type;
use fastwasm_runtime::{
    Args, Bulk, CallOptions, Called, CancelToken, Component, Error, ErrorKind, FastArg, FastValue,
    Function, LoadOptions, Loaded, Returned, Runtime, kebab, snake,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::json::{
    Invalid, Loc, bytes_from_json, bytes_to_json, from_json, object_schema, schema, to_json,
};
use crate::sidecar::Limits;

/// An HTTP answer, with everything a server needs to send it and to count
/// it: the same bytes from both servers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// `application/json`, or `application/octet-stream` for raw bytes.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// Seconds for a `Retry-After` header, when the failure is transient.
    pub retry_after_s: Option<u32>,
    /// The call's own time, for the metrics and the `X-Execution-Time`
    /// header of a raw answer; `None` when nothing was called.
    pub execution_time_s: Option<f64>,
    /// What happened, for the metrics: `ok`, `guest_error`, `validation`,
    /// `not_found`, `too_large`, `unsupported_media_type`, or an error kind
    /// of the runtime (`timeout`, `trap`, ...).
    pub outcome: &'static str,
}

impl Answer {
    fn json(status: u16, body: &Value, outcome: &'static str) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
            retry_after_s: None,
            execution_time_s: None,
            outcome,
        }
    }

    fn detail(status: u16, detail: &str, outcome: &'static str) -> Self {
        Self::json(status, &json!({ "detail": detail }), outcome)
    }

    /// 422, with the body `FastAPI` gives a validation error.
    fn invalid(errors: &[Invalid]) -> Self {
        let detail: Vec<Value> = errors
            .iter()
            .map(|e| {
                let mut loc = vec![Value::from("body")];
                loc.extend(e.loc.iter().map(Value::from));
                json!({"type": e.kind, "loc": loc, "msg": e.msg, "input": e.input})
            })
            .collect();
        Self::json(422, &json!({ "detail": detail }), "validation")
    }

    /// 413 for a body over `limit` bytes (the module's `max_body_bytes`).
    #[must_use]
    pub fn too_large(module: &Module, limit: usize) -> Self {
        let source = if module.tightened.contains(&"max_body_bytes") {
            format!("{}.toml max_body_bytes", module.name)
        } else {
            "FASTWASM_MAX_BODY_BYTES".to_owned()
        };
        Self::detail(
            413,
            &format!("the request body is over the limit of {limit} bytes (set by {source})"),
            "too_large",
        )
    }

    /// 404 for an unknown module or function.
    #[must_use]
    pub fn not_found(detail: &str) -> Self {
        Self::detail(404, detail, "not_found")
    }
}

/// One `.wasm` file of the directory: loaded, or its error.
pub struct Module {
    /// The file stem: the module's name in its routes.
    pub name: String,
    /// The file name (`blur.wasm`).
    pub file: String,
    /// The file's SHA-256, hex.
    pub sha256: String,
    /// The file's size.
    pub size_bytes: u64,
    /// Its limits: the server's, tightened by its sidecar.
    pub limits: Limits,
    /// The sidecar keys that tightened them.
    pub tightened: Vec<&'static str>,
    /// The component, or why it did not load.
    pub loaded: Result<Component, String>,
}

impl Module {
    fn load(runtime: &Runtime, name: Option<&str>, path: &Path, defaults: Limits) -> Self {
        let name = name.map_or_else(
            || {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            },
            str::to_owned,
        );
        let file = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path);
        let (sha256, size_bytes) = match &bytes {
            Ok(bytes) => (format!("{:x}", Sha256::digest(bytes)), bytes.len() as u64),
            Err(_) => (String::new(), 0),
        };
        let mut module = Self {
            name,
            file,
            sha256,
            size_bytes,
            limits: defaults,
            tightened: Vec::new(),
            loaded: Err(String::new()),
        };
        module.loaded = module.load_component(runtime, path, bytes, defaults);
        module
    }

    fn load_component(
        &mut self,
        runtime: &Runtime,
        path: &Path,
        bytes: std::io::Result<Vec<u8>>,
        defaults: Limits,
    ) -> Result<Component, String> {
        let bytes = bytes.map_err(|e| format!("cannot read {}: {e}", self.file))?;
        let sidecar = path.with_extension("toml");
        if let Ok(text) = std::fs::read_to_string(&sidecar) {
            let file = sidecar.file_name().map_or_else(
                || format!("{}.toml", self.name),
                |f| f.to_string_lossy().into_owned(),
            );
            self.limits = defaults
                .tightened(&file, &text)
                .map_err(|e| e.to_string())?;
            let table: toml::Table = text.parse().unwrap_or_default();
            self.tightened = crate::sidecar::KEYS
                .into_iter()
                .filter(|k| table.contains_key(*k))
                .collect();
        }
        let options = LoadOptions {
            timeout: Some(self.limits.timeout),
            max_memory_bytes: Some(self.limits.max_memory_mb << 20),
            placement: self.limits.placement,
        };
        match runtime
            .load_bytes_with(&bytes, options)
            .map_err(|e| e.to_string())?
        {
            Loaded::Component(component) => Ok(component),
            Loaded::Module(_) => Err(format!(
                "{} is a core module: only components are served (see docs/your-own-kernel.md)",
                self.file
            )),
        }
    }

    /// The function `name` (WIT or `snake_case` spelling) of a loaded module.
    ///
    /// # Errors
    /// A 404 [`Answer`] for a module that did not load or a function it
    /// does not export.
    pub fn target(&self, name: &str) -> Result<Target<'_>, Answer> {
        let component = self.loaded.as_ref().map_err(|error| {
            Answer::not_found(&format!("module {:?} did not load: {error}", self.name))
        })?;
        let function = component.function(name).map_err(|_| {
            let names: Vec<&str> = component
                .functions()
                .iter()
                .map(|f| f.name.as_str())
                .collect();
            Answer::not_found(&format!(
                "module {:?} has no function {name:?}; it has {}",
                self.name,
                names.join(", ")
            ))
        })?;
        Ok(Target {
            module: self,
            component,
            function,
        })
    }

    fn describe(&self, prefix: &str) -> Value {
        let functions: Vec<Value> = self
            .loaded
            .as_ref()
            .map(|c| {
                c.functions()
                    .iter()
                    .map(|f| describe_function(prefix, &self.name, f))
                    .collect()
            })
            .unwrap_or_default();
        json!({
            "name": self.name,
            "file": self.file,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "error": self.loaded.as_ref().err(),
            "limits": {
                "timeout_s": self.limits.timeout.as_secs_f64(),
                "max_memory_mb": self.limits.max_memory_mb,
                "max_body_bytes": self.limits.max_body_bytes,
                "placement": self.limits.placement.name(),
            },
            "functions": functions,
        })
    }
}

fn route(prefix: &str, module: &str, function: &str) -> String {
    format!("{prefix}/{module}/{function}")
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

fn describe_function(prefix: &str, module: &str, function: &Function) -> Value {
    let (ok, err) = answer_type(function);
    json!({
        "name": function.name,
        "path": route(prefix, module, &function.name),
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
        "unsupported": function.unsupported,
        "raw_request": raw_request(function),
        "raw_response": raw_response(function),
    })
}

/// Whether the only parameter is a `list<u8>`: the body may be raw bytes.
fn raw_request(function: &Function) -> bool {
    matches!(function.params.as_slice(), [(_, ty)] if is_bytes(ty))
}

/// Whether `ty` is a `list<u8>`.
fn is_bytes(ty: &Type) -> bool {
    matches!(ty, Type::List(l) if l.ty() == Type::U8)
}

/// Whether the answer may be raw bytes: the result (or a top `result`'s ok)
/// is a `list<u8>`.
fn raw_response(function: &Function) -> bool {
    answer_type(function).0.as_ref().is_some_and(is_bytes)
}

/// The modules directory, loaded.
pub struct ModuleSet {
    modules: BTreeMap<String, Module>,
    /// Why the directory could not be listed, if it could not.
    pub dir_error: Option<String>,
    /// Where the routes are mounted: `/modules` by default.
    prefix: String,
}

/// Where the module routes are, unless a server mounts them elsewhere.
pub const DEFAULT_PREFIX: &str = "/modules";

/// The metrics label of a function no module exports.
pub const UNKNOWN_FUNCTION: &str = "(unknown)";

impl ModuleSet {
    /// No modules at all.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            modules: BTreeMap::new(),
            dir_error: None,
            prefix: DEFAULT_PREFIX.to_owned(),
        }
    }

    /// Every `*.wasm` file in `dir`, each loaded into `runtime` with
    /// `defaults` tightened by its sidecar. A file that fails to load is kept,
    /// with its error: it never stops the others.
    #[must_use]
    pub fn load(runtime: &Runtime, dir: &Path, defaults: Limits) -> Self {
        let mut set = Self::empty();
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                set.dir_error = Some(format!("cannot list {}: {e}", dir.display()));
                return set;
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        paths.sort();
        for path in paths {
            let module = Module::load(runtime, None, &path, defaults);
            set.modules.insert(module.name.clone(), module);
        }
        set
    }

    /// One file as a set of one module (the `fastwasm call` command), named
    /// after its file stem, with its sidecar if it has one.
    #[must_use]
    pub fn load_file(runtime: &Runtime, path: &Path, defaults: Limits) -> Self {
        let mut set = Self::empty();
        let module = Module::load(runtime, None, path, defaults);
        set.modules.insert(module.name.clone(), module);
        set
    }

    /// Named files, each with its sidecar (`NAME.toml` beside `NAME.wasm`)
    /// if it has one. A file that fails to load is kept, with its error.
    #[must_use]
    pub fn load_files(runtime: &Runtime, files: &[(String, PathBuf)], defaults: Limits) -> Self {
        let mut set = Self::empty();
        for (name, path) in files {
            let module = Module::load(runtime, Some(name), path, defaults);
            set.modules.insert(module.name.clone(), module);
        }
        set
    }

    /// The set with its routes mounted at `prefix` (`/kernels`): the paths
    /// its listing and its `OpenAPI` operations name.
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        prefix.trim_end_matches('/').clone_into(&mut self.prefix);
        self
    }

    /// Where its routes are mounted.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The modules, by name.
    pub fn modules(&self) -> impl Iterator<Item = &Module> {
        self.modules.values()
    }

    /// The module `name`.
    ///
    /// # Errors
    /// A 404 [`Answer`] naming the modules there are.
    pub fn module(&self, name: &str) -> Result<&Module, Answer> {
        self.modules.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.modules.keys().map(String::as_str).collect();
            let there = if names.is_empty() {
                "there are none (FASTWASM_MODULES_DIR)".to_owned()
            } else {
                format!("there are {}", names.join(", "))
            };
            Answer::not_found(&format!("no module named {name:?}; {there}"))
        })
    }

    /// The `function` label of a call's metrics: the WIT name of `function`
    /// when `module` exports it (either spelling), else `(unknown)`. A name
    /// a client made up never becomes a label of its own, since every label
    /// set is kept for the life of the process.
    #[must_use]
    pub fn metric_function(&self, module: &str, function: &str) -> &str {
        self.module(module)
            .ok()
            .and_then(|m| m.loaded.as_ref().ok())
            .and_then(|component| component.function(function).ok())
            .map_or(UNKNOWN_FUNCTION, |f| f.name.as_str())
    }

    /// `GET /modules`.
    #[must_use]
    pub fn list(&self) -> Answer {
        let modules: Vec<Value> = self
            .modules
            .values()
            .map(|m| m.describe(&self.prefix))
            .collect();
        Answer::json(200, &json!({ "modules": modules }), "ok")
    }

    /// `GET /modules/{module}`.
    #[must_use]
    pub fn show(&self, name: &str) -> Answer {
        match self.module(name) {
            Ok(module) => Answer::json(200, &module.describe(&self.prefix), "ok"),
            Err(answer) => answer,
        }
    }

    /// `POST /modules/{module}/{function}`, start to end: the target, the
    /// body's size, its arguments, the call, the answer. Servers that need
    /// to do something between the steps (admission control, a cancel token
    /// tied to the client) call them one by one.
    #[must_use]
    pub fn call(
        &self,
        module: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Answer {
        let options = CallOptions {
            cancel,
            timeout: None,
        };
        self.call_with(module, function, body, content_type, accept, &options)
    }

    /// As [`ModuleSet::call`], under `options`.
    #[must_use]
    pub fn call_with(
        &self,
        module: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
        options: &CallOptions<'_>,
    ) -> Answer {
        match self.prepare(module, function, body, content_type) {
            Ok((target, args)) => target.call(&args, accept, options),
            Err(answer) => answer,
        }
    }

    /// As [`ModuleSet::call_with`], inline in a caller that must not block:
    /// `None` when the call was preempted (run it again on a call thread
    /// with [`ModuleSet::call_with`]: `fastwasm_runtime::Placement`).
    #[must_use]
    pub fn call_inline(
        &self,
        module: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
        options: &CallOptions<'_>,
    ) -> Option<Answer> {
        match self.prepare(module, function, body, content_type) {
            Ok((target, args)) => target.call_inline(&args, accept, options),
            Err(answer) => Some(answer),
        }
    }

    /// The target and its arguments, or the answer that refuses them.
    fn prepare(
        &self,
        module: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<(Target<'_>, Arguments), Answer> {
        let target = self.module(module).and_then(|m| m.target(function))?;
        if body.len() > target.module.limits.max_body_bytes {
            return Err(Answer::too_large(
                target.module,
                target.module.limits.max_body_bytes,
            ));
        }
        let args = target.arguments(body, content_type)?;
        Ok((target, args))
    }

    /// Whether a caller that must not block runs `function` of `module`
    /// inline now (`fastwasm_runtime::Placement`); false for a module or
    /// function that is not there (its 404 is cheap either way).
    #[must_use]
    pub fn runs_inline(&self, module: &str, function: &str) -> bool {
        self.modules
            .get(module)
            .and_then(|m| m.loaded.as_ref().ok())
            .and_then(|component| component.runs_inline(function).ok())
            .unwrap_or(true)
    }

    /// The `OpenAPI` path items of every function of every loaded module,
    /// keyed by their literal paths, to merge into a document's `paths`.
    #[must_use]
    pub fn openapi_paths(&self) -> Map<String, Value> {
        let mut paths = Map::new();
        for module in self.modules.values() {
            let Ok(component) = &module.loaded else {
                continue;
            };
            for function in component
                .functions()
                .iter()
                .filter(|f| f.unsupported.is_none())
            {
                paths.insert(
                    route(&self.prefix, &module.name, &function.name),
                    operation(module, function),
                );
            }
        }
        paths
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    })
}

/// The error statuses of one function's operation; `guest_error` is the
/// schema of its result's E, if it returns a `result`.
fn error_responses(limits: &Limits, guest_error: Option<Value>) -> Map<String, Value> {
    let mut responses = Map::new();
    let guest = guest_error.map(|e| {
        object_schema([
            ("module".to_owned(), json!({"type": "string"})),
            ("function".to_owned(), json!({"type": "string"})),
            ("error".to_owned(), e),
        ])
    });
    let memory = "the guest asked for more memory than max_memory_mb";
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
        error_response("the module or function is not there"),
    );
    responses.insert(
        "413".into(),
        error_response(&format!(
            "the body is over {} bytes (max_body_bytes)",
            limits.max_body_bytes
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
        error_response(&format!(
            "the call ran past {:.3} s (timeout_s)",
            limits.timeout.as_secs_f64()
        )),
    );
    responses
}

/// One function's `OpenAPI` path item.
fn operation(module: &Module, function: &Function) -> Value {
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
            ("module".to_owned(), json!({"type": "string"})),
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
    let mut responses = error_responses(&module.limits, err);
    responses.insert(
        "200".into(),
        json!({"description": "The function's result", "content": ok_content}),
    );
    let operation_id: String = format!("call_{}_{}", module.name, function.name)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    json!({"post": {
        "tags": ["modules"],
        "summary": format!("{}: {}", module.name, function.name),
        "description": format!(
            "`{}` from `{}`. Parameters by name, as JSON (bytes as base64); the mapping is in docs/your-own-kernel.md.",
            function.signature(),
            module.file
        ),
        "operationId": operation_id,
        // A function without parameters may be called with no body at all.
        "requestBody": {"required": !function.params.is_empty(), "content": request},
        "responses": responses,
    }})
}

/// A function of a loaded module, ready to be called.
pub struct Target<'a> {
    /// Its module.
    pub module: &'a Module,
    component: &'a Component,
    /// The function.
    pub function: &'a Function,
}

/// A call's arguments, converted from the body.
pub enum Arguments {
    /// For the typed fast path: bytes and strings as they are.
    Fast(Vec<Owned>),
    /// For the general path.
    Vals(Vec<Val>),
}

/// One fast-path argument, owned.
pub enum Owned {
    /// A `list<u8>`.
    Bytes(Vec<u8>),
    /// A `string`.
    Str(String),
    /// A scalar.
    Scalar(Val),
}

impl Arguments {
    /// The arguments, borrowed as the runtime takes them.
    fn with_args<R>(&self, body: impl FnOnce(Args<'_>) -> R) -> R {
        match self {
            Self::Fast(owned) => {
                let fast: Vec<FastArg<'_>> = owned.iter().map(Owned::arg).collect();
                body(Args::Fast(&fast))
            }
            Self::Vals(vals) => body(Args::Vals(vals)),
        }
    }
}

impl Owned {
    fn arg(&self) -> FastArg<'_> {
        match self {
            Self::Bytes(bytes) => FastArg::Bytes(bytes),
            Self::Str(text) => FastArg::Str(text),
            Self::Scalar(val) => FastArg::Scalar(val),
        }
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
        if function.unsupported.is_some() {
            return Err(Answer::not_found(&format!(
                "{}: {}",
                function.name,
                function.unsupported.as_deref().unwrap_or_default()
            )));
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
                match ty {
                    Type::String => from_json(value, ty).map(|val| match val {
                        Val::String(text) => Owned::Str(text),
                        other => Owned::Scalar(other),
                    }),
                    Type::List(_) => bytes_from_json(value).map(Owned::Bytes),
                    _ => from_json(value, ty).map(Owned::Scalar),
                }
                .map(|owned| fast_args.push(owned))
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
    /// `{"module", "function", "result", "execution_time"}` (or the raw
    /// bytes of a `list<u8>` result when `accept` asks for
    /// `application/octet-stream`); 400 with `{"module", "function",
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
                        "module": self.module.name,
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
                },
                seconds,
            ),
            Ok((Ok(Wire::Bytes(bytes)), seconds)) => (
                Answer::json(
                    200,
                    &json!({
                        "module": self.module.name,
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
                    crate::GUEST_ERROR_STATUS,
                    &json!({"module": self.module.name, "function": function.name, "error": error}),
                    "guest_error",
                ),
                seconds,
            ),
            Err(error) => (self.failed(&error), started.elapsed().as_secs_f64()),
        };
        answer.execution_time_s = Some(seconds);
        answer
    }

    fn failed(&self, error: &Error) -> Answer {
        let kind = error.kind();
        let sidecar = |key: &str| {
            self.module
                .tightened
                .contains(&key)
                .then(|| format!("{error} (set by {}.toml {key})", self.module.name))
        };
        let detail = match kind {
            ErrorKind::Timeout => sidecar("timeout_s"),
            ErrorKind::MemoryLimit => sidecar("max_memory_mb"),
            _ => None,
        }
        .unwrap_or_else(|| error.http_detail());
        let mut answer = Answer::detail(kind.http_status(), &detail, kind.name());
        answer.retry_after_s = kind.retry_after_s();
        answer
    }

    /// A fast-path result: the answer's `result` (or raw bytes), or the
    /// guest's error value.
    fn fast_outcome(&self, value: FastValue) -> Result<Wire, Value> {
        let bulk = |bulk: Bulk| match bulk {
            Bulk::Bytes(bytes) => Wire::Bytes(bytes),
            Bulk::Str(text) => Wire::Json(Value::String(text)),
        };
        let json = |bulk: Bulk| match bulk {
            Bulk::Bytes(bytes) => bytes_to_json(&bytes),
            Bulk::Str(text) => Value::String(text),
        };
        Ok(match value {
            FastValue::Unit | FastValue::Option(None) => Wire::Json(Value::Null),
            FastValue::Scalar(val) => Wire::Json(
                self.function
                    .result
                    .as_ref()
                    .map_or(Value::Null, |ty| to_json(&val, ty)),
            ),
            FastValue::Bulk(b) | FastValue::Option(Some(b)) | FastValue::Result(Ok(b)) => bulk(b),
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
