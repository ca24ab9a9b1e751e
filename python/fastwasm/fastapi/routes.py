"""The kernel routes: `GET {prefix}` (every kernel), `GET
{prefix}/{kernel}` and `POST {prefix}/{kernel}/{function}`. Each answer is
fastwasm-http's (`fastwasm.KernelSet`), the same bytes fastwasm-server
sends; this reads the body up to the kernel's limit and does admission
control and cancel-on-disconnect around heavy calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

import fastwasm
from fastwasm._calls import CallFuture
from fastwasm.fastapi.body import received_body
from fastwasm.fastapi.disconnect import ClientDisconnected, until_disconnected
from fastwasm.fastapi.kernel import Loaded, RouteLabel
from fastwasm.fastapi.models import ErrorResponse, KernelsResponse, ServedKernel
from fastwasm.fastapi.unstoppable import waited_for

#: The route templates under a prefix: the list, show and call routes.
TEMPLATES = ("", "/{kernel}", "/{kernel}/{function:path}")


def labels_at(prefix: str) -> tuple[RouteLabel, RouteLabel, RouteLabel]:
    """The route labels of the three routes mounted at `prefix`: their
    templates as OpenAPI writes them (`{function}`), as fastwasm-server
    labels them too."""
    listing, show, call = (RouteLabel(prefix + template.replace(":path", "")) for template in TEMPLATES)
    return listing, show, call


def respond(answer: fastwasm.Answer) -> Response:
    """An answer of the kernel routes as it came from Rust: status, content type and bytes."""
    headers = {}
    if answer.retry_after_s is not None:
        headers["Retry-After"] = str(answer.retry_after_s)
    if answer.challenge is not None:
        headers["WWW-Authenticate"] = answer.challenge
    if answer.content_type == "application/octet-stream" and answer.execution_time_s is not None:
        headers["X-Execution-Time"] = repr(answer.execution_time_s)
    return Response(answer.body, answer.status, headers, media_type=answer.content_type)


def add_routes(
    router: APIRouter,
    prefix: str,
    *,
    key: str,
    tag: str,
    list_name: str | None,
    documented: bool,
    labels: tuple[RouteLabel, RouteLabel, RouteLabel] | None,
) -> None:
    """The kernel routes of the kit whose lifespan-state key is `key`, on
    `router` at `prefix`. `labels`: the route labels the requests get; None
    for an included router, whose prefix is known only once it serves
    (`Loaded.labels`). Undocumented routes (`documented=False`) are left out
    of OpenAPI: another path to routes documented elsewhere."""

    def label(loaded: Loaded, index: int) -> RouteLabel:
        return loaded.labels[index] if labels is None else labels[index]

    async def list_kernels(request: Request) -> Response:
        loaded: Loaded = request.scope["state"][key]
        request.scope["route"] = label(loaded, 0)
        return respond(loaded.kernels.listing())

    async def show_kernel(kernel: str, request: Request) -> Response:
        loaded: Loaded = request.scope["state"][key]
        request.scope["route"] = label(loaded, 1)
        return respond(loaded.kernels.show(kernel))

    async def call_function(request: Request) -> Response:
        loaded: Loaded = request.scope["state"][key]
        request.scope["route"] = label(loaded, 2)
        return await serve_call(loaded, request)

    not_found: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "no such kernel"}}
    suffix = "" if documented else f"_at_{prefix.strip('/').replace('/', '_')}"
    router.add_api_route(
        prefix + TEMPLATES[0],
        list_kernels,
        methods=["GET"],
        name=list_name,
        operation_id=f"list_{tag}{suffix}",
        response_model=KernelsResponse,
        summary="Every kernel",
        description="Each kernel: name, sha256, size, limits, and for each function its WIT signature and the "
        "JSON Schemas of its parameters and result; or the error it failed to load with.",
        tags=[tag],
        include_in_schema=documented,
    )
    router.add_api_route(
        prefix + TEMPLATES[1],
        show_kernel,
        methods=["GET"],
        operation_id=f"show_{tag}{suffix}",
        response_model=ServedKernel,
        responses=not_found,
        summary="One kernel",
        tags=[tag],
        include_in_schema=documented,
    )
    # Each function is documented at its own path (`KernelSet.openapi_paths`,
    # merged into the app's document by `Kernels.install`); this one plain
    # Starlette route serves them all, with no parameter solving.
    router.add_route(prefix + TEMPLATES[2], call_function, methods=["POST"], include_in_schema=False)


async def serve_call(loaded: Loaded, request: Request) -> Response:
    """`POST {prefix}/{kernel}/{function}`: the body, read up to the
    kernel's limit, to the answer of fastwasm-http. A heavy call takes a
    slot and stops when the client leaves."""
    params = request.path_params
    kernel, function = params["kernel"], params["function"]
    kernels = loaded.kernels
    limits = kernels.limits(kernel)
    if limits is None:
        return respond(kernels.show(kernel))  # 404, naming the kernels there are
    metrics = loaded.metrics
    label = kernels.metric_function(kernel, function) if metrics is not None else ""
    body = await received_body(request, limits.max_body_bytes)
    if body is None:
        too_large = kernels.too_large(kernel)
        assert too_large is not None  # the kernel is there: its limits were
        if metrics is not None:
            metrics.count(kernel, label, too_large.outcome, None)
        return respond(too_large)
    headers = request.headers
    content_type, accept = headers.get("content-type"), headers.get("accept")
    if not limits.deadline:
        answer = await _unstoppable(loaded, request, kernel, function, body, content_type, accept, limits.timeout_s)
    elif kernels.runs_inline(kernel, function):
        answer = kernels._start(kernel, function, body, content_type, accept, True)
        if type(answer) is CallFuture:
            answer = await answer
    else:
        try:
            async with loaded.admission.slot():
                call = kernels.acall(kernel, function, body, content_type, accept, inline=False)
                answer = await until_disconnected(request, call, f"{kernel}/{function}")
        except ClientDisconnected:
            if metrics is not None:
                metrics.count(kernel, label, "cancelled", None)
            raise
    if metrics is not None:
        metrics.count(kernel, label, answer.outcome, answer.execution_time_s)
    return respond(answer)


async def _unstoppable(
    loaded: Loaded,
    request: Request,
    kernel: str,
    function: str,
    body: bytes,
    content_type: str | None,
    accept: str | None,
    timeout_s: float,
) -> fastwasm.Answer:
    """The answer of a call that cannot be stopped (its kernel runs without
    a deadline), or fastwasm-http's 504 when it takes longer than `timeout_s`
    (`fastwasm.fastapi.unstoppable`)."""
    kernels = loaded.kernels

    def unanswered() -> fastwasm.Answer:
        answer = kernels.unanswered(kernel, function)
        assert answer is not None  # the kernel is there: its limits were
        return answer

    return await waited_for(
        request,
        loaded.admission,
        lambda: kernels.acall(kernel, function, body, content_type, accept, inline=False),
        timeout_s,
        f"{kernel}/{function}",
        unanswered,
    )
