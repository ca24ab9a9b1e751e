"""docs/fastapi.md's Python blocks run as written, from the repository's
root, and print what their `# expected` comments say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "fastapi.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)


def test_the_page_has_python_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS)
def test_a_python_block_runs(block: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(block, str(DOCS), "exec"), {"__name__": "docs_fastapi"})
    out = capsys.readouterr().out.splitlines()
    expected = re.findall(r"print\(.*\)[ \t]+# (.*)", block)
    assert expected
    assert out == expected
