"""A bytes kernel served over HTTP: `POST /kernels/image/grayscale`, by the
FastAPI service and by fastwasm-server, against the same kernel in pure
Python behind FastAPI, and against a hand-written FastAPI endpoint that
parses the body in Python before calling the component (what handing the raw
body to Rust saves). Then the same call in-process, without HTTP.

Run: part of `make bench-http` (BENCH_QUICK=1: short blocks, one round).

Every server runs pinned to CPU 0 and `hey` to CPU 1; the contenders are
interleaved round by round. Two inputs: a 16×16 RGBA image (1 KiB) and a
512×512 one (1 MiB), as JSON (base64) and, for the kernel route, as raw
bytes both ways (`application/octet-stream`).
"""

from __future__ import annotations

import base64
import json
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

import fastwasm
from bench.apps.pure_kernels_app import grayscale_python
from bench.common import (
    QUICK,
    ROUNDS,
    Row,
    calls_for,
    fastwasm_server,
    free_port,
    hey,
    machine,
    percentile_ms,
    pinned,
    rate_of,
    run_table,
    rust_server,
    serving,
    uvicorn_app,
    write_results,
)

SECONDS = 1 if QUICK else 5
HTTP_ROUNDS = 1 if QUICK else 3
CONNECTIONS = 8
SIZES = {"1 KiB": 16, "1 MiB": 512}
ROUTE = "/kernels/image/grayscale"


def image(side: int) -> bytes:
    return bytes((i * 7919) % 251 for i in range(side * side * 4))


INLINE_ROUTE = "/kernels/image-inline/grayscale"


def contenders(fastapi: str, rust: str, pure: str) -> dict[str, tuple[str, str, str | None]]:
    """name -> (url, content type, Accept)."""
    json_type = "application/json"
    raw = "application/octet-stream"
    return {
        "FastAPI kernel route, JSON": (fastapi + ROUTE, json_type, None),
        "fastwasm-server kernel route, JSON": (rust + ROUTE, json_type, None),
        "FastAPI kernel route, JSON, heavy = false": (fastapi + INLINE_ROUTE, json_type, None),
        "fastwasm-server kernel route, JSON, heavy = false": (rust + INLINE_ROUTE, json_type, None),
        "FastAPI kernel route, raw bytes": (fastapi + ROUTE, raw, raw),
        "fastwasm-server kernel route, raw bytes": (rust + ROUTE, raw, raw),
        "FastAPI, pydantic body + Component.call": (pure + "/dict/image/grayscale", json_type, None),
        "FastAPI, pure Python kernel": (pure + "/python/image/grayscale", json_type, None),
    }


def http(bodies: dict[str, dict[str, Path]], kernels_dir: Path) -> dict[str, Any]:
    """Every contender under hey; the kernel routes serve `kernels_dir`: the
    image component twice, as `image` (heavy, the default) and as
    `image-inline` (its sidecar says `heavy = false`)."""
    ports = free_port(), free_port(), free_port()
    env = {"FASTWASM_KERNELS_DIR": str(kernels_dir)}
    fastapi, rust, pure = (f"http://127.0.0.1:{p}" for p in ports)
    pure_app = uvicorn_app("bench.apps.pure_kernels_app:app", ports[2])
    rows: dict[str, dict[str, Any]] = {}
    with (
        serving(pinned(0) + fastwasm_server(ports[0]), f"{fastapi}/health", env),
        serving(pinned(0) + rust_server(ports[1]), f"{rust}/health", env),
        serving(pinned(0) + pure_app, f"{pure}/health"),
    ):
        for size in bodies:
            for name in contenders(fastapi, rust, pure):
                rows[f"{name}, {size}"] = {"rates": [], "latencies": [], "non_2xx": 0}
        for _ in range(HTTP_ROUNDS):
            for size, files in bodies.items():
                for name, (url, content_type, accept) in contenders(fastapi, rust, pure).items():
                    body = files["raw" if content_type == "application/octet-stream" else "json"]
                    sample = hey(url, SECONDS, CONNECTIONS, cpu=1, body=body, content_type=content_type, accept=accept)
                    row = rows[f"{name}, {size}"]
                    row["rates"].append(rate_of(sample, SECONDS))
                    row["latencies"] += [float(r["response-time"]) for r in sample]
                    row["non_2xx"] += sum(1 for r in sample if not r["status-code"].startswith("2"))
    return {
        "rows": [
            {
                "name": name,
                "req_per_s": row["rates"],
                "req_per_s_median": statistics.median(row["rates"]),
                "p50_ms": percentile_ms(row["latencies"], 0.50),
                "p99_ms": percentile_ms(row["latencies"], 0.99),
                "requests": len(row["latencies"]),
                "non_2xx": row["non_2xx"],
            }
            for name, row in rows.items()
        ],
        "conditions": f"hey -z {SECONDS}s -c {CONNECTIONS} -m POST, {HTTP_ROUNDS} rounds interleaved; "
        + ("each server on CPU 0, hey on CPU 1" if pinned(0) else "no pinning"),
    }


def in_process(images: dict[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    """Per-call time without HTTP: the Python API, the kernel route's Rust
    path (raw JSON bytes in and out), the same with Python parsing the JSON,
    and the pure-Python kernel."""
    runtime = fastwasm.Runtime()
    component = runtime.load(Path(fastwasm.__file__).with_name("components") / "image.wasm")
    assert isinstance(component, fastwasm.Component)
    kernels = fastwasm.KernelSet(
        runtime,
        Path(fastwasm.__file__).with_name("components"),
        timeout_s=10,
        max_memory_mb=64,
        max_body_bytes=8 << 20,
    )
    tables = {}
    for size, rgba in images.items():
        body = json.dumps({"rgba": base64.b64encode(rgba).decode()}).encode()
        expected = grayscale_python(rgba)
        assert component.call("grayscale", rgba) == expected
        assert base64.b64decode(json.loads(kernels.call("image", "grayscale", body).body)["result"]) == expected

        def by_python_dict(body: bytes = body) -> bytes:
            rgba = base64.b64decode(json.loads(body)["rgba"])
            result = component.call("grayscale", rgba)
            return json.dumps({"result": base64.b64encode(result).decode()}).encode()

        big = len(rgba) > 4096
        k = 0.02 if QUICK else 0.25
        rows = run_table(
            [
                Row(
                    'Component.call("grayscale", rgba)',
                    lambda r=rgba: component.call("grayscale", r),
                    calls_for(0.4e-3 if big else 2e-6, k),
                ),
                Row(
                    "KernelSet.call(...): the route's path, JSON bytes in and out",
                    lambda b=body: kernels.call("image", "grayscale", b),
                    calls_for(3e-3 if big else 5e-6, k),
                ),
                Row(
                    "json.loads + b64decode + Component.call + b64encode + json.dumps",
                    by_python_dict,
                    calls_for(4e-3 if big else 8e-6, k),
                ),
                Row("pure Python kernel", lambda r=rgba: grayscale_python(r), calls_for(0.2 if big else 2e-4, k)),
            ]
        )
        tables[size] = [{"name": r.name, "median_us": r.median, "samples_us": r.samples_us} for r in rows]
    return tables


def main() -> None:
    images = {size: image(side) for size, side in SIZES.items()}
    with tempfile.TemporaryDirectory() as scratch:
        bodies: dict[str, dict[str, Path]] = {}
        for size, rgba in images.items():
            raw = Path(scratch) / f"{side_of(size)}.rgba"
            raw.write_bytes(rgba)
            as_json = Path(scratch) / f"{side_of(size)}.json"
            as_json.write_text(json.dumps({"rgba": base64.b64encode(rgba).decode()}))
            bodies[size] = {"raw": raw, "json": as_json}
        kernels_dir = Path(scratch) / "kernels"
        kernels_dir.mkdir()
        component = Path(fastwasm.__file__).with_name("components") / "image.wasm"
        shutil.copy(component, kernels_dir / "image.wasm")
        shutil.copy(component, kernels_dir / "image-inline.wasm")
        (kernels_dir / "image-inline.toml").write_text("heavy = false\n")
        payload = {
            "machine": machine("make bench-http (bench/suite/kernel_http.py)"),
            "http": http(bodies, kernels_dir),
            "in_process": in_process(images),
            "rounds": ROUNDS,
        }
    path = write_results("kernel-http", payload)
    for row in payload["http"]["rows"]:
        print(
            f"{row['name']}: {row['req_per_s_median']:,.0f} req/s, p99 {row['p99_ms']:.1f} ms, {row['non_2xx']} non-2xx"
        )
    for size, rows in payload["in_process"].items():
        for row in rows:
            print(f"in-process {size}: {row['name']}: {row['median_us']:,.1f} µs")
    print(f"wrote {path}")


def side_of(size: str) -> int:
    return SIZES[size]


if __name__ == "__main__":
    main()
