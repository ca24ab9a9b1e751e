"""The `fastwasm` command: `fastwasm serve [--host H] [--port P] [--workers N]`, `fastwasm openapi`,
`fastwasm settings`."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastwasm.api.settings import Settings

# uvicorn, FastAPI and pydantic are imported inside the functions: a worker
# process of the Python method re-runs this script's imports (multiprocessing's
# forkserver does that for the main module), and should not pay for them.


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fastwasm", description=__doc__)
    defaults = settings_or_exit(parser)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the HTTP API with uvicorn")
    serve.add_argument("--host", default=defaults.host, help="default: FASTWASM_HOST or %(default)s")
    serve.add_argument("--port", type=int, default=defaults.port, help="default: FASTWASM_PORT or %(default)s")
    serve.add_argument(
        "--workers", type=int, default=defaults.workers, help="processes; default: FASTWASM_WORKERS or 1"
    )
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    commands.add_parser("openapi", help="print the OpenAPI document (docs/openapi.json, which fastwasm-server shares)")
    commands.add_parser("settings", help="print the effective FASTWASM_* settings as JSON")
    args = parser.parse_args(argv)
    if args.command == "openapi":
        print(openapi_document(), end="")
    if args.command == "settings":
        print(defaults.model_dump_json())
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


def settings_or_exit(parser: argparse.ArgumentParser) -> Settings:
    """The FASTWASM_* settings; an invalid one ends the program with status 2
    and one line per problem, `invalid setting FASTWASM_X=value: reason`, as
    fastwasm-server reports it."""
    from pydantic import ValidationError

    from fastwasm.api.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        lines = [
            f"invalid setting FASTWASM_{'_'.join(map(str, e['loc'])).upper()}={json.dumps(e['input'])}: {e['msg']}"
            for e in error.errors()
        ]
        parser.exit(2, "".join(f"fastwasm: {line}\n" for line in lines))


def openapi_document() -> str:
    from fastwasm.api import create_app  # here: `serve` needs no app in the parent process

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"


def serve_with_uvicorn(args: argparse.Namespace) -> None:
    import uvicorn

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
