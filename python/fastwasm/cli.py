"""The `fastwasm` command: `fastwasm serve [--host H] [--port P] [--workers N]`, `fastwasm openapi`."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Sequence

import uvicorn

from fastwasm.api.settings import Settings


def main(argv: Sequence[str] | None = None) -> None:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="fastwasm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the HTTP API with uvicorn")
    serve.add_argument("--host", default=defaults.host, help="default: FASTWASM_HOST or %(default)s")
    serve.add_argument("--port", type=int, default=defaults.port, help="default: FASTWASM_PORT or %(default)s")
    serve.add_argument(
        "--workers", type=int, default=defaults.workers, help="processes; default: FASTWASM_WORKERS or 1"
    )
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    commands.add_parser("openapi", help="print the OpenAPI document (docs/openapi.json, which fastwasm-server shares)")
    args = parser.parse_args(argv)
    if args.command == "openapi":
        print(openapi_document(), end="")
    if args.command == "serve":
        if args.workers < 1:
            parser.error("--workers must be at least 1")
        if args.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            # Workers share their metrics through files here; /metrics sums them.
            with tempfile.TemporaryDirectory(prefix="fastwasm-metrics-") as directory:
                os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
                serve_with_uvicorn(args)
        else:
            serve_with_uvicorn(args)


def openapi_document() -> str:
    from fastwasm.api import create_app  # here: `serve` needs no app in the parent process

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"


def serve_with_uvicorn(args: argparse.Namespace) -> None:
    uvicorn.run(
        "fastwasm.api.app:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
    )


if __name__ == "__main__":
    main()
