"""The numbers in README.md and docs/ are the report's: docs/benchmarks.md and
every marked section hold exactly what `bench/suite/report.py` writes from the
committed bench/results/*.json, so a hand-typed figure or a stale one fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bench.suite import report, report_charts

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
START = re.compile(r"<!-- (\S+):start \(bench/suite/report\.py\) -->")


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    return report.load_all()


def test_every_marked_section_is_what_the_report_writes(results: dict[str, object]) -> None:
    sections = report.marked_sections(results)
    assert sections, "the report writes no marked section"
    for (file, name), lines in sections.items():
        held = report.between((ROOT / file).read_text(), name)
        assert held == "\n".join(lines) + "\n", f"{file}: the {name!r} section is not what the report writes"


def test_every_marker_in_the_docs_is_one_the_report_writes(results: dict[str, object]) -> None:
    written = set(report.marked_sections(results))
    found = {(str(path.relative_to(ROOT)), name) for path in DOCS for name in START.findall(path.read_text())}
    assert found == written


def test_the_benchmarks_page_is_what_the_report_writes(
    results: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_charts, "IMG_DIR", tmp_path)  # the charts are not compared
    assert "\n".join(report.render(results)) == (ROOT / "docs" / "benchmarks.md").read_text()
