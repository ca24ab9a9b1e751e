"""The fastwasm HTTP service: the tutorial's API on FastAPI, exact and non-blocking.

`create_app(settings)` builds an app; `fastwasm.api.app:app` is the one uvicorn serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastwasm.api.settings import Settings

if TYPE_CHECKING:
    from fastwasm.api.app import create_app

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use: importing `fastwasm.api.app` builds the module-level
    # app, which reads the settings, and the CLI must be able to check them first.
    if name == "create_app":
        from fastwasm.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
