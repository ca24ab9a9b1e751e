"""A user's FastAPI app with one kernel, four ways, for bench/suite/acall_bench.py:
`await acall` through the kit, the tutorial's mistake (`call` in an `async
def` route), `call` in a plain `def` route (FastAPI's threadpool), and a cheap
kernel function through the kit beside `/ping`.

Run: uvicorn bench.apps.kit_app:app
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

import fastwasm
from fastwasm.fastapi import Kernel, Kernels

COMPONENTS = Path(fastwasm.__file__).with_name("components")
FAULT = Path(__file__).resolve().parents[2] / "tests" / "components" / "fault.wasm"
#: The flood: a 512×512 blur of radius 8.
SIDE, RADIUS = 512, 8
RGBA = bytes((i * 7919) % 251 for i in range(SIDE * SIDE * 4))

kernels = Kernels(COMPONENTS)
Image = Annotated[Kernel, kernels.depends("image")]
Echo = Annotated[Kernel, kernels.depends("echo")]
# A guest that spins until stopped, for bench/suite/cancel_latency.py.
faults = Kernels(files={"fault": FAULT}, timeout_s=2, name="faults")
Fault = Annotated[Kernel, faults.depends("fault")]
# As the docs once showed: a component loaded at import, called directly.
image = fastwasm.Runtime().load(COMPONENTS / "image.wasm")
assert isinstance(image, fastwasm.Component)

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, int]:
    return {"ok": 1}


@app.get("/blur/acall")
async def blur_acall(kernel: Image) -> Response:
    return Response(await kernel.acall("blur", RGBA, SIDE, SIDE, RADIUS), media_type="application/octet-stream")


@app.get("/blur/call-in-async-def")
async def blur_call_in_async_def() -> Response:
    return Response(image.call("blur", RGBA, SIDE, SIDE, RADIUS), media_type="application/octet-stream")


@app.get("/blur/call-in-def")
def blur_call_in_def() -> Response:
    return Response(image.call("blur", RGBA, SIDE, SIDE, RADIUS), media_type="application/octet-stream")


async def request_of(request: Request) -> Request:
    return request


@app.get("/depends-noop")
async def depends_noop(request: Annotated[Request, Depends(request_of)]) -> dict[str, int]:
    # What one FastAPI dependency level costs, with no kernel: the rest of
    # /nothing's cost is the kit's.
    return {"ok": 1}


@app.get("/nothing")
async def nothing(kernel: Echo) -> dict[str, int]:
    return {"ok": await kernel.acall("nothing")}


@app.get("/echo/{v}")
async def echo(v: int, kernel: Echo) -> dict[str, int]:
    return {"v": await kernel.acall("echo-u32", v)}


@app.get("/spin")
async def spin(kernel: Fault) -> None:
    await kernel.acall("spin")


@app.get("/spin/cancelled")
async def spin_cancelled(request: Request) -> dict[str, int]:
    return {"cancelled": faults.loaded(request.app).components["fault"].pool_stats().cancelled}


kernels.install(app)
faults.install(app)
