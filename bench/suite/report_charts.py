"""Where the report's charts go, and the footnote every chart carries."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.common import QUICK, RESULTS, ROOT

OUT_DIR = RESULTS / "quick" if QUICK else ROOT / "docs"
IMG_DIR = OUT_DIR / "img"
METHOD_COLORS = {"Python": "#3776ab", "WASM": "#654ff0", "native": "#dea584"}


def footnote(fig: Any, machine: dict[str, str]) -> None:
    text = (
        f"{machine['cpu']}, {machine['cores']} cores · Python {machine['python']} · "
        f"fastwasm {machine['fastwasm']} (wasmtime {machine['wasmtime (fastwasm)']}) · "
        f"{machine['date']} · `{machine['command']}` · {machine['mode']}"
    )
    fig.text(0.01, 0.005, text, fontsize=7, color="#555555", ha="left", va="bottom")


def save(fig: Any, name: str) -> str:
    IMG_DIR.mkdir(parents=True, exist_ok=True)
    fig.savefig(IMG_DIR / name, dpi=110)
    plt.close(fig)
    return f"img/{name}"
