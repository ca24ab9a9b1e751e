"""The admin route, mounted only when `FASTWASM_ADMIN_TOKEN` is set: `POST
/admin/reload` reloads the kernels folder and answers what it did, the same
bytes as fastwasm-server's. Left out of OpenAPI: the public document
describes what every client may call."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from fastwasm.api.settings import Settings
from fastwasm.fastapi import Kernels, respond
from fastwasm.http import ADMIN_RELOAD_ROUTE


def router(settings: Settings, kernels: Kernels, app: FastAPI) -> APIRouter:
    """The admin routes of `app`, whose kernels are `kernels`."""
    admin = APIRouter()

    async def reload(request: Request) -> Response:
        refusal = settings.admin_refusal(request.headers.get("authorization"))
        if refusal is not None:
            return respond(refusal)
        report = await kernels.reload(app, trigger="admin")
        return respond(report.answer)

    admin.add_api_route(ADMIN_RELOAD_ROUTE, reload, methods=["POST"], include_in_schema=False)
    return admin
