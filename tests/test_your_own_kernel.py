"""docs/your-own-kernel.md, run as written: its Cargo.toml, WIT and Rust are
built into a component no other test has seen, served by both servers from a
fresh FASTWASM_KERNELS_DIR, and every `$ curl` of its console blocks must
print what the doc shows (`execution_time` aside)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers import ROOT, python_command, rust_command, serving

# Slow: builds a component from the doc's files.
pytestmark = pytest.mark.slow

DOC = ROOT / "docs" / "your-own-kernel.md"
TEXT = DOC.read_text()
FASTWASM = Path(sys.executable).with_name("fastwasm")


def file_blocks() -> dict[str, str]:
    """The blocks fenced as ```LANG file=PATH, by PATH."""
    return {path: body for path, body in re.findall(r"```\w+ file=(\S+)\n(.*?)```", TEXT, flags=re.DOTALL)}


def console_steps() -> list[tuple[str, str]]:
    """Each `$ command` of the ```console blocks, with the output shown under it."""
    steps = []
    for block in re.findall(r"```console\n(.*?)```", TEXT, flags=re.DOTALL):
        for chunk in block.split("$ ")[1:]:
            command, _, output = chunk.partition("\n")
            steps.append((command, output.strip()))
    return steps


@pytest.fixture(scope="module")
def kernels_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    crate = tmp_path_factory.mktemp("words")
    for path, body in file_blocks().items():
        (crate / path).parent.mkdir(parents=True, exist_ok=True)
        (crate / path).write_text(body)
    # The components' lock pins wit-bindgen and its dependencies, which `make`
    # already fetched: the build needs no network.
    shutil.copy(ROOT / "crates" / "components" / "Cargo.lock", crate / "Cargo.lock")
    # The project's toolchain, which `make` installed with the wasm targets: outside
    # the checkout, cargo would take rustup's default, which may lack them.
    shutil.copy(ROOT / "rust-toolchain.toml", crate / "rust-toolchain.toml")
    subprocess.run(
        ["cargo", "build", "--offline", "--release", "--target", "wasm32-wasip2"],
        cwd=crate,
        check=True,
        timeout=900,
        env={**os.environ, "CARGO_TARGET_DIR": str(crate / "target")},
    )
    served = tmp_path_factory.mktemp("kernels")
    shutil.copy(crate / "target" / "wasm32-wasip2" / "release" / "words.wasm", served / "words.wasm")
    return served


@pytest.fixture(scope="module", params=["python", "rust"])
def server(request: pytest.FixtureRequest, kernels_dir: Path) -> Iterator[str]:
    command = {"python": python_command, "rust": rust_command}[request.param]
    with serving(command, {"FASTWASM_KERNELS_DIR": str(kernels_dir)}) as base:
        yield base


def without_time(text: str) -> Any:
    data = json.loads(text)
    if "execution_time" in data:
        assert data["execution_time"] > 0
        data["execution_time"] = "<seconds>"
    return data


def test_the_doc_has_its_files_and_commands() -> None:
    assert set(file_blocks()) == {"Cargo.toml", "wit/world.wit", "src/lib.rs"}
    assert len(console_steps()) == 5


@pytest.mark.parametrize(("command", "shown"), console_steps())
def test_every_curl_prints_what_the_doc_shows(server: str, command: str, shown: str) -> None:
    assert command.startswith("curl -s localhost:8000/")
    run = command.replace("localhost:8000", server.removeprefix("http://"))
    printed = subprocess.run(["bash", "-c", run], capture_output=True, text=True, check=True, timeout=60).stdout
    assert without_time(printed) == without_time(shown)


def test_the_new_kernel_is_listed_and_documented(server: str) -> None:
    listing = json.loads(
        subprocess.run(["curl", "-s", f"{server}/kernels/words"], capture_output=True, check=True).stdout
    )
    assert [f["signature"] for f in listing["functions"]] == [
        "func(text: string) -> record { words: u32, lines: u32, longest-word: string }",
        "func(text: string, count: u8) -> result<list<string>, string>",
    ]
    spec = json.loads(subprocess.run(["curl", "-s", f"{server}/openapi.json"], capture_output=True, check=True).stdout)
    assert {"/kernels/words/stats", "/kernels/words/top"} <= set(spec["paths"])


def test_the_cli_calls_it_as_the_doc_says(kernels_dir: Path) -> None:
    assert 'fastwasm call ~/kernels/words.wasm top --json \'{"text": "a b a", "count": 1}\'' in TEXT
    done = subprocess.run(
        [str(FASTWASM), "call", str(kernels_dir / "words.wasm"), "top", "--json", '{"text": "a b a", "count": 1}'],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == '["a"]'
    assert '(`["a"]`)' in TEXT
