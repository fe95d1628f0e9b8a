"""Every URL name means one page: `{% url %}` and reverse() cannot pick the wrong one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def named_routes(
    resolver: URLResolver, namespace: tuple[str, ...] = (), prefix: str = ""
) -> Iterator[tuple[str, str]]:
    """(namespaced name, route) for every named pattern under `resolver`, includes and all.

    An include without a namespace of its own (as events/urls_participation.py once was) adds
    its names to the enclosing namespace, which is how two files can end up sharing one name.
    """
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = (*namespace, entry.namespace) if entry.namespace else namespace
            yield from named_routes(entry, inner, route)
        elif isinstance(entry, URLPattern) and entry.name:
            yield ":".join((*namespace, entry.name)), route


def test_the_walk_finds_names_in_the_root_and_in_nested_namespaces():
    names = dict(named_routes(get_resolver()))
    assert names["home"] == ""
    assert names["events:detail"] == "events/<slug:slug>/"
    assert names["events:rsvp"] == "events/<slug:slug>/rsvp/"  # from the unnamespaced include
    assert names["petitions:sign"] == "petitions/<slug:slug>/sign/"
    assert "admin:index" in names and "account_login" in names


def test_no_two_url_patterns_of_one_namespace_share_a_name():
    routes: dict[str, list[str]] = defaultdict(list)
    for name, route in named_routes(get_resolver()):
        routes[name].append(route)
    shared = {name: found for name, found in routes.items() if len(found) > 1}
    assert shared == {}, "URL names used by more than one pattern (reverse() takes one only)"
