"""Every answer is read exactly by standard clients with their default settings:
Python's json, httpx's and requests' `.json()`, and JavaScript's JSON.parse
(Node.js). The digits are compared with references computed here, apart from
the kernels under test. Both servers, over real HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

import fastwasm
from servers import python_command, rust_command, serving

# Slow: both servers, read by Python clients and by node.
pytestmark = pytest.mark.slow

#: Around the u64 edge, and past CPython's 4300-digit limit (within the default caps).
NS = (93, 94, 20_000, 100_000)
ROUTES = ("fibonacci", "fibonacci-wasm", "fibonacci-native", "compare")
NODE_CHECK = Path(__file__).with_name("json_parse_check.mjs")


def reference(n: int) -> str:
    """F(n) by 2x2 matrix powers, as decimal digits through Decimal (no str() digit limit)."""
    result, base = (1, 0, 0, 1), (1, 1, 1, 0)

    def mul(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, int, int, int]:
        return (
            a[0] * b[0] + a[1] * b[2],
            a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3],
        )

    while n:
        if n & 1:
            result = mul(result, base)
        base = mul(base, base)
        n >>= 1
    return format(Decimal(result[1]), "f")


@pytest.fixture(scope="module", params=["python", "rust"])
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    command = {"python": python_command, "rust": rust_command}[request.param]
    with serving(command, {}) as base:
        yield base


def results_of(route: str, body: Any) -> list[Any]:
    return body["results"] if route == "compare" else [body]


@pytest.mark.parametrize("n", NS)
def test_python_clients_parse_every_answer_with_default_settings(server: str, n: int) -> None:
    expected = reference(n)
    for route in ROUTES:
        url = f"{server}/{route}/{n}?algorithm=fast_doubling"
        first = requests.get(url, timeout=60)
        if first.status_code == 404 and route == "fibonacci":
            continue  # fastwasm-server has no Python method
        assert first.status_code == 200, first.text
        for body in (json.loads(first.content), first.json(), httpx.get(url, timeout=60).json()):
            for result in results_of(route, body):
                assert result["digits"] == expected, (route, n)
                assert result["fibonacci"] == (int(expected) if n <= fastwasm.MAX_U64_N else expected), (route, n)


def test_javascript_json_parse_reads_the_exact_digits(server: str) -> None:
    node = shutil.which("node")
    assert node, "node is missing: `make tools` installs it"
    done = subprocess.run(
        [node, str(NODE_CHECK), server, *map(str, NS)], capture_output=True, text=True, timeout=300, check=False
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0, report
    assert report["failures"] == []
    # Two one-value routes and /compare (two or three results) for every n, on either server.
    assert report["checked"] >= len(NS) * 4
