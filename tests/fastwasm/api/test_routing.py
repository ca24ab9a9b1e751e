"""`PlainParamsRoute`: the same answers as FastAPI's own parameter solving,
for plainly valid requests and for everything else; and routes it cannot
serve that way are refused at start-up."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Path, Query
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from fastwasm.api import Settings, create_app
from fastwasm.api.app import include_flat
from fastwasm.api.routing import PlainParams, PlainParamsRoute

# Plain and not plain, valid and not: every one must be answered alike.
NS = ["0", "7", "0039", "93", "94", "1000", "-1", "+5", " 5", "1_000", "abc", "\u0663", "99999999999999999999", "3.0"]
QUERIES = [
    "",
    "algorithm=iterative",
    "algorithm=recursive",
    "algorithm=fast_doubling",
    "algorithm=bogus",
    "algorithm=",
    "algorithm",
    "algorithm=iterative&algorithm=recursive",
    "algorithm=Iterative",
    "algorithm=%69terative",
    "algorithm=fast+doubling",
    "x=1&algorithm=recursive",
    "x=1",
]
PATHS = ["/fibonacci", "/fibonacci-wasm", "/fibonacci-native"]
# Small enough that the recursive answers are quick in every method.
SETTINGS = Settings(max_n_recursive=25)


def answers(client: TestClient) -> Iterator[tuple[str, int, str, Any]]:
    for path, n, query in itertools.product(PATHS, NS, QUERIES):
        url = f"{path}/{n}" + (f"?{query}" if query else "")
        response = client.get(url)
        body = response.json()
        if isinstance(body, dict):
            body.pop("execution_time", None)  # a timing, different on every call
        yield url, response.status_code, response.headers["content-type"], body


def test_every_answer_is_the_one_fastapis_own_solving_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(create_app(SETTINGS)) as c:
        plain = list(answers(c))
    # The same app with FastAPI's handler on every request.
    monkeypatch.setattr(PlainParamsRoute, "get_route_handler", APIRoute.get_route_handler)
    with TestClient(create_app(SETTINGS)) as c:
        solved = list(answers(c))
    assert plain == solved
    statuses = {status for _, status, _, _ in plain}
    assert statuses == {200, 400, 422}, statuses


def request(path_params: dict[str, str], query: bytes) -> Request:
    return Request({"type": "http", "path_params": path_params, "query_string": query, "headers": []})


def fibonacci_wasm_params() -> PlainParams:
    app = create_app(SETTINGS)
    (route,) = (r for r in app.router.routes if isinstance(r, PlainParamsRoute) and r.path == "/fibonacci-wasm/{n}")
    return PlainParams(route)


def test_plain_requests_are_read_here_and_the_rest_left_to_fastapi() -> None:
    params = fibonacci_wasm_params()
    values = params.read(request({"n": "39"}, b""))
    assert values is not None
    assert (values["n"], values["algorithm"].value) == (39, "iterative")
    values = params.read(request({"n": "0039"}, b"x=1&algorithm=fast_doubling"))
    assert values is not None
    assert (values["n"], values["algorithm"].value) == (39, "fast_doubling")
    for n, query in [
        ("-1", b""),
        ("+5", b""),
        ("1_000", b""),
        ("\u0663", b""),
        ("9" * 19, b""),
        ("7", b"algorithm=bogus"),
        ("7", b"algorithm="),
        ("7", b"algorithm=%69terative"),
        ("7", b"algorithm=iterative&algorithm=iterative"),
    ]:
        assert params.read(request({"n": n}, query)) is None, (n, query)


class Color(StrEnum):
    red = "red"


async def needs_nothing() -> int:
    return 1


def test_routes_it_cannot_serve_plainly_are_refused_at_start_up() -> None:
    async def with_dependency(n: int, one: Annotated[int, Depends(needs_nothing)]) -> Response:
        return Response()

    async def str_path(n: str) -> Response:
        return Response()

    async def str_query(n: int, color: str = "red") -> Response:
        return Response()

    async def enum_without_default(n: int, color: Annotated[Color, Query()]) -> Response:
        return Response()

    def not_async(n: int) -> Response:
        return Response()

    async def returns_a_dict(n: int) -> dict[str, int]:
        return {}

    async def constrained_path(n: Annotated[int, Path(ge=1)]) -> Response:
        return Response()

    async def constrained_query(
        n: int, color: Annotated[Color, Query(deprecated=True, max_length=3)] = Color.red
    ) -> Response:
        return Response()

    async def fine(n: int, color: Color = Color.red) -> Response:
        return Response()

    for endpoint, complaint in [
        (with_dependency, "no dependencies"),
        (str_path, "is not an int"),
        (str_query, "is not an enum with a default"),
        (enum_without_default, "is not an enum with a default"),
        (not_async, "async def"),
        (returns_a_dict, "returns a Response"),
        (constrained_path, r"parameter n has constraints \(Ge\(ge=1\)\)"),
        (constrained_query, "parameter color has constraints"),
    ]:
        router = APIRouter(route_class=PlainParamsRoute)
        with pytest.raises(TypeError, match=complaint):
            router.add_api_route("/x/{n}", endpoint)
    router = APIRouter(route_class=PlainParamsRoute)
    router.add_api_route("/x/{n}", fine)
    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as c:
        assert c.get("/x/3?color=red").status_code == 200
        assert c.get("/x/3?color=blue").status_code == 422


def test_include_flat_carries_every_route_argument_or_refuses() -> None:
    router = APIRouter(route_class=PlainParamsRoute, tags=["t"])

    @router.get("/x/{n}", summary="x", responses={400: {"description": "no"}}, deprecated=True)
    async def x(n: int, color: Color = Color.red) -> Response:
        return Response(f"{n} {color}")

    app = FastAPI()
    include_flat(app, router)
    (route,) = [r for r in app.router.routes if getattr(r, "path", None) == "/x/{n}"]
    assert type(route) is PlainParamsRoute
    assert (route.summary, route.tags, route.deprecated, set(route.responses)) == ("x", ["t"], True, {400})
    with TestClient(app) as c:
        assert c.get("/x/3?color=red").text == "3 red"

    # Route state add_api_route has no argument for would be dropped: refused.
    route.extra_state = "lost"  # type: ignore[attr-defined]
    flat = APIRouter()
    flat.routes.append(route)
    with pytest.raises(TypeError, match=r"cannot carry extra_state of /x/\{n\}"):
        include_flat(FastAPI(), flat)

    # So would a router's lifespan.
    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        yield

    with pytest.raises(TypeError, match="lifespan"):
        include_flat(FastAPI(), APIRouter(lifespan=lifespan))
