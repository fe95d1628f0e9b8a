"""allout is the shared floor: events and petitions build on it, never the other way round."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

ALLOUT = Path(__file__).resolve().parents[2] / "allout"


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


def test_the_shared_floor_imports_nothing_from_events_or_petitions():
    offending = {
        f"{path.relative_to(ALLOUT.parent)}: {module}"
        for path in ALLOUT.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in {"events", "petitions"}
    }
    assert ALLOUT.joinpath("models.py").exists()
    assert offending == set()


def test_petitions_point_into_allout_and_never_into_events():
    targets = {
        field.related_model._meta.app_label
        for model in apps.get_app_config("petitions").get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.related_model is not None
    }
    assert "allout" in targets and "events" not in targets
