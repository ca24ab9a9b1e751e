"""Start-up as a benchmark: the time from a server's start to its first
answer of `GET /kernels` (the kernels load before a server answers), and its
resident memory then, for two kernel sets and three states of compiled code:

- **cold**: an empty compiled-code cache, no artifacts: every kernel compiles;
- **warm**: the cache a previous start filled;
- **precompiled**: `fastwasm compile`'s artifacts beside the kernels, and an
  empty cache.

The sets: the bundled example components, and 10 copies of the largest one
(markdown), each made distinct by a custom section so no copy finds another's
compiled code. The service's own Fibonacci guest is a file beside them
(`FASTWASM_WASM_MODULE`), in the same state. Both servers (fastwasm-server
and `fastwasm serve`), each a fresh process per sample, rounds interleaved.
Every sample checks that each kernel loaded the way its state says
(`/kernels`' `load.code`).

    python -m bench.suite.startup_bench      # bench/results/startup.json
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import fastwasm
from bench.common import FASTWASM_BIN, QUICK, ROOT, free_port, machine, wait_until_up, write_results
from servers import custom_section

COMPONENTS = Path(fastwasm.__file__).with_name("components")
SERVER = ROOT / "target" / "release" / "fastwasm-server"
ROUNDS = 1 if QUICK else 5
COPIES = 10
STATES = ("cold", "warm", "precompiled")
#: What `/kernels` says of each kernel's code, by state.
EXPECTED = {"cold": "miss", "warm": "hit", "precompiled": "precompiled"}


def kernel_sets(scratch: Path) -> dict[str, Path]:
    bundled = scratch / "bundled"
    shutil.copytree(COMPONENTS, bundled, ignore=shutil.ignore_patterns("*.cwasm"))
    copies = scratch / "markdown-x10"
    copies.mkdir()
    markdown = (COMPONENTS / "markdown.wasm").read_bytes()
    for i in range(COPIES):
        (copies / f"markdown{i}.wasm").write_bytes(markdown + custom_section("fastwasm-copy", str(i).encode()))
    return {"bundled": bundled, f"{COPIES} × markdown": copies}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


GUEST = ROOT / "python" / "fastwasm" / "guest" / "fibonacci_wasm.wasm"


def start(server: str, kernels: Path, cache: Path, guest: Path) -> tuple[float, float, list[str]]:
    """One start: seconds to the first answer, resident MiB then, and each
    kernel's `load.code`."""
    port = free_port()
    command = (
        [str(SERVER), "--host", "127.0.0.1", "--port", str(port)]
        if server == "fastwasm-server"
        else [FASTWASM_BIN, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    )
    env = {
        **os.environ,
        "FASTWASM_KERNELS_DIR": str(kernels),
        "FASTWASM_CACHE_DIR": str(cache),
        "FASTWASM_WASM_MODULE": str(guest),
    }
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}/kernels"
        seconds = wait_until_up(url, process, timeout_s=300)
        memory = rss_mb(process.pid)
        with urllib.request.urlopen(url, timeout=60) as response:
            listing = json.loads(response.read())
        codes = [k["load"]["code"] for k in listing["kernels"] if k["load"] is not None]
        return seconds, memory, codes
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    samples: dict[str, dict[str, dict[str, dict[str, list[float]]]]] = {}
    with tempfile.TemporaryDirectory(prefix="fastwasm-startup-") as scratch_dir:
        scratch = Path(scratch_dir)
        sets = kernel_sets(scratch)
        guest = scratch / "guest" / GUEST.name
        guest.parent.mkdir()
        shutil.copy(GUEST, guest)
        for _ in range(ROUNDS):
            for server in ("fastwasm-server", "fastwasm serve"):
                for name, kernels in sets.items():
                    for state in STATES:
                        cache = scratch / "cache"
                        if state in ("cold", "precompiled"):
                            shutil.rmtree(cache, ignore_errors=True)
                        for artifact in [*kernels.glob("*.cwasm"), *guest.parent.glob("*.cwasm")]:
                            artifact.unlink()
                        if state == "precompiled":
                            subprocess.run(
                                [FASTWASM_BIN, "compile", str(kernels), str(guest)], check=True, capture_output=True
                            )
                        seconds, memory, codes = start(server, kernels, cache, guest)
                        wrong = [code for code in codes if code != EXPECTED[state]]
                        if wrong or not codes:
                            raise RuntimeError(f"{server}, {name}, {state}: kernels loaded as {codes}")
                        row = samples.setdefault(server, {}).setdefault(name, {}).setdefault(state, {})
                        row.setdefault("seconds", []).append(seconds)
                        row.setdefault("rss_mb", []).append(memory)
    payload = {
        "machine": machine("python -m bench.suite.startup_bench"),
        "rounds": ROUNDS,
        "samples": samples,
        "conditions": f"{ROUNDS} rounds, a fresh process per sample, interleaved; time to the first 200 of "
        "GET /kernels; VmRSS then; the cold and precompiled starts with an empty cache",
    }
    path = write_results("startup", payload)
    for server, sets_ in samples.items():
        for name, states in sets_.items():
            cells = ", ".join(f"{s} {statistics.median(states[s]['seconds']) * 1e3:,.0f} ms" for s in STATES)
            print(f"{server}, {name}: {cells}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
