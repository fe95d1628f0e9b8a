"""What the platform holds about an email address, gathered from every app.

Each app registers a provider in its AppConfig.ready(): `collect(email)` returns the records
it holds as plain dicts and `erase(email)` deletes or anonymises them, returning how many.
The data-request page (linked from every email) uses both, so allout never imports an
app's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Provider:
    name: str
    collect: Callable[[str], list[dict]]
    erase: Callable[[str], int]


_providers: dict[str, Provider] = {}


def register(name: str, collect: Callable[[str], list[dict]], erase: Callable[[str], int]) -> None:
    _providers[name] = Provider(name, collect, erase)


def collect(email: str) -> dict[str, list[dict]]:
    return {name: provider.collect(email) for name, provider in sorted(_providers.items())}


def erase(email: str) -> dict[str, int]:
    return {name: provider.erase(email) for name, provider in sorted(_providers.items())}
