"""Turns bench/results/*.json into docs/benchmarks.md, the PNG charts in
docs/img/, and the marked sections of README.md and docs/.

Run: make bench (after the measurements), or .venv/bin/python -m bench.suite.report.
With BENCH_QUICK=1 it reads the *-quick.json files and writes to
bench/results/quick/ instead, so a smoke run never touches the docs; there a
missing result or row fails the run. Every number in the report comes from
the JSON; nothing is typed in by hand. A figure quoted outside
docs/benchmarks.md sits between `<!-- NAME:start (bench/suite/report.py) -->`
and `<!-- NAME:end -->`, and `marked_sections` writes it
(tests/bench/test_report_markers.py checks that the files hold what it writes).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bench.common import QUICK, RESULTS, ROOT
from bench.suite.report_arrays import arrays_missed, arrays_section
from bench.suite.report_charts import IMG_DIR, OUT_DIR
from bench.suite.report_http import (
    asgi_choice_section,
    fastapi_layers_section,
    http_section,
    kernel_http_section,
    kernels_section,
    memory_section,
    ray_http_section,
    scaling_section,
    startup_section,
)
from bench.suite.report_load import cancel_section, cheap_under_heavy_section, floods_summary, soak_section
from bench.suite.report_micro import components_section, peers_section, recursion_section, sweep_section
from bench.suite.report_moved import moved_section
from bench.suite.report_reload import reload_section
from bench.suite.report_startup import startup_kernels_section
from bench.suite.report_targets import headline_lines, targets, why_missed

SUFFIX = "-quick" if QUICK else ""

#: name: the keys it must hold. `make bench` writes every one (`make bench-quick`
#: all but ray-http); only `make soak`'s full run is left out of both.
RESULT_FILES = {
    "micro": ("tables", "thread_scaling", "module_load_ms", "params"),
    "sweep": ("sweeps",),
    "http": ("throughput", "scaling", "startup", "memory", "tutorial_module_bytes"),
    "startup": ("samples", "conditions"),
    "reload": ("rows", "conditions"),
    "fastapi-layers": ("rows", "conditions"),
    "asgi-choice": ("rows", "conditions"),
    "ray-http": ("rows", "conditions"),
    "kernel-http": ("http", "in_process"),
    "acall": ("http", "in_process"),
    "arrays": ("tables", "conditions"),
    "cheap-under-heavy": ("rows", "conditions", "target_p99_ms"),
    "cancel-latency": ("rows", "conditions"),
}
#: Results a run may lack: Ray Serve is too slow to start for the smoke run.
OPTIONAL = {"ray-http"} if QUICK else set()


def load(name: str) -> dict[str, Any] | None:
    """One result file, checked for its keys; None only for an optional one that is absent."""
    path = RESULTS / f"{name}{SUFFIX}.json"
    if not path.exists():
        if name in OPTIONAL:
            return None
        raise SystemExit(f"{path} is missing: its benchmark did not run")
    data: dict[str, Any] = json.loads(path.read_text())
    missing = [key for key in ("machine", *RESULT_FILES[name]) if key not in data]
    if missing:
        raise SystemExit(f"{path}: malformed, missing {missing}")
    return data


def load_all() -> dict[str, Any]:
    return {name: load(name) for name in RESULT_FILES}


def marked_sections(results: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(file, marker name): the lines between that file's markers."""
    _, h, missed = targets(results["micro"], results["http"], results["sweep"])
    return {
        ("README.md", "headline"): headline_lines(
            h, missed, results["micro"], results["sweep"], results["http"], arrays_missed(results["arrays"])
        ),
        ("README.md", "floods"): floods_summary(results["cheap-under-heavy"]),
    }


def marker(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start (bench/suite/report.py) -->", f"<!-- {name}:end -->"


def between(text: str, name: str) -> str:
    """What a file holds between the markers of `name`: whole lines, so an end
    marker indented inside a list item keeps its indentation."""
    start, end = marker(name)
    match = re.search(re.escape(start) + r"\n(.*?\n)[ \t]*" + re.escape(end), text, re.S)
    if match is None:
        raise SystemExit(f"no {start} … {end} in the file")
    return match.group(1)


def write_marked(sections: dict[tuple[str, str], list[str]]) -> None:
    for (file, name), lines in sections.items():
        path = ROOT / file
        text = path.read_text()
        old = between(text, name)
        start = text.index(marker(name)[0]) + len(marker(name)[0]) + 1
        path.write_text(text[:start] + "\n".join(lines) + "\n" + text[start + len(old) :])


def render(r: dict[str, Any]) -> list[str]:
    """docs/benchmarks.md's lines, from every result; writes the charts into IMG_DIR."""
    micro, sweep, http = r["micro"], r["sweep"], r["http"]
    target_lines, h, missed = targets(micro, http, sweep)
    return [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/suite/report.py`) from `bench/results/*.json`; do not edit by hand.",
        "This machine is a shared 2-core VM and noisy: compare ratios within a table, not absolute numbers"
        " across runs. Every comparison runs its contenders side by side in one run.",
        "",
        "## Headline",
        "",
        *headline_lines(h, missed, micro, sweep, http, arrays_missed(r["arrays"])),
        "",
        *target_lines,
        *why_missed(missed, h, micro, http, sweep),
        *peers_section(micro),
        *components_section(micro),
        *recursion_section(micro),
        *sweep_section(sweep),
        *scaling_section(http, micro),
        *startup_section(http, micro),
        *startup_kernels_section(r["startup"]),
        *reload_section(r["reload"]),
        *memory_section(http),
        *http_section(http),
        *fastapi_layers_section(r["fastapi-layers"]),
        *asgi_choice_section(r["asgi-choice"]),
        *ray_http_section(r["ray-http"]),
        *kernel_http_section(r["kernel-http"]),
        *kernels_section(r["acall"]),
        *arrays_section(r["arrays"]),
        # A smoke run's few rounds say nothing about what moved.
        *([] if QUICK else moved_section(micro, RESULTS / "wasmtime-48.0.8")),
        *cheap_under_heavy_section(r["cheap-under-heavy"]),
        *cancel_section(r["cancel-latency"]),
        *soak_section(load_soak()),
        "## Also",
        "",
        "- The Rust runtime alone: `make bench-runtime` (criterion), discussed in [runtime.md](runtime.md).",
        "- Digits natively and as WASM, and the bigint crate: [bigint-choice.md](bigint-choice.md).",
        "",
    ]


def main() -> None:
    r = load_all()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / "benchmarks.md"
    out.write_text("\n".join(render(r)))
    if not QUICK:
        write_marked(marked_sections(r))
    print(f"wrote {out} and {len(list(IMG_DIR.glob('*.png')))} charts in {IMG_DIR}")


def load_soak() -> dict[str, Any] | None:
    """`make soak`'s full run, which neither `make bench` nor the smoke run makes."""
    path = RESULTS / f"soak{SUFFIX}.json"
    return json.loads(path.read_text()) if path.exists() else None


if __name__ == "__main__":
    main()
