"""The `fastwasm` command: `fastwasm serve [--host H] [--port P] [--workers N]`, `fastwasm openapi`,
`fastwasm settings`, `fastwasm inspect FILE.wasm`, `fastwasm call FILE.wasm FUNCTION --json '{...}'`."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
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
    serve = commands.add_parser("serve", help="serve the HTTP API with uvicorn, or as a Ray Serve application")
    serve.add_argument("--host", default=defaults.host, help="default: FASTWASM_HOST or %(default)s")
    serve.add_argument("--port", type=int, default=defaults.port, help="default: FASTWASM_PORT or %(default)s")
    serve.add_argument(
        "--workers", type=int, default=defaults.workers or 1, help="processes; default: FASTWASM_WORKERS or 1"
    )
    serve.add_argument(
        "--reload-kernels",
        "--reload-modules",
        action="store_true",
        default=defaults.reload_kernels,
        help="development: reload the kernels folder whenever a file in it changes; default: "
        "FASTWASM_RELOAD_KERNELS (SIGHUP reloads it in any case)",
    )
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument(
        "--engine",
        default="uvicorn",
        choices=["uvicorn", "ray"],
        help="uvicorn (default): this machine; ray: a Ray Serve application (pip install 'fastwasm[ray]')",
    )
    ray = serve.add_argument_group("--engine ray")
    ray.add_argument("--address", help="join this Ray cluster; default: start a local one")
    scale = ray.add_mutually_exclusive_group()
    # No default here: argparse would not see `--replicas 2` given beside --autoscale.
    scale.add_argument("--replicas", type=int, help="a fixed number of replicas (default 2)")
    scale.add_argument("--autoscale", metavar="MIN:MAX", help="autoscale on ongoing requests between MIN and MAX")
    ray.add_argument(
        "--cpus-per-replica", type=float, default=0.5, help="CPUs Ray reserves per replica (default %(default)s)"
    )
    commands.add_parser("openapi", help="print the OpenAPI document (docs/openapi.json, which fastwasm-server shares)")
    commands.add_parser("settings", help="print the effective FASTWASM_* settings as JSON")
    inspect = commands.add_parser("inspect", help="print a component's exports with their WIT signatures")
    inspect.add_argument("file", type=Path, help="a component or a core module (.wasm or .wat)")
    call = commands.add_parser(
        "call",
        help="call a component's function with JSON arguments and print its result as JSON "
        "(the mapping and limits of POST /kernels/...)",
    )
    call.add_argument("file", type=Path, help="a component (.wasm); its NAME.toml sidecar applies")
    call.add_argument("function", help="the function, in WIT or snake_case spelling")
    call.add_argument("--json", default="{}", help="the arguments: a JSON object by parameter name (default {})")
    compile_ = commands.add_parser(
        "compile",
        help="compile kernels ahead of time: NAME.cwasm beside each NAME.wasm, for a CPU baseline "
        "(docs/deploy.md, 'Precompiled kernels')",
    )
    compile_.add_argument("paths", type=Path, nargs="+", help="folders of *.wasm, or single .wasm files")
    compile_.add_argument(
        "--cpu",
        default="native",
        help="the CPU baseline: native (this machine), x86-64-v2, x86-64-v3, x86-64-v4, aarch64-v8 or "
        "aarch64-v8.1 (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.command == "compile":
        return compile_files(parser, defaults, args.paths, args.cpu)
    if args.command == "inspect":
        inspect_file(parser, defaults, args.file)
    if args.command == "call":
        call_file(parser, defaults, args.file, args.function, args.json)
    if args.command == "openapi":
        print(openapi_document(), end="")
    if args.command == "settings":
        print(defaults.model_dump_json())
    if args.command == "serve" and args.engine == "ray":
        serve_with_ray(parser, defaults, args)
    elif args.command == "serve":
        if args.reload_kernels:
            # The app reads its settings in each worker: the flag is a setting.
            os.environ["FASTWASM_RELOAD_KERNELS"] = "true"
        if args.workers < 1:
            parser.error("--workers must be at least 1")
        if args.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            # Workers share their metrics through files here; /metrics sums them.
            with tempfile.TemporaryDirectory(prefix="fastwasm-metrics-") as directory:
                os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
                serve_with_uvicorn(args)
        else:
            serve_with_uvicorn(args)


def serve_with_ray(parser: argparse.ArgumentParser, settings: Settings, args: argparse.Namespace) -> None:
    """`fastwasm serve --engine ray`: the same app as a Ray Serve application."""
    import importlib.util

    from fastwasm.deploy import ray as on_ray  # imports Ray only when it deploys

    replicas = 2 if args.replicas is None else args.replicas
    if replicas < 1:
        parser.error("--replicas must be at least 1")
    if args.cpus_per_replica <= 0:
        parser.error("--cpus-per-replica must be above 0")
    try:
        autoscale = on_ray.Scale.parse_autoscale(args.autoscale) if args.autoscale else None
    except ValueError as error:
        parser.error(str(error))
    if importlib.util.find_spec("ray") is None:
        parser.exit(2, "fastwasm: --engine ray needs Ray Serve: pip install 'fastwasm[ray]'\n")
    scale = on_ray.Scale(replicas=replicas, autoscale=autoscale, cpus_per_replica=args.cpus_per_replica)
    on_ray.serve_forever(settings, scale, address=args.address, host=args.host, port=args.port)


def settings_or_exit(parser: argparse.ArgumentParser) -> Settings:
    """The FASTWASM_* settings; an invalid one ends the program with status 2
    and `invalid setting FASTWASM_X="value": reason`, the line
    fastwasm-server prints (the rule and its words are fastwasm-http's)."""
    from fastwasm.api.settings import Settings
    from fastwasm.http import InvalidSetting

    try:
        return Settings()
    except InvalidSetting as error:
        parser.exit(2, f"fastwasm: {error}\n")


def openapi_document() -> str:
    from fastwasm.api import create_app  # here: `serve` needs no app in the parent process

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"


def compile_files(parser: argparse.ArgumentParser, settings: Settings, paths: Sequence[Path], cpu: str) -> None:
    """Writes NAME.cwasm beside each NAME.wasm, compiled as the service's
    runtime loads it, and prints one line per file."""
    import fastwasm

    runtime = settings.runtime()
    files = [file for path in paths for file in (sorted(path.glob("*.wasm")) if path.is_dir() else [path])]
    if not files:
        parser.exit(1, f"fastwasm: no .wasm file in {', '.join(map(str, paths))}\n")
    for file in files:
        try:
            artifact = fastwasm.compile_kernel(runtime, file, cpu)
        except (fastwasm.WasmError, ValueError) as error:
            parser.exit(1, f"fastwasm: {error}\n")
        print(f"{file} -> {artifact} ({cpu}, {artifact.stat().st_size:,} bytes)")


def inspect_file(parser: argparse.ArgumentParser, settings: Settings, path: Path) -> None:
    """One line per export: `name: signature` (WIT for a component, core
    types for a module), and why a component function cannot be called."""
    import fastwasm

    try:
        loaded = settings.runtime().load(path)
    except fastwasm.WasmError as error:
        parser.exit(1, f"fastwasm: {error}\n")
    if isinstance(loaded, fastwasm.Component):
        print(f"{path.name}: a component")
        for export in loaded.exports:
            if export.unsupported:
                note = f"  (cannot be called yet: {export.unsupported})"
            elif export.resources:
                note = "  (passes a resource: callable from Python, not served over HTTP)"
            else:
                note = ""
            print(f"  {export.name}: {export.signature}{note}")
    else:
        print(f"{path.name}: a core module")
        for core in loaded.exports:
            print(f"  {core.name}: {core.signature or '(not a function with scalar types)'}")


def call_file(parser: argparse.ArgumentParser, settings: Settings, path: Path, function: str, arguments: str) -> None:
    """As `POST /kernels/NAME/FUNCTION`: prints `result` as JSON, or the
    error (the guest's, a validation error or a failed call) and exits 1."""
    import fastwasm

    kernels = fastwasm.KernelSet(
        settings.runtime(),
        path,
        timeout_s=settings.wasm_timeout_s,
        max_memory_mb=settings.wasm_max_memory_mb,
        max_body_bytes=settings.max_body_bytes,
        file=True,
        setting_names="service",
    )
    ((name, error),) = kernels.kernels
    if error is not None:
        parser.exit(1, f"fastwasm: {error}\n")
    answer = kernels.call(name, function, arguments.encode())
    body = json.loads(answer.body)
    if answer.status != 200:
        parser.exit(1, f"fastwasm: {answer.status} {json.dumps(body, ensure_ascii=False)}\n")
    print(json.dumps(body["result"], ensure_ascii=False))


def serve_with_uvicorn(args: argparse.Namespace) -> None:
    import uvicorn

    uvicorn.run(
        "fastwasm.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
    )


if __name__ == "__main__":
    main()
