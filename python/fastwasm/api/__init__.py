"""The fastwasm HTTP service: the tutorial's API on FastAPI, exact and non-blocking.

`create_app(settings)` builds an app; `fastwasm serve` has uvicorn call it
(`factory=True`). Nothing is built at import.
"""

from __future__ import annotations

from fastwasm.api.app import create_app
from fastwasm.api.settings import Settings

__all__ = ["Settings", "create_app"]
