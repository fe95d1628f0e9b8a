"""The shape of the house (docs/architecture.md): allout is the shared floor and imports no
app; petitions and events import nothing of each other, nor the API, which reads both;
partners reads petitions, and nothing imports partners; no module imports another in a
circle (a function-level import counts: hiding a cycle inside a function is still a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("allout", "events", "petitions", "partners", "api")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project's modules that `name` imports, anywhere in the file."""
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = name.split(".")[: -node.level if path.stem != "__init__" else None]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            candidates = [f"{module}.{alias.name}" for alias in node.names] + [module]
        else:
            continue
        for candidate in candidates:
            # `from events import emails` names the module events.emails; `from
            # events.models import Event` names events.models. The first match wins.
            if candidate in MODULES:
                targets.add(candidate)
                break
    targets.discard(name)
    return {t for t in targets if MODULES[t].stem != "__init__"}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_the_modules_and_their_imports():
    assert "events.services.rsvp" in GRAPH and "events.models" in GRAPH["events.services.rsvp"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_in_a_circle():
    assert _cycles(GRAPH) == []


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("allout", ("events", "petitions", "partners", "api")),
        ("petitions", ("events", "partners", "api")),
        ("events", ("petitions", "partners", "api")),
        ("partners", ("events", "api")),
    ],
)
def test_the_floor_and_the_apps_import_only_what_they_may(package, forbidden):
    crossing = sorted(
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if name.split(".")[0] == package
        for target in targets
        if target.split(".")[0] in forbidden
    )
    assert crossing == []
