"""fastwasm.pure: the Python kernels the comparisons run."""

from __future__ import annotations

import pytest

from fastwasm import pure


def test_the_three_algorithms_agree() -> None:
    for n in range(25):
        assert pure.iterative(n) == pure.recursive(n) == pure.fast_doubling(n)
    assert pure.iterative(1000) == pure.fast_doubling(1000)


def test_refusals() -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        pure.fibonacci(-3)
    with pytest.raises(ValueError, match="unknown algorithm"):
        pure.fibonacci(3, "bogus")
    with pytest.raises(ValueError, match="largest that does is F"):
        pure.fibonacci(94, "recursive")
