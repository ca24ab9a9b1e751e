"""The FastAPI service of another commit beside this checkout's, over HTTP, in
one run: what a change to the Python side did to req/s, with a bare FastAPI
no-op as the ceiling.

Run: .venv/bin/python bench/commits_http.py COMMIT [PATH]   (after `make build`)

COMMIT's `python/` is checked out into a temporary git worktree and served
with this checkout's built artefacts (the extension, the guest and the
components) copied in, so only the Python code differs between the two. Each
server runs pinned to CPU 0 and `hey` to CPU 1, as in `make bench-http`;
the three rows are interleaved over the rounds; medians.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import http_bench
from common import QUICK, ROOT, free_port, git_commit, hey, pinned, rate_of, serving

SECONDS = 1 if QUICK else 4
ROUNDS = 1 if QUICK else 5
#: Built, not tracked: what COMMIT's worktree borrows from this checkout.
ARTEFACTS = ["fastwasm/_native*.so", "fastwasm/modules/*.wasm", "fastwasm/components/*.wasm"]


def worktree(commit: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(into), commit], check=True)
    python = into / "python"
    for pattern in ARTEFACTS:
        for built in (ROOT / "python").glob(pattern):
            target = python / built.relative_to(ROOT / "python")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, target)
    return python


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: bench/commits_http.py COMMIT [PATH]")
    commit, path = sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "/fibonacci-wasm/39"
    here = git_commit()
    with tempfile.TemporaryDirectory(prefix="fastwasm-commit-") as scratch, ExitStack() as stack:
        old_python = worktree(commit, Path(scratch) / "tree")
        stack.callback(
            subprocess.run, ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(Path(scratch) / "tree")]
        )
        ports = {commit: free_port(), here: free_port(), "bare": free_port()}
        for name, env in ((commit, {"PYTHONPATH": str(old_python)}), (here, {})):
            port = ports[name]
            command = pinned(0) + http_bench.uvicorn_app("fastwasm.api.app:app", port)
            stack.enter_context(serving(command, f"http://127.0.0.1:{port}/health", env=env))
        bare_port = ports["bare"]
        bare_command = pinned(0) + http_bench.uvicorn_app("bench.bare_app:app", bare_port)
        stack.enter_context(serving(bare_command, f"http://127.0.0.1:{bare_port}/noop"))
        urls = {
            "bare FastAPI app: /noop": f"http://127.0.0.1:{bare_port}/noop",
            f"{commit}: {path}": f"http://127.0.0.1:{ports[commit]}{path}",
            f"{here}: {path}": f"http://127.0.0.1:{ports[here]}{path}",
        }
        rates: dict[str, list[float]] = {name: [] for name in urls}
        for _ in range(ROUNDS):
            for name, url in urls.items():
                rows = hey(url, SECONDS, http_bench.CONNECTIONS)
                if any(row["status-code"] != "200" for row in rows):
                    sys.exit(f"{name}: answers other than 200")
                rates[name].append(rate_of(rows, SECONDS))
    bare = statistics.median(rates["bare FastAPI app: /noop"])
    print(f"hey -z {SECONDS}s -c {http_bench.CONNECTIONS}, servers on CPU 0, hey on CPU 1, {ROUNDS} rounds interleaved")
    for name, values in rates.items():
        median = statistics.median(values)
        spread = f"{min(values):,.0f} – {max(values):,.0f}"
        print(f"{name}: {median:,.0f} req/s ({spread}), {median / bare:.2f}× the bare no-op")


if __name__ == "__main__":
    main()
