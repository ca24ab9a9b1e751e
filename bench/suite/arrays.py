"""Lists of numbers as one block, side by side in one interleaved run:
`scale(v: list<f64>, k: f64)` over 1,000,000 f64 (numpy in and out, list
in and out, numpy's own `v * k`, wasmtime-py's component call, and the same
typed call from Rust on wasmtime alone), with the 8 MiB `xor-bytes` call as
the memory-copy reference; a `list<f32>` sum and a `list<u16>` histogram
against numpy; the image kernels built scalar and with simd128 against
Pillow and numpy; and the deadline on and off (`load(..., deadline=False)`)
beside wasmtime-py without and with epoch interruption: pulldown-cmark
rendering the repository's own docs, recursive fib(30), and the blur.

    python -m bench.suite.arrays        (make bench-arrays)

Figures are medians over rounds (every sample kept, in round order); each
round runs every row. Writes bench/results/arrays.json (arrays-quick.json
with BENCH_QUICK=1), which `bench/suite/report.py` turns into its section of
docs/benchmarks.md.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import wasmtime
from PIL import Image, ImageFilter
from wasmtime import component as wc

import fastwasm
from bench.common import QUICK, ROOT, machine, write_results

COMPONENTS = Path(fastwasm.__file__).with_name("components")
NUMERIC, ECHO, IMAGE, MARKDOWN, FIB = (
    COMPONENTS / f"{n}.wasm" for n in ("numeric", "echo", "image", "markdown", "fib")
)
SCALAR_IMAGE = ROOT / "target" / "scalar" / "image.wasm"
RUST_EXAMPLE = ROOT / "target" / "release" / "examples" / "array_call_cost"

N = 100_000 if QUICK else 1_000_000
ROUNDS = 2 if QUICK else 7
BUDGET_S = 0.05 if QUICK else 0.4
SIDE = 128 if QUICK else 512


def per_call_us(call: Callable[[], object]) -> float:
    """Mean µs of `call`, run for about BUDGET_S."""
    call()
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < BUDGET_S:
        call()
        calls += 1
    return (time.perf_counter() - started) / calls * 1e6


def wasmtime_py(path: Path, epochs: bool) -> tuple[wasmtime.Store, wc.Instance]:
    """wasmtime-py's component API: one cached instance, WASI p2 linked."""
    config = wasmtime.Config()
    config.epoch_interruption = epochs
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    if epochs:
        store.set_epoch_deadline(1 << 40)
    store.set_wasi(wasmtime.WasiConfig())
    linker = wc.Linker(engine)
    linker.add_wasip2()
    return store, linker.instantiate(store, wc.Component.from_file(engine, str(path)))


def markdown_text() -> str:
    """The repository's own docs, concatenated (about 150 KiB)."""
    docs = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    return "\n\n".join(p.read_text() for p in docs)


def rows() -> dict[str, dict[str, Callable[[], object]]]:
    runtime = fastwasm.Runtime(timeout_s=30, max_memory_mb=256)
    numeric = runtime.load(NUMERIC, arrays="array")
    numeric_trusted = runtime.load(NUMERIC, arrays="array", deadline=False)
    numeric_lists = numeric.with_arrays("list")
    echo = runtime.load(ECHO)
    image = runtime.load(IMAGE)
    scalar_image = runtime.load(SCALAR_IMAGE)
    markdown = runtime.load(MARKDOWN)
    trusted = {path: runtime.load(path, deadline=False) for path in (MARKDOWN, FIB, IMAGE)}
    fib = runtime.load(FIB)

    v = np.arange(N, dtype=np.float64)
    v_list = v.tolist()
    data = bytes(8 * N)
    store, instance = wasmtime_py(NUMERIC, epochs=False)
    wpy_scale = instance.get_func(store, "scale")
    assert wpy_scale is not None
    floats = np.random.default_rng(1).standard_normal(N).astype(np.float32)
    u16 = np.random.default_rng(2).integers(0, 65536, N, dtype=np.uint16)
    rgba = np.random.default_rng(3).integers(0, 256, SIDE * SIDE * 4, dtype=np.uint8).tobytes()
    pil = Image.frombytes("RGBA", (SIDE, SIDE), rgba)
    text = markdown_text()
    md_plain, md_plain_instance = wasmtime_py(MARKDOWN, epochs=False)
    md_epochs, md_epochs_instance = wasmtime_py(MARKDOWN, epochs=True)
    render_plain = md_plain_instance.get_func(md_plain, "render")
    render_epochs = md_epochs_instance.get_func(md_epochs, "render")
    assert render_plain is not None
    assert render_epochs is not None
    fib_plain, fib_plain_instance = wasmtime_py(FIB, epochs=False)
    fib_epochs, fib_epochs_instance = wasmtime_py(FIB, epochs=True)
    blur_plain, blur_plain_instance = wasmtime_py(IMAGE, epochs=False)
    blur_epochs, blur_epochs_instance = wasmtime_py(IMAGE, epochs=True)
    wpy_fib = {s: i.get_func(s, "fib") for s, i in ((fib_plain, fib_plain_instance), (fib_epochs, fib_epochs_instance))}
    wpy_blur = {
        s: i.get_func(s, "blur") for s, i in ((blur_plain, blur_plain_instance), (blur_epochs, blur_epochs_instance))
    }

    # Every contender computes the same thing.
    np.testing.assert_array_equal(numeric.call("scale", v, 2.0), v * 2.0)
    np.testing.assert_array_equal(numeric_trusted.call("scale", v, 2.0), v * 2.0)
    assert numeric_lists.call("scale", v_list[:10], 2.0) == (v[:10] * 2.0).tolist()
    assert wpy_scale(store, v_list[:10], 2.0) == (v[:10] * 2.0).tolist()
    wpy_scale.post_return(store)
    assert image.call("blur", rgba, SIDE, SIDE, 8) == scalar_image.call("blur", rgba, SIDE, SIDE, 8)
    assert markdown.call("render", text) == render_plain(md_plain, text)
    render_plain.post_return(md_plain)
    assert trusted[MARKDOWN].call("render", text) == markdown.call("render", text)
    assert trusted[FIB].call("fib", 30, "recursive") == fib.call("fib", 30, "recursive") == "832040"
    assert trusted[IMAGE].call("blur", rgba, SIDE, SIDE, 8) == image.call("blur", rgba, SIDE, SIDE, 8)

    def wpy(func: wc.Func, s: wasmtime.Store, *args: object) -> object:
        out = func(s, *args)
        func.post_return(s)
        return out

    def luma_numpy(x: np.ndarray) -> np.ndarray:
        """The grayscale kernel's luma in numpy (the alpha-keeping write-back left out)."""
        px = x.reshape(-1, 4).astype(np.uint32)
        return (299 * px[:, 0] + 587 * px[:, 1] + 114 * px[:, 2] + 500) // 1000

    rgba_np = np.frombuffer(rgba, np.uint8)
    return {
        f"scale over {N:,} f64": {
            "fastwasm: numpy in, numpy out": lambda: numeric.call("scale", v, 2.0),
            "fastwasm: numpy in, numpy out, deadline off": lambda: numeric_trusted.call("scale", v, 2.0),
            "fastwasm: list in, list out": lambda: numeric_lists.call("scale", v_list, 2.0),
            "numpy: v * k": lambda: v * 2.0,
            "wasmtime-py component call (list in, list out)": lambda: wpy(wpy_scale, store, v_list, 2.0),
            f"fastwasm: xor-bytes over {8 * N:,} bytes (the memory-copy reference)": lambda: echo.call(
                "xor-bytes", data, 1
            ),
        },
        f"sum and histogram over {N:,}": {
            "fastwasm: sum-f32(numpy f32)": lambda: numeric.call("sum_f32", floats),
            "numpy: v.sum()": lambda: floats.sum(),
            "fastwasm: histogram-u16(numpy u16, 256 bins)": lambda: numeric.call("histogram_u16", u16, 256),
            "numpy: bincount(v >> 8)": lambda: np.bincount(u16 >> 8, minlength=256),
        },
        f"image kernels, {SIDE}×{SIDE} RGBA": {
            "blur radius 8: simd128": lambda: image.call("blur", rgba, SIDE, SIDE, 8),
            "blur radius 8: scalar": lambda: scalar_image.call("blur", rgba, SIDE, SIDE, 8),
            "blur radius 8: Pillow BoxBlur": lambda: pil.filter(ImageFilter.BoxBlur(8)),
            "grayscale: simd128": lambda: image.call("grayscale", rgba),
            "grayscale: scalar": lambda: scalar_image.call("grayscale", rgba),
            "grayscale: numpy (luma only)": lambda: luma_numpy(rgba_np),
        },
        f"pulldown-cmark on {len(text) // 1024} KiB of Markdown": {
            "fastwasm, deadline on": lambda: markdown.call("render", text),
            "fastwasm, deadline off": lambda: trusted[MARKDOWN].call("render", text),
            "wasmtime-py, no deadline": lambda: wpy(render_plain, md_plain, text),
            "wasmtime-py, epoch interruption on": lambda: wpy(render_epochs, md_epochs, text),
        },
        "recursive fib(30)": {
            "fastwasm, deadline on": lambda: fib.call("fib", 30, "recursive"),
            "fastwasm, deadline off": lambda: trusted[FIB].call("fib", 30, "recursive"),
            "wasmtime-py, no deadline": lambda: wpy(wpy_fib[fib_plain], fib_plain, 30, "recursive"),
            "wasmtime-py, epoch interruption on": lambda: wpy(wpy_fib[fib_epochs], fib_epochs, 30, "recursive"),
        },
        f"blur radius 8 (simd128), {SIDE}×{SIDE} RGBA": {
            "fastwasm, deadline on": lambda: image.call("blur", rgba, SIDE, SIDE, 8),
            "fastwasm, deadline off": lambda: trusted[IMAGE].call("blur", rgba, SIDE, SIDE, 8),
            "wasmtime-py, no deadline": lambda: wpy(wpy_blur[blur_plain], blur_plain, rgba, SIDE, SIDE, 8),
            "wasmtime-py, epoch interruption on": lambda: wpy(wpy_blur[blur_epochs], blur_epochs, rgba, SIDE, SIDE, 8),
        },
    }


def rust_rows() -> dict[str, float]:
    out = subprocess.run(
        [str(RUST_EXAMPLE), str(NUMERIC), str(BUDGET_S), str(N)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    return {name: float(us) for name, us in (line.split("\t") for line in out.splitlines())}


def main() -> None:
    tables = rows()
    samples: dict[str, dict[str, list[float]]] = {t: {r: [] for r in rs} for t, rs in tables.items()}
    rust_table = f"scale over {N:,} f64"
    for _ in range(ROUNDS):
        for table, contenders in tables.items():
            for name, call in contenders.items():
                samples[table][name].append(per_call_us(call))
        for name, us in rust_rows().items():
            samples[rust_table].setdefault(f"Rust: {name}", []).append(us)
    report: dict[str, Any] = {
        "machine": machine("make bench-arrays (bench/suite/arrays.py)"),
        "conditions": f"{ROUNDS} interleaved rounds of about {BUDGET_S:g} s a row; {N:,} elements;"
        f" {SIDE}×{SIDE} images; unpinned",
        "rounds": ROUNDS,
        "n": N,
        "side": SIDE,
        "tables": {},
    }
    for table, contenders in samples.items():
        print(f"\n{table}")
        report["tables"][table] = []
        for name, values in contenders.items():
            median = statistics.median(values)
            report["tables"][table].append({"name": name, "median_us": median, "samples_us": values})
            print(f"  {name}: {median:,.1f} µs ({min(values):,.1f}–{max(values):,.1f})")
    print(f"wrote {write_results('arrays', report)}")


if __name__ == "__main__":
    main()
