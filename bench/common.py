"""What every benchmark script shares: the mode, the machine, servers and hey."""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# tests/servers.py: the one helper that starts a server and waits for it.
sys.path.insert(0, str(ROOT / "tests"))
from servers import free_port as free_port  # noqa: E402
from servers import launched  # noqa: E402
from servers import wait_until_up as wait_until_up  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
# Rounds of a micro-benchmark table (bench/suite/micro.py, bench/suite/component_micro.py).
ROUNDS = 3 if QUICK else 7
RESULTS = ROOT / "bench" / "results"
FASTWASM_BIN = str(Path(sys.executable).with_name("fastwasm"))
EXTISM_PLUGIN = ROOT / "bench" / "peers" / "extism_fib.wasm"


#: When this benchmark process started: every result records it.
STARTED = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def git_commit() -> str:
    """The checkout's commit, `-dirty` when tracked files other than the
    benchmark results and the docs they generate differ from it."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return run.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    # The benchmarks' own outputs do not make a checkout dirty: a run rewrites them.
    changed = git(
        "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results", ":!docs", ":!README.md"
    )
    return commit + ("-dirty" if changed else "")


def machine(command: str) -> dict[str, str]:
    """The conditions every table and chart names."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    import fastwasm

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "fastwasm": metadata.version("fastwasm"),
        "wasmtime (fastwasm)": fastwasm.WASMTIME_VERSION,
        "wasmtime-py": metadata.version("wasmtime"),
        "extism (Python SDK)": metadata.version("extism"),
        "fastapi": metadata.version("fastapi"),
        "uvicorn": metadata.version("uvicorn"),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "started": STARTED,
        "commit": git_commit(),
        "command": command,
        "mode": "quick (BENCH_QUICK=1)" if QUICK else "full",
    }


def write_results(name: str, payload: Mapping[str, Any]) -> Path:
    """bench/results/<name>.json, or <name>-quick.json in quick mode."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / (f"{name}-quick.json" if QUICK else f"{name}.json")
    payload = dict(payload)
    if isinstance(payload.get("machine"), dict):
        payload["machine"] = {**payload["machine"], "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def pinned(cpu: int) -> list[str]:
    """`taskset -c cpu`, when there is a CPU to spare for the load generator."""
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(cpu)]
    return []


def serving(
    command: list[str], health_url: str, env: Mapping[str, str] | None = None
) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """`command` as a server, once `health_url` answers, with its output
    discarded: tests/servers.py's `launched`, the one way both the tests and
    the benchmarks start a server."""
    return launched(command, health_url, dict(env or {}), quiet=True)


def uvicorn_app(target: str, port: int, *, factory: bool = False) -> list[str]:
    """An ASGI app (`module:attribute`, or an app factory with `factory`)
    under uvicorn as `fastwasm serve` runs it: no access log."""
    return [
        sys.executable, "-m", "uvicorn", target, *(["--factory"] if factory else []), "--port", str(port),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip


#: fastwasm-server (axum), built by `cargo test --workspace --release` or `make server-bin`.
RUST_SERVER_BIN = ROOT / "target" / "release" / "fastwasm-server"


def rust_server(port: int) -> list[str]:
    if not RUST_SERVER_BIN.is_file():
        sys.exit(f"{RUST_SERVER_BIN} is missing: `make server-bin` builds it")
    return [str(RUST_SERVER_BIN), "--host", "127.0.0.1", "--port", str(port)]


def fastwasm_server(port: int, workers: int = 1) -> list[str]:
    return [FASTWASM_BIN, "serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]


def hey(
    url: str,
    seconds: float,
    connections: int,
    cpu: int | None = 1,
    *,
    body: Path | None = None,
    content_type: str = "application/json",
    accept: str | None = None,
    cpu_use: dict[str, float] | None = None,
    allowed: Collection[str] = (),
) -> list[dict[str, str]]:
    """One `hey -z` block (a POST of the file `body`, when given); every
    request as a CSV row (response-time, status-code, offset...). With
    `cpu_use`, adds hey's own CPU seconds to `cpu_use["hey"]`.

    Any answer but a 2xx or a status in `allowed` stops the benchmark
    (`unexpected_answers`): a rate of errors is no measurement, and the smoke
    run must fail on a server that answers 500."""
    binary = shutil.which("hey")
    if not binary:
        sys.exit("hey is missing: `make tools` installs it")
    prefix = pinned(cpu) if cpu is not None else []
    post = ["-m", "POST", "-T", content_type, "-D", str(body)] if body is not None else []
    if accept is not None:
        post += ["-H", f"Accept: {accept}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [*prefix, binary, "-z", f"{seconds}s", "-c", str(connections), *post, "-o", "csv", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if cpu_use is not None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        cpu_use["hey"] = cpu_use.get("hey", 0.0) + spent
    rows = list(csv.DictReader(io.StringIO(out)))
    unexpected_answers(url, rows, allowed)
    return rows


def unexpected_answers(url: str, rows: list[dict[str, str]], allowed: Collection[str] = ()) -> None:
    """Stops the benchmark when `hey` got no answers, or any answer but a 2xx
    or a status in `allowed`, naming the statuses and their counts."""
    if not rows:
        raise SystemExit(f"{url}: hey got no answers")
    codes = Counter(row["status-code"] for row in rows)
    bad = {code: count for code, count in codes.items() if not code.startswith("2") and code not in allowed}
    if bad:
        raise SystemExit(f"{url}: unexpected answers {dict(sorted(bad.items()))} of {len(rows):,}")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process `pid` and its live descendants."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        # The command name may hold spaces: fields are counted after its ")".
        fields = text[text.rindex(")") + 2 :].split()
        proc, parent = int(stat.parent.name), int(fields[1])
        children.setdefault(parent, []).append(proc)
        times[proc] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    total, todo = 0.0, [pid]
    while todo:
        proc = todo.pop()
        total += times.get(proc, 0.0)
        todo += children.get(proc, [])
    return total


def rate_of(rows: list[dict[str, str]], seconds: float) -> float:
    span = max((float(r["offset"]) + float(r["response-time"]) for r in rows), default=seconds)
    return len(rows) / span if span > 0 else 0.0


def percentile_ms(latencies_s: list[float], p: float) -> float:
    ordered = sorted(latencies_s)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1e3


@dataclass
class Row:
    """One contender of a table. A row without `call` is timed elsewhere
    (another process, such as the Rust rows of bench/suite/component_micro.py) and
    gets its samples appended round by round."""

    name: str
    call: Callable[[], object] | None
    calls_per_round: int = 1
    samples_us: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_us)


def run_table(rows: list[Row], between_rounds: Callable[[], None] | None = None) -> list[Row]:
    """Interleaves the rows round by round; each round times a block of calls
    of every row that has a `call`, then runs `between_rounds`."""
    for row in rows:  # warm-up: caches, lazy runtimes, JIT-free but page-warm
        if row.call is not None:
            row.call()
    for _ in range(ROUNDS):
        for row in rows:
            call = row.call
            if call is None:
                continue
            n = row.calls_per_round
            start = time.perf_counter()
            for _ in range(n):
                call()
            row.samples_us.append((time.perf_counter() - start) / n * 1e6)
        if between_rounds is not None:
            between_rounds()
    return rows


def calls_for(seconds_per_call_guess: float, budget_s: float) -> int:
    return max(1, int(budget_s / seconds_per_call_guess))


def fmt_us(us: float) -> str:
    if us >= 1000:
        return f"{us / 1000:,.2f} ms"
    if us >= 10:
        return f"{us:,.1f} µs"
    return f"{us:.3f} µs"


def table(title: str, rows: list[Row], baseline: int = 0) -> str:
    base = rows[baseline]
    lines = [
        f"### {title}",
        "",
        f"| contender | median per call | spread (min–max) | vs {base.name.split(' (')[0]} |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        ratio = base.median / row.median
        ratio_text = f"{ratio:,.1f}× faster" if ratio >= 1 else f"{1 / ratio:,.1f}× slower"
        spread = f"{fmt_us(min(row.samples_us))} – {fmt_us(max(row.samples_us))}"
        lines.append(f"| {row.name} | {fmt_us(row.median)} | {spread} | {ratio_text} |")
    return "\n".join(lines)


def thread_rates(call: Callable[[], object], seconds: float, rounds: int) -> dict[int, list[float]]:
    """Calls per second of `call` from 1 and 2 Python threads, alternating,
    `rounds` times each: how well a call that releases the GIL scales."""
    out: dict[int, list[float]] = {1: [], 2: []}

    def rate(threads: int) -> float:
        stop = time.perf_counter() + seconds
        counts = [0] * threads

        def work(i: int) -> None:
            while time.perf_counter() < stop:
                call()
                counts[i] += 1

        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return sum(counts) / (time.perf_counter() - start)

    for _ in range(rounds):
        for threads in (1, 2):
            out[threads].append(rate(threads))
    return out
