"""The image component's box blur three ways, for the benchmark and its tests.

- `blur_python`: the same algorithm as `crates/components/image` in pure
  Python (a running sum per line, edges clamped, rounded to nearest), so the
  WebAssembly result can be checked byte for byte.
- `blur_pillow`: Pillow's `ImageFilter.BoxBlur`, the C-backed library a
  Python user would reach for. It gives the same bytes
  (tests/fastwasm/components/test_image.py checks it).
"""

from __future__ import annotations

from PIL import Image, ImageFilter


def _pass(src: bytes | bytearray, lines: int, length: int, line_step: int, step: int, radius: int) -> bytearray:
    dst = bytearray(len(src))
    window = 2 * radius + 1
    half = window // 2
    last = length - 1
    for line in range(lines):
        base = line * line_step
        for c in range(4):
            at = base + c
            values = [src[at + i * step] for i in range(length)]
            total = sum(values[min(max(k - radius, 0), last)] for k in range(window))
            for i in range(length):
                dst[at + i * step] = (total + half) // window
                total += values[min(i + radius + 1, last)] - values[max(i - radius, 0)]
    return dst


def blur_python(rgba: bytes, width: int, height: int, radius: int) -> bytes:
    """Box blur of `radius` pixels, rows then columns, edges clamped."""
    if width * height * 4 != len(rgba) or width == 0 or height == 0:
        raise ValueError(f"{len(rgba)} bytes is not width × height × 4 = {width} × {height} × 4")
    if not 1 <= radius <= 1024:
        raise ValueError("radius must be in [1, 1024]")
    rows = _pass(rgba, height, width, 4 * width, 4, radius)
    return bytes(_pass(rows, width, height, 4, 4 * width, radius))


def blur_pillow(rgba: bytes, width: int, height: int, radius: int) -> bytes:
    """Pillow's box blur of the same radius, on the same raw RGBA."""
    image = Image.frombytes("RGBA", (width, height), rgba)
    return image.filter(ImageFilter.BoxBlur(radius)).tobytes()
