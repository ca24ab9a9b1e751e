"""Where WASM bigint time goes, measured apart: fast-doubling fib(10^6) and
iterative fib(10^5), compute only and with decimal digits, with num-bigint
and ibig, natively and as WASM in three builds: default (32-bit words on
wasm32), ibig forced to 64-bit words, and that plus wasm's wide arithmetic.
The WASM builds run under fastwasm's runtime (wasmtime 48).

Run: make bench-bigint-wasm   (docs/bigint-choice.md has the results)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import fastwasm

HERE = Path(__file__).parent
TARGET = HERE.parents[2] / "target" / "bigint-wasm"
BUILDS = {
    "wasm32, default words": "",
    'wasm32, --cfg force_bits="64"': '--cfg force_bits="64"',
    'wasm32, --cfg force_bits="64" +wide-arithmetic': '--cfg force_bits="64" -C target-feature=+wide-arithmetic',
}
CASES = [
    ("nb_fd", "num-bigint", "fast doubling", 10**6),
    ("ib_fd", "ibig", "fast doubling", 10**6),
    ("nb_it", "num-bigint", "iterative", 10**5),
    ("ib_it", "ibig", "iterative", 10**5),
]
ROUNDS = 5


def cargo(*args: str, rustflags: str = "") -> None:
    env = {**os.environ, "RUSTFLAGS": rustflags}
    subprocess.run(["cargo", *args, "--manifest-path", str(HERE / "Cargo.toml")], check=True, env=env)


def main() -> None:
    cargo("build", "--release", "--example", "native", "--target-dir", str(TARGET / "native"))
    native = subprocess.run(
        [str(TARGET / "native" / "release" / "examples" / "native")], check=True, capture_output=True, text=True
    ).stdout
    print("| build | crate | algorithm | n | compute ms | + decimal digits ms |")
    print("|---|---|---|---:|---:|---:|")
    timings = {}
    for line in native.splitlines():  # "native nb_fd_compute 1000000 13.68 ms"
        _, name, _, ms, _ = line.split()
        timings[name] = float(ms)
    for prefix, crate, algorithm, n in CASES:
        compute, digits = timings[f"{prefix}_compute"], timings[f"{prefix}_decimal"]
        print(f"| native x86_64 (64-bit words) | {crate} | {algorithm} | {n:,} | {compute:.2f} | {digits:.2f} |")
    runtime = fastwasm.Runtime(timeout_s=120, max_memory_mb=512)
    for label, flags in BUILDS.items():
        target = TARGET / label.replace(" ", "_").replace('"', "").replace("=", "").replace(",", "")
        cargo("build", "--release", "--target", "wasm32-unknown-unknown", "--target-dir", str(target), rustflags=flags)
        module = runtime.load(target / "wasm32-unknown-unknown" / "release" / "bigint_wasm.wasm")
        for prefix, crate, algorithm, n in CASES:
            medians = []
            for what in ("compute", "decimal"):
                samples = []
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    module.call(f"{prefix}_{what}", n)
                    samples.append((time.perf_counter() - start) * 1e3)
                medians.append(statistics.median(samples))
            print(f"| {label} | {crate} | {algorithm} | {n:,} | {medians[0]:.2f} | {medians[1]:.2f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
