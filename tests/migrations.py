"""Moving the test database between schemas, for the tests of data migrations.

Such tests migrate back, write rows with the historical models of that schema, migrate
forward and look at the rows; each restores the newest schema afterwards, even when it
fails half-way, because the tests after it need it.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

Node = tuple[str, str]


def migrate_to(targets: list[Node]) -> StateApps:
    """Migrate the test database to `targets`; the models of that schema (the apps not
    named stay at their latest migration, unless they depend on what was unapplied).

    The schema is read from what is applied afterwards: an app whose migrations depend on a
    named app's later ones (partners on petitions) was migrated back with it, and its leaf
    would bring those later migrations back into the models.
    """
    MigrationExecutor(connection).migrate(targets)
    ContentType.objects.clear_cache()
    loader = MigrationExecutor(connection).loader  # reloaded: what is applied now
    applied = [node for node in loader.applied_migrations if node in loader.graph.nodes]
    return loader.project_state(applied).apps


def latest() -> list[Node]:
    """The newest migration of every app."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def just_before(migration: Node) -> list[Node]:
    """The migrations of the same app that `migration` follows."""
    parents = MigrationExecutor(connection).loader.graph.node_map[migration].parents
    return [parent.key for parent in parents if parent.key[0] == migration[0]]
