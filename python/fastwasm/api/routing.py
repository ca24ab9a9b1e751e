"""`PlainParamsRoute`: FastAPI's `APIRoute` for the hottest routes. The same
endpoint, the same OpenAPI and the same answers, with FastAPI's per-request
parameter solving skipped when a request is plainly valid.

Solving a path int and an enum query is a large share of a cheap request
(the bare app's "same endpoint shape" row against its no-op, in
docs/benchmarks.md, measures it). For a request whose int path parameters are plain ASCII
digits and whose enum query parameters are absent or a member's value,
written without escapes and at most once each, this route reads them itself
and calls the endpoint. Any other request (a signed or spaced n, a repeated,
escaped or unknown value, ...) goes to FastAPI's own handler, so every 422
is FastAPI's. The class refuses, at start-up, a route it cannot serve that
way: dependencies, a body, headers, cookies, other parameter types, a
parameter with constraints (`Path(ge=1)`, `Query(max_length=...)`: the fast
path would not check them), or an endpoint that is not an `async def`
returning a `Response`.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Coroutine
from enum import Enum
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

#: Longest plain-digit path int read here: it always fits a machine int, and
#: longer ones are FastAPI's to parse.
MAX_INT_DIGITS = 18


class PlainParams:
    """How to read one route's parameters without FastAPI's solver."""

    def __init__(self, route: APIRoute) -> None:
        dependant = route.dependant
        name = route.path
        if dependant.dependencies or dependant.body_params or dependant.header_params or dependant.cookie_params:
            raise TypeError(f"{name}: PlainParamsRoute takes only path and query parameters, no dependencies")
        call = dependant.call
        if call is None or not inspect.iscoroutinefunction(call):
            raise TypeError(f"{name}: PlainParamsRoute needs an async def endpoint")
        returns = typing.get_type_hints(call).get("return")
        if not (isinstance(returns, type) and issubclass(returns, Response)):
            raise TypeError(f"{name}: PlainParamsRoute needs an endpoint that returns a Response")
        self.request_name = dependant.request_param_name
        for field in (*dependant.path_params, *dependant.query_params):
            if field.field_info.metadata:
                constraints = ", ".join(map(repr, field.field_info.metadata))
                raise TypeError(
                    f"{name}: parameter {field.name} has constraints ({constraints}) that PlainParamsRoute "
                    "does not check: use APIRoute"
                )
        self.ints: list[tuple[str, str]] = []
        for field in dependant.path_params:
            if field.field_info.annotation is not int:
                raise TypeError(f"{name}: path parameter {field.name} is not an int")
            self.ints.append((field.name, field.alias))
        self.enums: dict[bytes, tuple[str, dict[bytes, Enum]]] = {}
        self.defaults: dict[str, Enum] = {}
        for field in dependant.query_params:
            kind = field.field_info.annotation
            default = field.field_info.default
            if not (isinstance(kind, type) and issubclass(kind, Enum) and isinstance(default, kind)):
                raise TypeError(f"{name}: query parameter {field.name} is not an enum with a default")
            members = {str(member.value).encode(): member for member in kind}
            self.enums[field.alias.encode()] = (field.name, members)
            self.defaults[field.name] = default

    def read(self, request: Request) -> dict[str, Any] | None:
        """The endpoint's arguments, or None when FastAPI must read them."""
        scope = request.scope
        values: dict[str, Any] = dict(self.defaults)
        if self.request_name is not None:
            values[self.request_name] = request
        raw_path = scope["path_params"]
        for name, alias in self.ints:
            raw = raw_path[alias]
            if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_INT_DIGITS):
                return None
            values[name] = int(raw)
        query: bytes = scope["query_string"]
        if query:
            if b"%" in query or b"+" in query:
                return None  # escaped: FastAPI decodes it
            seen = set()
            for pair in query.split(b"&"):
                key, _, value = pair.partition(b"=")
                enum = self.enums.get(key)
                if enum is None:
                    continue  # not a parameter of this route; FastAPI ignores it too
                name, members = enum
                member = members.get(value)
                if member is None or name in seen:
                    return None
                seen.add(name)
                values[name] = member
        return values


class PlainParamsRoute(APIRoute):
    """`APIRoute`, reading plainly valid parameters itself (see the module)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        solved = super().get_route_handler()
        params = PlainParams(self)
        endpoint: Callable[..., Awaitable[Response]] = self.dependant.call  # type: ignore[assignment]

        async def handler(request: Request) -> Response:
            values = params.read(request)
            if values is None:
                return await solved(request)
            response = await endpoint(**values)
            if not isinstance(response, Response):
                raise TypeError(f"{self.path} returned {type(response).__name__}, not a Response")
            return response

        return handler
