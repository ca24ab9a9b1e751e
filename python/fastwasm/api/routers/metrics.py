"""/metrics: Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client.openmetrics.exposition import CONTENT_TYPE_LATEST
from starlette.responses import Response

from fastwasm.api.deps import ServiceInfoDep

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"application/openmetrics-text": {}},
            "description": "OpenMetrics text, which Prometheus scrapes (the format fastwasm-server writes too)",
        }
    },
    summary="Prometheus metrics",
    description="Requests by route and status, compute time by method and algorithm, the WASM pool "
    "(instances, busy, timeouts, traps, memory-limit stops, cancelled calls) and admission control. "
    "With several workers, summed over all of them.",
)
async def metrics(service: ServiceInfoDep) -> Response:
    return Response(service.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
