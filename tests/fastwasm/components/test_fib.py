"""The Fibonacci kernels as a component (python/fastwasm/components/fib.wasm):
the same digits as the native kernels for every algorithm, and the limit
named in the guest's error."""

from __future__ import annotations

import pytest

import fastwasm


def test_the_signature_is_the_wit(fib: fastwasm.Component) -> None:
    (export,) = fib.exports
    assert (
        export.signature
        == "func(n: u32, algorithm: enum { iterative, recursive, fast-doubling }) -> result<string, string>"
    )


@pytest.mark.parametrize(
    ("n", "algorithm"),
    [
        (0, "iterative"),
        (1, "recursive"),
        (25, "recursive"),
        (93, "iterative"),
        (94, "iterative"),
        (1000, "fast-doubling"),
    ],
)
def test_fib_is_the_native_kernels_digits(fib: fastwasm.Component, n: int, algorithm: str) -> None:
    native = fastwasm.fibonacci_digits(n, "native", algorithm.replace("-", "_"))
    assert fib.call("fib", n, algorithm) == native
    # snake_case works for the enum's case too.
    assert fib.call("fib", n=n, algorithm=algorithm.replace("-", "_")) == native


def test_the_limit_is_the_guests_error(fib: fastwasm.Component) -> None:
    with pytest.raises(fastwasm.GuestError) as caught:
        fib.call("fib", 94, "recursive")
    assert "93" in caught.value.value
    assert fib.call("fib", 10, "recursive") == "55"


def test_a_case_the_enum_lacks_is_refused_before_the_guest(fib: fastwasm.Component) -> None:
    with pytest.raises(
        ValueError,
        match=r"argument algorithm: \"golden\" is not a case of this enum: "
        r"expected one of iterative, recursive, fast-doubling",
    ):
        fib.call("fib", 10, "golden")
