"""Your components as HTTP endpoints: every function of every module in
FASTWASM_MODULES_DIR, at `POST /modules/{module}/{function}`.

Everything a module route answers comes from Rust (`fastwasm-modules`, the
same code fastwasm-server runs): this router reads the body, up to the
module's limit, hands the raw bytes over, and sends the answer back as it
is. Heavy calls (the default; a module's `NAME.toml` may say `heavy =
false`) take a slot from admission control, run in the threadpool and are
cancelled when their client disconnects, as the Fibonacci routes are.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

import fastwasm
from fastwasm.api.compute import until_client_leaves
from fastwasm.api.deps import ModulesDep
from fastwasm.api.models import ErrorResponse, ModulesResponse, ServedModule

router = APIRouter(tags=["modules"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "no such module"}}


def respond(answer: fastwasm.Answer) -> Response:
    """The answer as it came from Rust: status, content type and bytes."""
    headers = {}
    if answer.retry_after_s is not None:
        headers["Retry-After"] = str(answer.retry_after_s)
    if answer.content_type == "application/octet-stream" and answer.execution_time_s is not None:
        headers["X-Execution-Time"] = repr(answer.execution_time_s)
    return Response(answer.body, answer.status, headers, media_type=answer.content_type)


@router.get(
    "/modules",
    response_model=ModulesResponse,
    summary="Every served module",
    description="Each *.wasm of FASTWASM_MODULES_DIR: name, sha256, size, limits, and for each function its "
    "WIT signature and the JSON Schemas of its parameters and result; or the error it failed to load with.",
)
async def list_modules(modules: ModulesDep) -> Response:
    return respond(modules.listing())


@router.get("/modules/{module}", response_model=ServedModule, responses=NOT_FOUND, summary="One served module")
async def show_module(module: str, modules: ModulesDep) -> Response:
    return respond(modules.show(module))


async def read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is over `limit` bytes (nothing past
    the limit is buffered)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


# Each function is documented at its literal path (`ModuleSet.openapi_paths`,
# merged into /openapi.json by the app); this one route serves them all.
@router.post("/modules/{module}/{function:path}", include_in_schema=False)
async def call_function(module: str, function: str, request: Request, modules: ModulesDep) -> Response:
    state = request.app.state
    limits = modules.limits(module)
    if limits is None:
        return respond(modules.show(module))  # 404, naming the modules there are
    label = modules.metric_function(module, function)
    body = await read_body(request, limits.max_body_bytes)
    if body is None:
        too_large = modules.too_large(module)
        assert too_large is not None  # the module is there: its limits were
        state.metrics.bound(state.metrics.module_calls, module, label, too_large.outcome).inc()
        return respond(too_large)
    content_type, accept = request.headers.get("content-type"), request.headers.get("accept")

    def call_and_count(cancel: fastwasm.CancelToken | None = None) -> fastwasm.Answer:
        # Counted where the call ends, so a call whose client left counts too
        # (as `cancelled`), after this request's task has moved on.
        answer = modules.call(module, function, body, content_type, accept, cancel)
        state.metrics.bound(state.metrics.module_calls, module, label, answer.outcome).inc()
        if answer.execution_time_s is not None:
            state.metrics.bound(state.metrics.module_compute_seconds, module, label).observe(answer.execution_time_s)
        return answer

    if not limits.heavy:
        return respond(call_and_count())
    cancel = fastwasm.CancelToken()

    async def work() -> fastwasm.Answer:
        async with state.admission.slot():
            return await run_in_threadpool(call_and_count, cancel)

    return respond(await until_client_leaves(work(), request.receive, cancel, f"{module}/{function}"))
