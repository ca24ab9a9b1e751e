"""What a component may be granted beyond deny-by-default: read-only host
directories and environment variables given by value. A granted directory
can be read and not written, `..` cannot leave it, an ungranted path fails
as before, and only the granted variables are visible. And, when asked, what
a component writes becomes log records, bounded per call."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path

import pytest

import fastwasm

ROOT = Path(__file__).resolve().parents[2]
FAULT = ROOT / "tests" / "components" / "fault.wasm"


@pytest.fixture(scope="module")
def runtime() -> fastwasm.Runtime:
    return fastwasm.Runtime(timeout_s=5, use_cache=False, pool_size=1)


@pytest.fixture
def granted(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "words.txt").write_text("apple\nbanana\n")
    (tmp_path / "secret.txt").write_text("outside the grant")
    return data


def load(runtime: fastwasm.Runtime, **grants: object) -> fastwasm.Component:
    loaded = runtime.load(FAULT, **grants)  # type: ignore[arg-type]
    assert isinstance(loaded, fastwasm.Component)
    return loaded


def test_a_granted_directory_is_read_only_and_cannot_be_left(runtime: fastwasm.Runtime, granted: Path) -> None:
    fault = load(runtime, dirs={granted: "/data"})
    assert fault.call("read-file", "/data/words.txt") == "apple\nbanana\n"
    with pytest.raises(fastwasm.GuestError):
        fault.call("write-file", "/data/new.txt", "x")
    with pytest.raises(fastwasm.GuestError):
        fault.call("write-file", "/data/words.txt", "overwritten")
    assert not (granted / "new.txt").exists()
    assert (granted / "words.txt").read_text() == "apple\nbanana\n"
    for escape in ("/data/../secret.txt", "/data/../../etc/passwd", "/secret.txt", "/etc/passwd"):
        with pytest.raises(fastwasm.GuestError):
            fault.call("read-file", escape)
    # A symlink inside the grant that points out of it does not lead out either.
    (granted / "link").symlink_to(granted.parent / "secret.txt")
    with pytest.raises(fastwasm.GuestError):
        fault.call("read-file", "/data/link")


def test_without_a_grant_nothing_is_readable(runtime: fastwasm.Runtime, granted: Path) -> None:
    with pytest.raises(fastwasm.GuestError):
        load(runtime).call("read-file", "/data/words.txt")


def test_only_the_granted_variables_are_visible(runtime: fastwasm.Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTWASM_HOST_ONLY", "never seen")
    assert "FASTWASM_HOST_ONLY" in os.environ
    fault = load(runtime, env={"LOCALE": "de_CH", "EMPTY": ""})
    assert sorted(fault.call("environment")) == [("EMPTY", ""), ("LOCALE", "de_CH")]
    assert load(runtime).call("environment") == []


@pytest.mark.parametrize(
    ("grants", "setting"),
    [
        ({"dirs": {"/no/such/directory": "/data"}}, "dirs"),
        ({"dirs": {"/": "data"}}, "dirs"),
        ({"env": {"A=B": "x"}}, "env"),
        ({"env": {"": "x"}}, "env"),
    ],
)
def test_a_bad_grant_is_refused_naming_it(runtime: fastwasm.Runtime, grants: dict[str, object], setting: str) -> None:
    with pytest.raises(ValueError, match=setting):
        load(runtime, **grants)


def test_a_core_module_can_be_granted_nothing(runtime: fastwasm.Runtime, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="core module"):
        runtime.load_bytes(b'(module (func (export "f")))', env={"A": "1"})


def test_output_becomes_log_records_when_asked(runtime: fastwasm.Runtime, caplog: pytest.LogCaptureFixture) -> None:
    quiet, logged = load(runtime), load(runtime, log_output="chatty")
    with caplog.at_level(logging.INFO, logger="fastwasm.guest"):
        assert quiet.call("chatter", "hush", 1) == 1
        assert not caplog.records
        assert logged.call("chatter", "hi", 2) == 2
    records = [(r.levelno, r.getMessage(), r.component, r.function, r.stream) for r in caplog.records]  # type: ignore[attr-defined]
    line = ("chatty", "chatter")
    assert records == [
        (logging.INFO, "chatty/chatter stdout: hi", *line, "stdout"),
        (logging.INFO, "chatty/chatter stdout: hi", *line, "stdout"),
        (logging.WARNING, "chatty/chatter stderr: hi", *line, "stderr"),
        (logging.WARNING, "chatty/chatter stderr: hi", *line, "stderr"),
    ]


def test_log_records_are_bounded_per_call(caplog: pytest.LogCaptureFixture) -> None:
    runtime = fastwasm.Runtime(timeout_s=5, use_cache=False, pool_size=1, max_output_kb=1)
    logged = load(runtime, log_output="chatty")
    with caplog.at_level(logging.INFO, logger="fastwasm.guest"):
        logged.call("chatter", "x" * 99, 100)
    lines = [r for r in caplog.records if getattr(r, "stream", None) == "stdout"]
    assert 0 < len(lines) <= 11  # 1 KiB of 100-byte lines, the last one cut
    (dropped,) = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert "max_output_kb" in dropped.getMessage()


def test_acall_logs_too(runtime: fastwasm.Runtime, caplog: pytest.LogCaptureFixture) -> None:
    logged = load(runtime, log_output="chatty")

    async def both() -> tuple[object, object]:
        return await logged.acall("chatter", "a", 1, inline=False), await logged.acall("chatter", "b", 1, inline=True)

    with caplog.at_level(logging.INFO, logger="fastwasm.guest"):
        assert asyncio.run(both()) == (1, 1)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] == [
        "chatty/chatter stdout: a",
        "chatty/chatter stdout: b",
    ]


def test_the_docs_capabilities_example_runs_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = ROOT / "docs" / "components.md"
    blocks = re.findall(r"```python\n(.*?)```", docs.read_text(), flags=re.DOTALL)
    (block,) = [b for b in blocks if "dirs=" in b]
    monkeypatch.chdir(ROOT)
    exec(compile(block, str(docs), "exec"), {"__name__": "docs_components"})
    expected = re.findall(r"print\(.*\)[ \t]+# (.*)", block)
    assert len(expected) == 2
    assert capsys.readouterr().out.splitlines() == expected
