"""The shop before and after it adopted fastwasm, from one source.

Lines ending in `# fastwasm`, and blocks between `# fastwasm: begin` and
`# fastwasm: end`, are what adopting fastwasm added. `python adoption.py`
prints the diff; `python adoption.py docs` writes it into docs/fastapi.md,
between its markers; `python adoption.py before DIR` writes the shop as it
was into DIR (tests/test_existing_app.py checks the docs and runs both).
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parents[1] / "docs" / "fastapi.md"
DOCS_START = "<!-- adoption-diff:start (examples/existing-app/adoption.py) -->\n"
DOCS_END = "<!-- adoption-diff:end -->"
MARK = "  # fastwasm"
BEGIN, END = "# fastwasm: begin", "# fastwasm: end"


def versions(text: str) -> tuple[list[str], list[str]]:
    """The file's lines before and after adoption, without the markers."""
    before: list[str] = []
    after: list[str] = []
    added = False
    for line in text.splitlines():
        if line.strip() == BEGIN:
            added = True
        elif line.strip() == END:
            added = False
        elif added or line.endswith(MARK):
            after.append(line.removesuffix(MARK))
        else:
            before.append(line)
            after.append(line)
    return before, after


def sources() -> list[Path]:
    return sorted((HERE / "shop").glob("*.py"))


def diff() -> str:
    """The adoption as a unified diff of every file it touches."""
    parts: list[str] = []
    for path in sources():
        before, after = versions(path.read_text())
        name = path.relative_to(HERE).as_posix()
        parts += difflib.unified_diff(before, after, f"a/{name}", f"b/{name}", n=1, lineterm="")
    return "\n".join(parts) + "\n"


def docs_with_diff(text: str) -> str:
    """docs/fastapi.md's `text` with the diff between its markers."""
    head, rest = text.split(DOCS_START)
    _, tail = rest.split(DOCS_END)
    return f"{head}{DOCS_START}```diff\n{diff()}```\n{DOCS_END}{tail}"


def write(version: str, directory: Path) -> None:
    """The shop package as it is `before` or `after` adoption, into `directory`."""
    (directory / "shop").mkdir(parents=True, exist_ok=True)
    for path in sources():
        before, after = versions(path.read_text())
        lines = before if version == "before" else after
        (directory / "shop" / path.name).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        write(sys.argv[1], Path(sys.argv[2]))
    elif sys.argv[1:] == ["docs"]:
        DOCS.write_text(docs_with_diff(DOCS.read_text()))
    else:
        sys.stdout.write(diff())
