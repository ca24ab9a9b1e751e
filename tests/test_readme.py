"""The README's Python examples run, as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_readme_has_python_examples() -> None:
    assert BLOCKS


@pytest.mark.parametrize("block", BLOCKS)
def test_a_readme_python_block_runs(block: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(block, str(README), "exec"), {})
    out = capsys.readouterr().out
    # Every `print(...)  # expected` comment is what the line prints.
    for expected in re.findall(r"print\(.*\)[ \t]+# (.*)", block):
        assert expected in out


def fenced(info: str) -> str:
    """The one README block fenced with this info string."""
    blocks = re.findall(rf"```{re.escape(info)}\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) == 1, f"{len(blocks)} blocks fenced {info!r}"
    return blocks[0]


CARGO_TOML = """[package]
name = "shout"
version = "0.1.0"
edition = "2024"

[lib]
crate-type = ["cdylib"]

[dependencies]
wit-bindgen = "0.61"

[workspace]
"""


@pytest.mark.slow  # builds a component
def test_the_readme_component_builds_and_its_python_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's WIT and Rust, as a crate of their own, built with cargo for
    wasm32-wasip2; then its Python block, run in that crate."""
    root = README.parent
    (tmp_path / "wit").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "wit" / "world.wit").write_text(fenced("wit"))
    (tmp_path / "src" / "lib.rs").write_text(fenced("rust"))
    (tmp_path / "Cargo.toml").write_text(CARGO_TOML)
    # The components' lock pins wit-bindgen and its dependencies, which `make`
    # already fetched: the build needs no network.
    shutil.copy(root / "crates" / "components" / "Cargo.lock", tmp_path / "Cargo.lock")
    # The project's toolchain, which `make` installed with the wasm targets: outside
    # the checkout, cargo would take rustup's default, which may lack them.
    shutil.copy(root / "rust-toolchain.toml", tmp_path / "rust-toolchain.toml")
    subprocess.run(
        ["cargo", "build", "--offline", "--release", "--target", "wasm32-wasip2"],
        cwd=tmp_path,
        check=True,
        timeout=900,
        env={**os.environ, "CARGO_TARGET_DIR": str(tmp_path / "target")},
    )
    block = fenced("python component")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, str(README), "exec"), {})
    out = capsys.readouterr().out
    for expected in re.findall(r"print\(.*\)[ \t]+# (.*)", block):
        assert expected in out
