"""The FastAPI service of another commit beside this checkout's, over HTTP, in
one run: what a change did to req/s, with a bare FastAPI no-op as the ceiling.

Run: .venv/bin/python -m bench.experiments.commits_http OTHER [PATH [PATH_HERE]] [--body JSON]
     (after `make build`)

OTHER is either a commit, whose `python/` is checked out into a temporary git
worktree and served with this checkout's built artefacts (the extension, the
guest and the components), so that only the Python code differs; or the
directory of another checkout that `make build` has built (its own `.venv`,
extension and guest), for a change to the Rust side or to the extension's
API. PATH is the route to load on OTHER (default `/fibonacci-wasm/39`),
PATH_HERE the same route on this checkout when it moved; with `--body`, each
request is a POST of that JSON. Each server runs pinned to CPU 0 and `hey` to
CPU 1, as in `make bench-http`; the three rows are interleaved over the
rounds; medians, with the spread.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.common import QUICK, ROOT, free_port, git_commit, hey, pinned, rate_of, serving, uvicorn_app
from bench.suite import http_bench

SECONDS = 1 if QUICK else 4
ROUNDS = 1 if QUICK else 5
#: Built, not tracked: what COMMIT's worktree borrows from this checkout.
ARTEFACTS = ["fastwasm/_native*.so", "fastwasm/guest/*.wasm", "fastwasm/modules/*.wasm", "fastwasm/components/*.wasm"]


def worktree(commit: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(into), commit], check=True)
    python = into / "python"
    for pattern in ARTEFACTS:
        for built in (ROOT / "python").glob(pattern):
            target = python / built.relative_to(ROOT / "python")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, target)
    return python


def service_app(python: Path, port: int, interpreter: str = sys.executable) -> list[str]:
    """The FastAPI service of the tree at `python` under uvicorn: its app
    factory, or, in a tree from before there was one, its module-level app."""
    source = (python / "fastwasm" / "api" / "app.py").read_text()
    command = (
        uvicorn_app("fastwasm.api.app:app", port)
        if "\napp = create_app()" in source
        else uvicorn_app("fastwasm.api.app:create_app", port, factory=True)
    )
    return [interpreter, *command[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("other", help="a commit, or the directory of another built checkout")
    parser.add_argument("path", nargs="?", default="/fibonacci-wasm/39")
    parser.add_argument("path_here", nargs="?")
    parser.add_argument("--body", help="POST this JSON instead of a GET")
    args = parser.parse_args()
    here = git_commit()
    with tempfile.TemporaryDirectory(prefix="fastwasm-commit-") as scratch, ExitStack() as stack:
        built = Path(args.other)
        if built.is_dir() and (built / ".venv").is_dir():
            other_python, interpreter, env = built / "python", str(built / ".venv" / "bin" / "python"), {}
            git = ["git", "-C", str(built), "rev-parse", "--short", "HEAD"]
            rev = subprocess.run(git, capture_output=True, text=True, check=True)
            name = f"{built} ({rev.stdout.strip()})"
        else:
            tree = Path(scratch) / "tree"
            other_python = worktree(args.other, tree)
            stack.callback(subprocess.run, ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)])
            interpreter, env, name = sys.executable, {"PYTHONPATH": str(other_python)}, args.other
        body = None
        if args.body is not None:
            body = Path(scratch) / "body.json"
            body.write_text(args.body)
        ports = {"other": free_port(), "here": free_port(), "bare": free_port()}
        other_command = pinned(0) + service_app(other_python, ports["other"], interpreter)
        stack.enter_context(serving(other_command, f"http://127.0.0.1:{ports['other']}/health", env=env))
        here_command = pinned(0) + service_app(ROOT / "python", ports["here"])
        stack.enter_context(serving(here_command, f"http://127.0.0.1:{ports['here']}/health"))
        bare_command = pinned(0) + uvicorn_app("bench.apps.bare_app:app", ports["bare"])
        stack.enter_context(serving(bare_command, f"http://127.0.0.1:{ports['bare']}/noop"))
        urls = {
            "bare FastAPI app: GET /noop": (f"http://127.0.0.1:{ports['bare']}/noop", None),
            f"{name}: {args.path}": (f"http://127.0.0.1:{ports['other']}{args.path}", body),
            f"{here}: {args.path_here or args.path}": (
                f"http://127.0.0.1:{ports['here']}{args.path_here or args.path}",
                body,
            ),
        }
        rates: dict[str, list[float]] = {row: [] for row in urls}
        for _ in range(ROUNDS):
            for row, (url, posted) in urls.items():
                answers = hey(url, SECONDS, http_bench.CONNECTIONS, body=posted)
                if any(answer["status-code"] != "200" for answer in answers):
                    sys.exit(f"{row}: answers other than 200")
                rates[row].append(rate_of(answers, SECONDS))
    bare = statistics.median(rates["bare FastAPI app: GET /noop"])
    print(f"hey -z {SECONDS}s -c {http_bench.CONNECTIONS}, servers on CPU 0, hey on CPU 1, {ROUNDS} rounds interleaved")
    for row, values in rates.items():
        median = statistics.median(values)
        spread = f"{min(values):,.0f} – {max(values):,.0f}"
        print(f"{row}: {median:,.0f} req/s ({spread}), {median / bare:.2f}× the bare no-op")


if __name__ == "__main__":
    main()
