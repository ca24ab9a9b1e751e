"""/health: liveness, versions, and the loaded module. Also the no-op baseline."""

from __future__ import annotations

from fastapi import APIRouter, Request

from fastwasm.api.deps import SettingsDep
from fastwasm.api.models import HealthResponse, ModuleInfo, PoolInfo

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Liveness, versions and the loaded module",
    description="Answers without computing anything: the baseline for HTTP benchmarks.",
)
async def health(request: Request, settings: SettingsDep) -> HealthResponse:
    module = request.app.state.fibonacci.guest.module
    info = module.load_info
    pool = module.pool_stats()
    state = request.app.state
    return HealthResponse(
        status="ok",
        versions=state.versions,
        module=ModuleInfo(
            path=str(state.module_path),
            size_bytes=info.size_bytes,
            cache=info.cache,
            load_time_s=info.load_time_s,
            isolation=settings.wasm_isolation,
            exports=state.exports,
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
