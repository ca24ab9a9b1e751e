"""The image component (python/fastwasm/components/image.wasm): its box blur
is byte for byte the pure-Python algorithm's and Pillow's, and a buffer that
does not fit is the guest's own error."""

from __future__ import annotations

import random

import pytest
from bench.suite.image_filters import blur_pillow, blur_python

import fastwasm


def pixels(width: int, height: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return rng.randbytes(width * height * 4)


@pytest.mark.parametrize(("width", "height", "radius"), [(1, 1, 1), (37, 23, 1), (37, 23, 3), (16, 64, 5), (9, 7, 40)])
def test_blur_is_the_pure_python_algorithm_and_pillows(
    image: fastwasm.Component, width: int, height: int, radius: int
) -> None:
    rgba = pixels(width, height, seed=width * 1000 + radius)
    blurred = image.call("blur", rgba, width, height, radius)
    assert isinstance(blurred, bytes)
    assert blurred == blur_python(rgba, width, height, radius)
    assert blurred == blur_pillow(rgba, width, height, radius)


def test_blur_takes_keywords_bytearray_and_memoryview(image: fastwasm.Component) -> None:
    rgba = pixels(8, 8, seed=1)
    expected = blur_python(rgba, 8, 8, 2)
    assert image.call("blur", rgba=bytearray(rgba), width=8, height=8, radius=2) == expected
    assert image.call("blur", memoryview(rgba), 8, 8, 2) == expected


def test_grayscale_is_bt601_luma_with_alpha_kept(image: fastwasm.Component) -> None:
    rgba = bytes([255, 0, 0, 7, 0, 255, 0, 8, 0, 0, 255, 9, 10, 20, 30, 255])
    expected = bytearray()
    for r, g, b, a in zip(rgba[::4], rgba[1::4], rgba[2::4], rgba[3::4], strict=True):
        luma = (299 * r + 587 * g + 114 * b + 500) // 1000
        expected += bytes([luma, luma, luma, a])
    assert image.call("grayscale", rgba) == bytes(expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((b"\0" * 15, 2, 2, 1), "15 bytes is not width × height × 4 = 2 × 2 × 4"),
        ((b"", 0, 0, 1), "0 bytes is not width × height × 4 = 0 × 0 × 4"),
        ((b"\0" * 16, 2, 2, 0), "radius must be in [1, 1024]"),
        ((b"\0" * 16, 2, 2, 1025), "radius must be in [1, 1024]"),
    ],
)
def test_a_buffer_that_does_not_fit_is_the_guests_error(
    image: fastwasm.Component, args: tuple[object, ...], message: str
) -> None:
    with pytest.raises(fastwasm.GuestError) as caught:
        image.call("blur", *args)
    assert caught.value.value == message
    assert caught.value.function == "blur"
    # The pool still answers.
    assert image.call("blur", b"\1\2\3\4", 1, 1, 1) == b"\1\2\3\4"


def test_a_width_past_u32_is_refused_before_the_guest(image: fastwasm.Component) -> None:
    with pytest.raises(ValueError, match="width"):
        image.call("blur", b"", 2**32, 1, 1)
