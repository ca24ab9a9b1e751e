"""Every limit and knob of the service, from FASTWASM_* environment variables.

The variables, their defaults and their ranges are fastwasm-http's
(`fastwasm.http.ServiceSettings`), which fastwasm-server reads too; this is
their typed view for the FastAPI service.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, PrivateAttr

import fastwasm
from fastwasm.http import ServiceSettings


class Settings(BaseModel):
    """Service settings: each field `x` is read from `FASTWASM_X`, and a
    keyword argument `x=...` takes its place (`Settings(wasm_timeout_s=2)`).
    An invalid value raises `fastwasm.http.InvalidSetting`, naming it."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int
    workers: int | None
    max_n_iterative: int
    max_n_fast_doubling: int
    max_n_recursive: int
    max_concurrent_heavy: int
    queue_timeout_s: float
    max_module_bytes: int
    threadpool_size: int
    python_workers: int
    python_timeout_s: float
    wasm_timeout_s: float
    wasm_max_memory_mb: int
    wasm_max_instances: int
    wasm_isolation: Literal["pooled", "per-call"]
    wasm_module: Path | None
    kernels_dir: Path | None
    max_body_bytes: int
    grants_root: Path | None
    cache_dir: Path | None
    #: "(set)" when FASTWASM_ADMIN_TOKEN is set: the token itself stays in
    #: Rust, which checks requests against it (`admin_refusal`).
    admin_token: str | None
    reload_kernels: bool
    reload_poll_s: float
    _rules: ServiceSettings = PrivateAttr()

    def __init__(self, **overrides: Any) -> None:
        given = {name: str(value) for name, value in overrides.items() if value is not None}
        rules = ServiceSettings(dict(os.environ), given)
        super().__init__(**json.loads(rules.to_json()))
        self._rules = rules

    def refusal(self, n: int, algorithm: str) -> str | None:
        """The detail of the 400 that refuses `n` for `algorithm` (negative,
        or above its limit, naming the setting), or None."""
        return self._rules.refusal(n, algorithm)

    def admin_refusal(self, authorization: str | None) -> fastwasm.Answer | None:
        """None when a request with this `Authorization` header may use the
        admin routes, else their 401 (fastwasm-http's rule)."""
        return self._rules.admin_refusal(authorization)

    def runtime(self) -> fastwasm.Runtime:
        """The one runtime of the service, as these settings ask for it
        (fastwasm-http's rule, which fastwasm-server follows): their limits,
        isolation and cache directory, and a call thread for every
        heavy-work slot, so a call that holds a slot never waits for a
        thread."""
        return self._rules.runtime()
