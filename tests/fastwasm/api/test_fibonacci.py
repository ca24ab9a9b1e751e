"""/fibonacci, /fibonacci-wasm, /fibonacci-native: exact values, every error, the limits."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal, getcontext

import pytest
from fastapi.testclient import TestClient

import fastwasm
from fastwasm.api import Settings, create_app

ROUTES = {"Python": "/fibonacci", "WASM": "/fibonacci-wasm", "Native": "/fibonacci-native"}


def reference(n: int) -> int:
    """F(n) by 2x2 matrix powers: independent of every kernel under test."""

    def mul(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        return (
            a[0] * b[0] + a[1] * b[2],
            a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3],
        )

    result, base = (1, 0, 0, 1), (1, 1, 1, 0)
    while n:
        if n & 1:
            result = mul(result, base)
        base = mul(base, base)
        n >>= 1
    return result[1]


def digits_of(value: int) -> str:
    """Decimal digits without CPython's 4300-digit guard (for the test's own values)."""
    return format(Decimal(value), "f")


@pytest.fixture(scope="module")
def small_recursion() -> TestClient:
    # Recursive up to 25 only: pure-Python recursion at the default 40 takes minutes.
    with TestClient(create_app(Settings(max_n_recursive=25))) as c:
        yield c  # type: ignore[misc]


def allowed(n: int) -> list[str]:
    algorithms = ["iterative", "fast_doubling"]
    if n <= 25:
        algorithms.append("recursive")
    return algorithms


@pytest.mark.parametrize("n", [0, 1, 2, 92, 93, 94, 100, 1000, 100000])
def test_fixed_n_are_exact_in_every_method_and_algorithm(small_recursion: TestClient, n: int) -> None:
    expected = digits_of(reference(n))
    for algorithm in allowed(n):
        for method, route in ROUTES.items():
            started = time.perf_counter()
            response = small_recursion.get(f"{route}/{n}", params={"algorithm": algorithm})
            wall = time.perf_counter() - started
            assert response.status_code == 200, response.text
            data = response.json()  # the standard decoder, default settings
            assert data["digits"] == expected, (method, algorithm, n)
            assert data["fibonacci"] == (int(expected) if n <= 93 else expected), (method, algorithm, n)
            assert data["number"] == n
            assert data["method"] == method
            assert data["algorithm"] == algorithm
            # The computation's own time: taken, and within the request's.
            assert 0 < data["execution_time"] < wall


def test_two_hundred_random_n_are_exact(small_recursion: TestClient) -> None:
    rng = random.Random(20261124)
    for n in [rng.randint(0, 2000) for _ in range(200)]:
        expected = digits_of(reference(n))
        for algorithm in allowed(n):
            for route in ROUTES.values():
                response = small_recursion.get(f"{route}/{n}", params={"algorithm": algorithm})
                assert response.json()["digits"] == expected, (route, algorithm, n)


def leading_digits_and_count(n: int, k: int) -> tuple[str, int]:
    """The first k digits and the digit count of F(n), from Binet's formula."""
    getcontext().prec = 60
    sqrt5 = Decimal(5).sqrt()
    log10 = n * ((1 + sqrt5) / 2).log10() - sqrt5.log10()
    whole = int(log10)
    lead = Decimal(10) ** (log10 - whole + k - 1)
    return str(int(lead)), whole + 1


def trailing_digits(n: int, k: int) -> str:
    """The last k digits of F(n): fast doubling modulo 10^k."""
    m = 10**k
    a, b = 0, 1
    for bit in bin(n)[2:]:
        c = a * ((2 * b - a) % m) % m
        d = (a * a + b * b) % m
        a, b = (d, (c + d) % m) if bit == "1" else (c, d)
    return str(a).zfill(k)


@pytest.mark.parametrize("route", ["/fibonacci-wasm", "/fibonacci-native"])
def test_f_one_million_through_fast_doubling(client: TestClient, route: str) -> None:
    response = client.get(f"{route}/1000000", params={"algorithm": "fast_doubling"})
    assert response.status_code == 200
    digits = response.json()["digits"]
    assert response.json()["fibonacci"] == digits
    lead, count = leading_digits_and_count(1_000_000, 12)
    assert count == 208_988
    assert len(digits) == count
    assert digits[:12] == lead
    assert digits[-12:] == trailing_digits(1_000_000, 12)
    assert response.json()["message"] == (
        f"Fibonacci of 1000000 is {digits[:10]}…{digits[-10:]} (208,988 digits) (calculated using "
        f"{'WASM' if 'wasm' in route else 'Native'})"
    )


def test_the_tutorial_response_shape(client: TestClient) -> None:
    data = client.get("/fibonacci-wasm/39").json()
    assert set(data) == {"number", "fibonacci", "digits", "method", "algorithm", "message", "execution_time"}
    assert data["fibonacci"] == 63245986
    assert data["digits"] == "63245986"
    assert data["message"] == "Fibonacci of 39 is 63245986 (calculated using WASM)"
    assert data["algorithm"] == "iterative"


@pytest.mark.parametrize("route", list(ROUTES.values()))
def test_a_negative_n_is_400_with_the_tutorial_message(client: TestClient, route: str) -> None:
    response = client.get(f"{route}/-1")
    assert response.status_code == 400
    assert response.json() == {"detail": "Fibonacci is not defined for negative numbers"}


@pytest.mark.parametrize("route", list(ROUTES.values()))
@pytest.mark.parametrize("bad", ["abc", "1.5", "1e3", ""])
def test_n_that_is_not_an_integer_is_422(client: TestClient, route: str, bad: str) -> None:
    response = client.get(f"{route}/{bad}")
    assert response.status_code in (404, 422) if bad == "" else response.status_code == 422


def test_an_unknown_algorithm_is_422(client: TestClient) -> None:
    response = client.get("/fibonacci-wasm/5", params={"algorithm": "magic"})
    assert response.status_code == 422
    assert "iterative" in response.text


@pytest.mark.parametrize(
    ("n", "algorithm", "setting"),
    [
        (100_001, "iterative", "FASTWASM_MAX_N_ITERATIVE"),
        (1_000_001, "fast_doubling", "FASTWASM_MAX_N_FAST_DOUBLING"),
        (41, "recursive", "FASTWASM_MAX_N_RECURSIVE"),
        (2**32, "fast_doubling", "FASTWASM_MAX_N_FAST_DOUBLING"),
        (10**30, "iterative", "FASTWASM_MAX_N_ITERATIVE"),
    ],
)
def test_n_above_its_limit_is_400_naming_limit_and_setting(
    client: TestClient, n: int, algorithm: str, setting: str
) -> None:
    for route in ROUTES.values():
        response = client.get(f"{route}/{n}", params={"algorithm": algorithm})
        assert response.status_code == 400
        detail = response.json()["detail"]
        assert setting in detail
        assert f"n = {n} is above the limit of" in detail


def test_a_settings_override_moves_the_limit() -> None:
    with TestClient(create_app(Settings(max_n_iterative=50))) as c:
        assert c.get("/fibonacci-wasm/50").status_code == 200
        response = c.get("/fibonacci-wasm/51")
        assert response.status_code == 400
        assert "limit of 50 for iterative (set by FASTWASM_MAX_N_ITERATIVE)" in response.json()["detail"]


def test_a_wasm_timeout_is_504_and_the_server_stays_healthy() -> None:
    settings = Settings(wasm_timeout_s=0.05, max_n_recursive=93)
    with TestClient(create_app(settings)) as c:
        response = c.get("/fibonacci-wasm/60", params={"algorithm": "recursive"})
        assert response.status_code == 504
        assert "FASTWASM_WASM_TIMEOUT_S" in response.json()["detail"]
        assert c.get("/fibonacci-wasm/39").json()["fibonacci"] == 63245986
        assert c.get("/health").json()["module"]["pool"]["timeouts"] == 1


def test_the_routes_use_the_guest_in_the_app_state(swap_guest: Callable[[TestClient, object], None]) -> None:
    # A guest with a 20 ms deadline, swapped in after start-up.
    impatient = fastwasm.Runtime(timeout_s=0.02, use_cache=False).fibonacci_module()
    with TestClient(create_app(Settings(max_n_recursive=60))) as c:
        swap_guest(c, impatient)
        assert c.get("/fibonacci-wasm/60", params={"algorithm": "recursive"}).status_code == 504
        assert c.get("/fibonacci-wasm/20").json()["fibonacci"] == 6765
    assert impatient.module.pool_stats().timeouts == 1
