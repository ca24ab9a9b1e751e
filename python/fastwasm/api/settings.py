"""Every limit and knob of the service, from FASTWASM_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from fastwasm import available_cores
from fastwasm.api.models import Algorithm

U32_MAX = 2**32 - 1


class Settings(BaseSettings):
    """Service settings. Each field `x` is read from `FASTWASM_X`."""

    model_config = SettingsConfigDict(env_prefix="FASTWASM_", frozen=True)

    host: str = Field("127.0.0.1", description="Address `fastwasm serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `fastwasm serve` binds.")
    workers: int = Field(1, ge=1, description="Worker processes of `fastwasm serve`.")

    max_n_iterative: int = Field(100_000, ge=0, le=U32_MAX, description="Largest n for iterative.")
    max_n_fast_doubling: int = Field(1_000_000, ge=0, le=U32_MAX, description="Largest n for fast_doubling.")
    max_n_recursive: int = Field(
        40, ge=0, le=93, description="Largest n for recursive (at most 93: F(94) exceeds a u64)."
    )

    max_concurrent_heavy: int = Field(
        default_factory=lambda: 2 * available_cores(),
        ge=1,
        le=4096,
        description="Heavy computations (recursive, or n > 93) running at once; default 2 × the CPUs this "
        "process may use (affinity and cgroup quota, the rule fastwasm-server uses too).",
    )
    queue_timeout_s: float = Field(
        2.0, gt=0, le=3600, description="How long a heavy request waits for a slot before 503."
    )
    max_module_bytes: int = Field(16 << 20, ge=1, description="Largest WASM module file loaded.")
    threadpool_size: int = Field(40, ge=1, le=1024, description="Threads for heavy WASM and native work.")
    python_workers: int = Field(
        default_factory=available_cores,
        ge=1,
        le=1024,
        description="Worker processes for heavy pure-Python work; default: one per core.",
    )
    python_timeout_s: float = Field(
        120.0, gt=0, le=86400, description="Deadline of one heavy pure-Python computation, seconds."
    )

    wasm_timeout_s: float = Field(10.0, gt=0, le=86400, description="Deadline of one WASM call, seconds.")
    wasm_max_memory_mb: int = Field(64, ge=1, le=4096, description="Linear-memory cap of one instance.")
    wasm_max_instances: int = Field(
        256, ge=1, le=10_000, description="WASM instances alive at once; past it, 503 with Retry-After."
    )
    wasm_isolation: Literal["pooled", "per-call"] = Field(
        "pooled", description="Reuse pooled instances, or a fresh instance per call."
    )
    wasm_module: Path | None = Field(None, description="The guest module; default: the bundled one.")
    modules_dir: Path | None = Field(
        None,
        description="Components served under /modules, one per *.wasm file, named by its stem; loaded at "
        "start-up (a restart picks up changes). Default: the example components bundled with the package.",
    )
    max_body_bytes: int = Field(
        8 << 20, ge=1, le=1 << 30, description="Largest request body of a module call; past it, 413."
    )
    cache_dir: Path | None = Field(
        None, description="Compiled-module cache; default: $XDG_CACHE_HOME/fastwasm or ~/.cache/fastwasm."
    )

    def max_n(self, algorithm: Algorithm) -> tuple[int, str]:
        """The limit for `algorithm` and the environment variable that sets it."""
        name = f"max_n_{algorithm.value}"
        return getattr(self, name), f"FASTWASM_{name.upper()}"
