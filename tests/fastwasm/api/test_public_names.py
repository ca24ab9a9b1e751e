"""fastwasm's own app takes no private path: every name it uses from the
package is public (in `fastwasm.__all__`, `fastwasm.fastapi.__all__` or
`fastwasm.http.__all__`), so whatever the built-in app does, a user can do
too."""

from __future__ import annotations

import ast
from pathlib import Path

import fastwasm
import fastwasm.fastapi
import fastwasm.http

APP = Path(fastwasm.__file__).with_name("api")
PUBLIC = {
    "fastwasm": set(fastwasm.__all__),
    "fastwasm.fastapi": set(fastwasm.fastapi.__all__),
    "fastwasm.http": set(fastwasm.http.__all__),
}
#: Public modules imported whole (`from fastwasm import http`), and the
#: Fibonacci method's pure-Python kernels: the app's own subject.
PUBLIC_MODULES = {("fastwasm", "http"), ("fastwasm", "python_worker"), ("fastwasm", "pure")}


def uses(tree: ast.AST) -> list[tuple[str, str, int]]:
    """(module, name, line) for every name the file takes from fastwasm
    outside its own app package."""
    found: list[tuple[str, str, int]] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fastwasm"):
            if node.module.startswith("fastwasm.api"):
                continue
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is None:
            continue
        elif (isinstance(node, ast.ImportFrom) and node.module == "fastwasm") or isinstance(node, ast.Import):
            for alias in getattr(node, "names", []):
                if alias.name in PUBLIC:
                    aliases[alias.asname or alias.name] = alias.name
                elif alias.name.startswith("fastwasm") and not alias.name.startswith("fastwasm.api"):
                    found.append((alias.name, "*", node.lineno))
    for node in ast.walk(tree):
        named = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
        if named and not node.attr.startswith("__"):
            found.append((aliases[node.value.id], node.attr, node.lineno))
    return [use for use in found if use[:2] not in PUBLIC_MODULES]


def test_the_app_uses_only_public_names_of_the_runtime_and_the_kit() -> None:
    private = []
    for path in sorted(APP.rglob("*.py")):
        for module, name, line in uses(ast.parse(path.read_text(), str(path))):
            if module not in PUBLIC or name not in PUBLIC[module]:
                private.append(f"{path.relative_to(APP.parent)}:{line}: {module}.{name}")
    assert private == []


def test_the_check_sees_a_private_name() -> None:
    # The check itself can fail: each way of reaching past the public API.
    for source in [
        "from fastwasm._native import native_digits",
        "from fastwasm.fastapi.kernels import serve_call",
        "import fastwasm\nfastwasm._calls",
        "import fastwasm\nfastwasm.native_fibonacci(1)",
    ]:
        found = uses(ast.parse(source))
        assert any(module not in PUBLIC or name not in PUBLIC[module] for module, name, _ in found), source
