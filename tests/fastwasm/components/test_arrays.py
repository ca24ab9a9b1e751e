"""Lists of numbers as one block: numpy arrays, `array.array` and
memoryviews in (their item format checked strictly), a list or an array out
(`arrays=`), for every integer and float element type; and the numeric
kernel (python/fastwasm/components/numeric.wasm) against numpy."""

from __future__ import annotations

import array
import asyncio
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastwasm

from ..conftest import COMPONENTS

DOCS = Path(__file__).resolve().parents[3] / "docs" / "components.md"

# WIT element type -> numpy dtype (native byte order).
DTYPES = {
    "s8": np.int8,
    "u16": np.uint16,
    "s16": np.int16,
    "u32": np.uint32,
    "s64": np.int64,
    "u64": np.uint64,
    "f32": np.float32,
    "f64": np.float64,
}


@pytest.fixture(scope="module")
def echo_arrays(echo: fastwasm.Component) -> fastwasm.Component:
    return echo.with_arrays("array")


@pytest.fixture(scope="module")
def numeric(component_runtime: fastwasm.Runtime) -> fastwasm.Component:
    component = component_runtime.load(COMPONENTS / "numeric.wasm", arrays="array")
    assert isinstance(component, fastwasm.Component)
    return component


def arrays_of(wit: str) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(DTYPES[wit], st.integers(0, 300))


@pytest.mark.parametrize("wit", sorted(DTYPES))
def test_numbers_round_trip_as_arrays_and_lists(
    echo: fastwasm.Component, echo_arrays: fastwasm.Component, wit: str
) -> None:
    @given(arrays_of(wit))
    def round_trip(values: np.ndarray) -> None:
        back = echo_arrays.call(f"echo_{wit}s", values)
        assert isinstance(back, np.ndarray)
        assert back.dtype == values.dtype
        np.testing.assert_array_equal(back, values)  # NaN equals NaN here, bit for bit otherwise
        assert back.tobytes() == values.tobytes()
        as_list = echo.call(f"echo_{wit}s", values)
        assert isinstance(as_list, list)
        np.testing.assert_array_equal(np.array(as_list, values.dtype), values)
        np.testing.assert_array_equal(np.array(echo.call(f"echo_{wit}s", values.tolist()), values.dtype), values)
        code = values.dtype.char if wit not in ("s64", "u64") else {"s64": "q", "u64": "Q"}[wit]
        from_array = echo_arrays.call(f"echo_{wit}s", array.array(code, values.tobytes()))
        assert from_array.tobytes() == values.tobytes()
        assert echo_arrays.call(f"echo_{wit}s", memoryview(values)).tobytes() == values.tobytes()

    round_trip()


def test_a_list_in_gives_an_array_out(echo_arrays: fastwasm.Component) -> None:
    back = echo_arrays.call("echo_f64s", [1.5, -2.0])
    assert back.dtype == np.float64
    assert back.tolist() == [1.5, -2.0]
    # The array is writable and owns its memory's lifetime.
    back[0] = 7.0
    assert back.tolist() == [7.0, -2.0]


@pytest.mark.parametrize(
    ("wit", "given_dtype", "got"),
    [
        ("f32", np.float64, "float64"),
        ("f64", np.float32, "float32"),
        ("u64", np.int64, "int64"),
        ("s16", np.uint16, "uint16"),
    ],
)
def test_a_wrong_item_format_names_both_types(echo: fastwasm.Component, wit: str, given_dtype: type, got: str) -> None:
    with pytest.raises(fastwasm.ArgumentTypeError) as caught:
        echo.call(f"echo_{wit}s", np.zeros(3, given_dtype))
    assert f"list<{wit}>" in str(caught.value)
    assert got in str(caught.value)
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        (np.zeros(8)[::2], "not C-contiguous"),
        (np.zeros((2, 2)), "2-dimensional"),
        (np.zeros(3, dtype=">f8"), '">d"'),
    ],
)
def test_strided_two_dimensional_and_foreign_order_buffers_are_refused(
    echo: fastwasm.Component, values: np.ndarray, words: str
) -> None:
    with pytest.raises(fastwasm.ArgumentTypeError, match=words):
        echo.call("echo_f64s", values)


def test_a_bytes_object_is_not_a_list_of_floats(echo: fastwasm.Component) -> None:
    with pytest.raises(fastwasm.ArgumentTypeError):
        echo.call("echo_f64s", bytes(16))


def test_without_numpy_an_array_out_is_array_array() -> None:
    script = f"""
import sys
sys.modules["numpy"] = None  # import numpy raises ImportError
import array, fastwasm
echo = fastwasm.Runtime(use_cache=False).load({str(COMPONENTS / "echo.wasm")!r}, arrays="array")
back = echo.call("echo_f32s", array.array("f", [1.5, 2.5]))
assert isinstance(back, array.array) and back.typecode == "f", type(back)
assert back.tolist() == [1.5, 2.5]
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_arrays_must_be_list_or_array(component_runtime: fastwasm.Runtime, echo: fastwasm.Component) -> None:
    with pytest.raises(ValueError, match="arrays must be"):
        echo.with_arrays("numpy")
    with pytest.raises(ValueError, match="arrays must be"):
        component_runtime.load(Path(COMPONENTS / "echo.wasm"), arrays="tuple")
    assert echo.arrays == "list"
    assert echo.with_arrays("array").arrays == "array"


@given(hnp.arrays(np.float64, st.integers(0, 500), elements=st.floats(-1e300, 1e300)), st.floats(-4, 4))
def test_scale_is_numpys(numeric: fastwasm.Component, values: np.ndarray, k: float) -> None:
    np.testing.assert_array_equal(numeric.call("scale", values, k), values * k)


def test_the_numeric_kernels_agree_with_numpy(numeric: fastwasm.Component) -> None:
    rng = np.random.default_rng(7)
    floats = rng.standard_normal(10_001).astype(np.float32)
    assert numeric.call("sum_f32", floats) == pytest.approx(float(floats.sum(dtype=np.float64)), rel=1e-4)
    a, b = rng.standard_normal(999), rng.standard_normal(999)
    assert numeric.call("dot", a, b) == pytest.approx(float(a @ b), rel=1e-12)
    counts = numeric.call("histogram_u16", rng.integers(0, 65536, 50_000, dtype=np.uint16), 16)
    assert counts.dtype == np.uint32
    values = rng.integers(0, 65536, 50_000, dtype=np.uint16)
    np.testing.assert_array_equal(
        numeric.call("histogram_u16", values, 16), np.bincount(values.astype(np.int64) * 16 >> 16, minlength=16)
    )
    kernel = rng.standard_normal(5).astype(np.float32)
    np.testing.assert_allclose(
        numeric.call("correlate", floats, kernel), np.correlate(floats, kernel, "valid"), rtol=1e-4, atol=1e-5
    )


def test_the_numeric_kernels_name_what_does_not_fit(numeric: fastwasm.Component) -> None:
    with pytest.raises(fastwasm.GuestError, match="3 elements and b has 2"):
        numeric.call("dot", np.zeros(3), np.zeros(2))
    with pytest.raises(fastwasm.GuestError, match="bins must be in"):
        numeric.call("histogram_u16", np.zeros(3, np.uint16), 0)
    with pytest.raises(fastwasm.GuestError, match="at most the signal's 2"):
        numeric.call("correlate", np.zeros(2, np.float32), np.zeros(3, np.float32))


def test_markdown_renders_commonmark_and_tables(component_runtime: fastwasm.Runtime) -> None:
    markdown = component_runtime.load(COMPONENTS / "markdown.wasm")
    assert markdown.call("render", "# Title\n\n*em* and ~~gone~~") == (
        "<h1>Title</h1>\n<p><em>em</em> and <del>gone</del></p>\n"
    )
    assert "<table>" in markdown.call("render", "| a | b |\n|---|---|\n| 1 | 2 |\n")


def test_the_docs_arrays_example_runs_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)
    (block,) = [b for b in blocks if 'arrays="array"' in b]
    monkeypatch.chdir(DOCS.parents[1])
    exec(compile(block, str(DOCS), "exec"), {"__name__": "docs_components"})
    expected = re.findall(r"print\(.*\)[ \t]+# (.*)", block)
    assert len(expected) == 3
    assert capsys.readouterr().out.splitlines() == expected


@pytest.mark.parametrize("inline", [True, False])
def test_acall_takes_and_returns_arrays_as_call_does(numeric: fastwasm.Component, inline: bool) -> None:
    values = np.arange(1000.0)
    awaited = asyncio.run(numeric.acall("scale", values, 3.0, inline=inline))
    assert isinstance(awaited, np.ndarray)
    np.testing.assert_array_equal(awaited, numeric.call("scale", values, 3.0))
