"""fastwasm.fibonacci: every method and algorithm agree, exactly, and bad
input is refused with a message that names the limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastwasm

METHODS = ("wasm", "native", "python")


def reference(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


# Each algorithm's range, kept small enough for pure Python to be quick.
RANGES = {"iterative": 5000, "recursive": 22, "fast_doubling": 20000}


@given(data=st.data())
def test_every_method_and_algorithm_agree_with_a_plain_reference(data: st.DataObject) -> None:
    algorithm = data.draw(st.sampled_from(sorted(RANGES)))
    n = data.draw(st.integers(min_value=0, max_value=RANGES[algorithm]))
    expected = reference(n)
    for method in METHODS:
        assert fastwasm.fibonacci(n, method, algorithm) == expected, (n, method, algorithm)
        assert fastwasm.fibonacci_digits(n, method, algorithm) == fastwasm.int_to_decimal(expected)


def test_the_u64_boundary() -> None:
    for method in METHODS:
        assert fastwasm.fibonacci(93, method, "fast_doubling") == 12200160415121876738
        assert fastwasm.fibonacci(94, method, "iterative") == 19740274219868223167
    assert fastwasm.fibonacci(100, "wasm") == 354224848179261915075


def test_huge_values_are_exact_past_the_python_digit_limit() -> None:
    digits = fastwasm.fibonacci_digits(100_000, "wasm", "fast_doubling")
    assert len(digits) == 20899
    assert digits == fastwasm.fibonacci_digits(100_000, "native", "fast_doubling")
    assert digits == fastwasm.fibonacci_digits(100_000, "python", "fast_doubling")
    value = fastwasm.fibonacci(100_000, "wasm", "fast_doubling")
    assert value == fastwasm.pure.fast_doubling(100_000)


@pytest.mark.parametrize("method", METHODS)
def test_bad_arguments_are_value_errors_that_name_the_limit(method: str) -> None:
    with pytest.raises(ValueError, match=r"n must be >= 0"):
        fastwasm.fibonacci(-1, method)
    with pytest.raises(ValueError, match=r"n must be <= 4294967295"):
        fastwasm.fibonacci(2**32, method)
    with pytest.raises(ValueError, match=r"F\(94\) does not fit in a u64: the largest that does is F\(93\)"):
        fastwasm.fibonacci(94, method, "recursive")
    with pytest.raises(ValueError, match='unknown algorithm "magic"'):
        fastwasm.fibonacci(5, method, "magic")
    with pytest.raises(TypeError, match="n must be an int"):
        fastwasm.fibonacci("5", method)  # type: ignore[arg-type]


def test_an_unknown_method_is_named() -> None:
    with pytest.raises(ValueError, match='unknown method "gpu"'):
        fastwasm.fibonacci(5, "gpu")


def test_the_fibonacci_module_facade() -> None:
    fib = fastwasm.default_fibonacci_module()
    assert fib.compute(39) == 63245986
    assert fib.digits(1000, "fast_doubling") == fastwasm.int_to_decimal(reference(1000))
    with pytest.raises(fastwasm.WasmTimeout):
        fastwasm.Runtime(timeout_s=0.05, use_cache=False).fibonacci_module().digits(1_000_000)
