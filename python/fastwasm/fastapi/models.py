"""The kit's response models: the listings of its kernel routes, and the
error body, so that OpenAPI says what the routes answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    """Every error: FastAPI's shape."""

    detail: str


class KernelLimitsInfo(BaseModel):
    """A kernel's limits: the server's, tightened by its `NAME.toml`."""

    timeout_s: float
    max_memory_mb: int
    max_body_bytes: int
    placement: Literal["measured", "inline", "threads"] = Field(
        description="Where a call runs: inline when declared cheap (`heavy = false`), on a call thread with a "
        "heavy-work slot when declared heavy (`heavy = true`), else by the function's measured call times."
    )
    deadline: bool = Field(
        description="Whether calls run under `timeout_s`. False (`deadline = false`): trusted code that nothing can "
        "stop; a 504 then means the server stopped waiting while the call runs on, holding its heavy-work slot."
    )


class KernelGrantsInfo(BaseModel):
    """What a kernel's `NAME.toml` grants it, as much as a client may know."""

    dirs: list[str] = Field(description="The guest paths of its read-only directories (never the host's).")
    env: list[str] = Field(description="The names of the variables it sees (never their values).")
    log_output: bool = Field(description="Whether its stdout and stderr lines are logged.")


class KernelLoadInfo(BaseModel):
    """Where a loaded kernel's compiled code came from."""

    code: Literal["precompiled", "hit", "miss", "disabled", "refused"] = Field(
        description="`precompiled`: its `NAME.cwasm` artifact; `hit`: the compiled-code cache; else compiled at "
        "start-up (`miss`: and cached; `disabled`/`refused`: no cache, or a refused one)."
    )
    artifact_refused: str | None = Field(
        description="Why the precompiled artifact beside it was refused (so it was compiled), if it was."
    )


class ReloadErrorInfo(BaseModel):
    """A newer file of a kernel that a reload could not load: the version
    listed serves on."""

    error: str
    sha256: str = Field(description="The SHA-256 of the file that did not load.")
    at: datetime = Field(description="When the reload tried it (UTC).")


class ParamInfo(BaseModel):
    """One parameter of a served function."""

    name: str = Field(description="The JSON key (snake_case; the WIT spelling is accepted too).")
    wit_type: str
    #: JSON Schema of the parameter's JSON form.
    json_schema: dict[str, Any] = Field(alias="schema")


class FunctionInfo(BaseModel):
    """One exported function, served at `path`."""

    name: str
    path: str
    signature: str = Field(description="The WIT signature.")
    params: list[ParamInfo]
    result: dict[str, Any] = Field(description="JSON Schema of `result` in a 200 answer.")
    error: dict[str, Any] | None = Field(
        description="JSON Schema of `error` in a 400 answer, when the signature ends in result<T, E>."
    )
    unsupported: str | None = Field(description="Why it is not served over HTTP (resources, streams...), if it is not.")
    raw_request: bool = Field(description="Accepts an application/octet-stream body (one list<u8> parameter).")
    raw_response: bool = Field(description="Answers raw bytes when Accept asks for application/octet-stream.")


class ServedKernel(BaseModel):
    """One served kernel (a *.wasm file): its functions, or why it did not load."""

    name: str
    file: str
    sha256: str = Field(description="The SHA-256 of the file serving.")
    size_bytes: int
    loaded_at: datetime = Field(description="When the version serving was loaded (UTC): at start-up or a reload.")
    error: str | None
    reload_error: ReloadErrorInfo | None = Field(
        description="The newer file a reload could not load, if one did not: this version serves on."
    )
    limits: KernelLimitsInfo
    grants: KernelGrantsInfo
    load: KernelLoadInfo | None = Field(description="How it was loaded; None when it did not load.")
    functions: list[FunctionInfo]


class KernelsResponse(BaseModel):
    """Every served kernel."""

    kernels: list[ServedKernel]
