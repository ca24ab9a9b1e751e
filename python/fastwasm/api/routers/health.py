"""/health: liveness, versions, and the loaded guest."""

from __future__ import annotations

from fastapi import APIRouter, Request

from fastwasm.api.deps import ServiceInfoDep, fibonacci_service
from fastwasm.api.models import HealthResponse, ModuleInfo, PoolInfo

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Liveness, versions and the loaded module",
    description="Answers without computing anything (it is no benchmark baseline: it reads the pool and "
    "builds a pydantic model).",
)
async def health(request: Request, service: ServiceInfoDep) -> HealthResponse:
    module = fibonacci_service(request).guest.module
    info = module.load_info
    pool = module.pool_stats()
    return HealthResponse(
        status="ok",
        versions=service.versions,
        module=ModuleInfo(
            path=str(service.module_path),
            size_bytes=info.size_bytes,
            cache=info.cache,
            load_time_s=info.load_time_s,
            isolation=service.settings.wasm_isolation,
            exports=service.exports,
            pool=PoolInfo(
                size=pool.size,
                busy=pool.busy,
                traps=pool.traps,
                timeouts=pool.timeouts,
                memory_limits=pool.memory_limits,
                cancelled=pool.cancelled,
            ),
        ),
    )
