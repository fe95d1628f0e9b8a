"""Versions of what pages cache for everyone: an edit bumps one, a deploy starts them all afresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache as default_cache

from allout import cache


@pytest.fixture
def code_tree(tmp_path: Path, settings):
    (tmp_path / "templates").mkdir()
    (tmp_path / "events").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<p>{{ petition.title }}</p>")
    (tmp_path / "events" / "views.py").write_text("def page(): ...\n")
    settings.BASE_DIR = tmp_path
    cache.release.cache_clear()
    yield tmp_path
    cache.release.cache_clear()


def test_a_bump_gives_a_new_version_and_reading_it_twice_gives_the_same():
    first = cache.version("tests:thing")
    assert cache.version("tests:thing") == first
    cache.bump("tests:thing")
    assert cache.version("tests:thing") != first


def test_a_changed_template_or_module_is_a_new_release_and_a_new_version(code_tree):
    before = cache.release()
    version = cache.version("tests:page")
    (code_tree / "templates" / "page.html").write_text("<h1>{{ petition.title }}</h1>")
    cache.release.cache_clear()
    assert cache.release() != before
    assert cache.version("tests:page") != version  # what the old code cached is not read
    changed = cache.release()
    (code_tree / "events" / "views.py").write_text("def page(): return 1\n")
    cache.release.cache_clear()
    assert cache.release() != changed


def test_files_that_do_not_render_pages_leave_the_release_alone(code_tree):
    before = cache.release()
    (code_tree / "templates" / "notes.md").write_text("a note")
    cache.release.cache_clear()
    assert cache.release() == before


def test_the_version_is_kept_in_the_cache_under_the_release(code_tree):
    version = cache.version("tests:page")
    assert default_cache.get(f"version:{cache.release()}:tests:page") == version


def test_a_versioned_value_is_computed_once_per_version_and_none_is_not_kept() -> None:
    computed: list[str] = []

    def compute() -> str:
        computed.append("x")
        return f"value {len(computed)}"

    assert cache.versioned("test:versioned", "test:versioned:key", compute, timeout=60) == "value 1"
    assert cache.versioned("test:versioned", "test:versioned:key", compute, timeout=60) == "value 1"
    cache.bump("test:versioned")  # staff changed what it shows
    assert cache.versioned("test:versioned", "test:versioned:key", compute, timeout=60) == "value 2"
    missing: list[None] = []

    def nothing() -> None:
        missing.append(None)

    for _ in range(2):
        assert cache.versioned("test:versioned", "test:versioned:none", nothing, timeout=60) is None
    assert len(missing) == 2  # asked again: a made-up key keeps nothing


def test_every_cache_call_shares_one_redis_client() -> None:
    # Django's client builds a redis.Redis (~170 response callbacks) for every call; ours
    # keeps one per connection pool (allout.cache._OneClientPerPool).
    client = default_cache._cache  # type: ignore[attr-defined]
    assert client.get_client() is client.get_client()
    assert client.get_client(write=True) is client.get_client(write=True)
