"""Reloads under load: `hey -c 20` against a kernel route while the kernel's
file is replaced and reloaded 20 times, beside the same run with no
reloads, on both servers.

The kernel is markdown, the largest example component, so each reload
compiles for real (every version is a distinct file, made so by a custom
section, and each server starts with an empty compiled-code cache). Each
reload writes the new file beside the old, renames it over, and asks the
admin route (`POST /admin/reload`), which answers once the new version
serves; the next waits for an even share of the block. hey's summary gives
the requests answered, the non-2xx, the errors (requests with no answer)
and the p99.

    python -m bench.suite.reload_bench      # bench/results/reload.json
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import fastwasm
from bench.common import (
    QUICK,
    fastwasm_server,
    free_port,
    machine,
    pinned,
    rust_server,
    serving,
    write_results,
)
from servers import custom_section

COMPONENTS = Path(fastwasm.__file__).with_name("components")
SECONDS = 4 if QUICK else 15
ROUNDS = 1 if QUICK else 3
RELOADS = 5 if QUICK else 20
CONNECTIONS = 20
ROUTE = "/kernels/markdown/render"
BODY = b'{"text": "# Title\\n\\nSome *emphasis*, a [link](https://example.com) and `code`.\\n"}'
TOKEN = "bench-reload-token-0123456789"


def hey_summary(url: str, body: Path) -> dict[str, Any]:
    """One `hey -z` block in hey's summary mode, which (unlike its CSV)
    counts the requests that got no answer."""
    binary = shutil.which("hey")
    if binary is None:
        raise SystemExit("hey is missing: `make tools` installs it")
    command = [
        *pinned(1), binary, "-z", f"{SECONDS}s", "-c", str(CONNECTIONS),
        "-m", "POST", "-T", "application/json", "-D", str(body), url,
    ]  # fmt: skip
    text = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    statuses = {int(code): int(count) for code, count in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text)}
    errors = sum(int(n) for n in re.findall(r"^\s*\[(\d+)\]\s+(?:Get|Post)\b", text, flags=re.MULTILINE))
    p99 = re.search(r"99% in ([\d.]+) secs", text)
    if p99 is None or not statuses:
        raise SystemExit(f"hey printed no answers for {url}:\n{text}")
    return {
        "answered": sum(statuses.values()),
        "non_2xx": sum(count for code, count in statuses.items() if not 200 <= code < 300),
        "errors": errors,
        "p99_ms": float(p99.group(1)) * 1e3,
    }


def reloading(base: str, kernel: Path, tags: range, done: threading.Event, took: list[float]) -> None:
    """Replaces `kernel` and reloads, once per tag, spread over the block."""
    every = SECONDS / (len(tags) + 1)
    original = kernel.read_bytes()
    request = urllib.request.Request(
        base + "/admin/reload", data=b"", method="POST", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    for tag in tags:
        time.sleep(every)
        partial = kernel.with_suffix(".partial")
        partial.write_bytes(original + custom_section("fastwasm-bench-version", tag.to_bytes(4, "little")))
        partial.replace(kernel)
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            assert b'"loaded":["markdown"]' in response.read(), "the new version did not load"
        took.append(time.perf_counter() - started)
    kernel.write_bytes(original)
    done.set()


def measure(name: str, command: list[str], scratch: Path) -> list[dict[str, Any]]:
    kernels = scratch / name / "kernels"
    kernels.mkdir(parents=True)
    shutil.copy(COMPONENTS / "markdown.wasm", kernels)
    body = scratch / "body.json"
    body.write_bytes(BODY)
    env = {
        "FASTWASM_KERNELS_DIR": str(kernels),
        "FASTWASM_ADMIN_TOKEN": TOKEN,
        "FASTWASM_CACHE_DIR": str(scratch / name / "cache"),
    }
    port = int(command[command.index("--port") + 1])
    base = f"http://127.0.0.1:{port}"
    rows: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    with serving(pinned(0) + command, base + "/health", env):
        for round_ in range(ROUNDS):
            for reloads in (False, True):
                took: list[float] = []
                done = threading.Event()
                if reloads:
                    tags = range(1000 * round_, 1000 * round_ + RELOADS)
                    args = (base, kernels / "markdown.wasm", tags, done, took)
                    threading.Thread(target=reloading, args=args, daemon=True).start()
                sample = hey_summary(base + ROUTE, body)
                if reloads:
                    if not done.wait(timeout=300):
                        raise SystemExit(f"{name}: the reloads did not finish")
                    sample["reloads"] = len(took)
                    sample["reload_ms"] = statistics.median(took) * 1e3
                rows[reloads].append(sample)
    return [
        {"server": name, "reloads": RELOADS if reloads else 0, "rounds": samples} for reloads, samples in rows.items()
    ]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="fastwasm-reload-") as scratch:
        rows = measure("fastwasm-server", rust_server(free_port()), Path(scratch))
        rows += measure("fastwasm serve", fastwasm_server(free_port()), Path(scratch))
    for row in rows:
        for sample in row["rounds"]:
            if sample["non_2xx"] or sample["errors"]:
                raise SystemExit(f"{row['server']}: {sample['non_2xx']} non-2xx and {sample['errors']} errors")
    conditions = (
        f"hey -z {SECONDS}s -c {CONNECTIONS} -m POST {ROUTE}, {ROUNDS} rounds, the no-reload and reload blocks "
        f"interleaved; {RELOADS} reloads through POST /admin/reload per reload block; "
        + ("each server on CPU 0, hey on CPU 1" if pinned(0) else "no pinning")
    )
    path = write_results("reload", {"rows": rows, "conditions": conditions, "machine": machine("reload_bench")})
    for row in rows:
        p99 = statistics.median(s["p99_ms"] for s in row["rounds"])
        print(f"{row['server']:16} reloads={row['reloads']:2} p99={p99:.1f} ms")
    print(path)


if __name__ == "__main__":
    main()
