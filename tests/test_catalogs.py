"""The translation catalogs' check (allout/catalogs.py): what it catches, on small catalogs
written here, and the real catalogs against the code: every string marked for translation
is translated, not fuzzy, in all five catalogs, and the catalogs match what makemessages
would write from the code today.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest

from allout import catalogs

HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: ru\\n"
"POT-Creation-Date: {created}\\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && "
"n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"

"""

COMPLETE = """msgid "Find a protest"
msgstr "Найти акцию"

msgctxt "petition"
msgid "Sign"
msgstr "Подписать"

msgid "%(count)d report closed."
msgid_plural "%(count)d reports closed."
msgstr[0] "Закрыта %(count)d жалоба."
msgstr[1] "Закрыто %(count)d жалобы."
msgstr[2] "Закрыто %(count)d жалоб."
"""


def write(path: Path, entries: str, *, created: str = "2026-12-01 10:00+0000") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(created=created) + entries, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, entries: str) -> list[tuple[str, str]]:
    catalog = polib.pofile(str(write(tmp_path / "django.po", entries)))
    return [(p.kind, p.msgid) for p in catalogs.incomplete("ru/django.po", catalog)]


def test_a_complete_catalog_has_no_problem(tmp_path):
    assert problems_of(tmp_path, COMPLETE) == []


def test_an_empty_translation_is_caught(tmp_path):
    entries = COMPLETE + '\nmsgid "Organize"\nmsgstr ""\n'
    assert problems_of(tmp_path, entries) == [("untranslated", "Organize")]


def test_a_missing_plural_form_is_caught(tmp_path):
    """Russian needs all three forms: 1 жалоба, 2 жалобы, 5 жалоб."""
    entries = COMPLETE.replace('msgstr[2] "Закрыто %(count)d жалоб."', 'msgstr[2] ""')
    assert problems_of(tmp_path, entries) == [("untranslated", "%(count)d report closed.")]


def test_a_fuzzy_translation_is_caught(tmp_path):
    entries = COMPLETE + '\n#, fuzzy\nmsgid "Organise"\nmsgstr "Организовать"\n'
    assert problems_of(tmp_path, entries) == [("fuzzy", "Organise")]


def test_a_fuzzy_header_is_caught(tmp_path):
    """msgfmt drops a fuzzy header, and the language's plural forms with it."""
    path = write(tmp_path / "django.po", COMPLETE)
    path.write_text("#, fuzzy\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    found = list(catalogs.incomplete("ru/django.po", polib.pofile(str(path))))
    assert [(p.kind, p.msgid) for p in found] == [("fuzzy", "(the header)")]


def test_obsolete_entries_are_not_counted(tmp_path):
    entries = COMPLETE + '\n#~ msgid "Gone"\n#~ msgstr ""\n'
    assert problems_of(tmp_path, entries) == []


def out_of_date(tmp_path: Path, committed: str, code: str, **kwargs) -> list[tuple[str, str]]:
    ours = polib.pofile(str(write(tmp_path / "ours.po", committed)))
    theirs = polib.pofile(str(write(tmp_path / "theirs.po", code, **kwargs)))
    return [(p.kind, p.msgid) for p in catalogs.out_of_date("ru/django.po", ours, theirs)]


def test_a_catalog_matching_the_code_is_up_to_date_whatever_its_dates(tmp_path):
    assert out_of_date(tmp_path, COMPLETE, COMPLETE, created="2027-01-01 00:00+0000") == []


def test_a_string_new_in_the_code_is_caught(tmp_path):
    code = COMPLETE + '\nmsgid "Change language"\nmsgstr ""\n'
    assert out_of_date(tmp_path, COMPLETE, code) == [("missing", "Change language")]


def test_a_string_the_code_dropped_is_caught(tmp_path):
    committed = COMPLETE + '\nmsgid "Old wording"\nmsgstr "Старая формулировка"\n'
    assert out_of_date(tmp_path, committed, COMPLETE) == [("stale", "Old wording")]


def test_a_new_context_or_plural_is_a_new_string(tmp_path):
    code = COMPLETE.replace('msgctxt "petition"', 'msgctxt "event"').replace(
        '"%(count)d reports closed."', '"%(count)d reports were closed."'
    )
    assert sorted(out_of_date(tmp_path, COMPLETE, code)) == [
        ("missing", "%(count)d report closed."),
        ("missing", "Sign"),
        ("stale", "%(count)d report closed."),
        ("stale", "Sign"),
    ]


def test_a_missing_catalog_is_caught(tmp_path):
    committed, code = tmp_path / "committed", tmp_path / "code"
    for locale in catalogs.LOCALES:
        for domain in catalogs.DOMAINS:
            write(code / locale / "LC_MESSAGES" / f"{domain}.po", COMPLETE)
            if (locale, domain) != ("fr", "djangojs"):
                write(committed / locale / "LC_MESSAGES" / f"{domain}.po", COMPLETE)
    found = catalogs.check(committed, code)
    assert [(p.catalog, p.kind) for p in found] == [("fr/LC_MESSAGES/djangojs.po", "missing")]


def test_every_language_has_both_catalogs_committed():
    for locale in catalogs.LOCALES:
        for domain in catalogs.DOMAINS:
            assert (catalogs.ROOT / "locale" / locale / "LC_MESSAGES" / f"{domain}.po").exists()


@pytest.fixture(scope="module")
def code_catalogs(tmp_path_factory) -> Path:
    """makemessages run on a copy of the project: the catalogs as the code wants them."""
    return catalogs.code_catalogs(tmp_path_factory.mktemp("catalogs"))


def test_the_check_sees_a_string_added_to_the_code(tmp_path):
    """makemessages on a copy of the project, with one more marked string than committed:
    the copy's catalogs have it, the committed ones do not, and nothing was written to them."""
    project = tmp_path / "source"
    shutil.copytree(catalogs.ROOT, project, ignore=catalogs._ignored(catalogs.ROOT))
    before = (catalogs.ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po").read_bytes()
    (project / "templates" / "catalog_probe.html").write_text(
        '{% load i18n %}{% translate "A string no catalog has yet" %}', encoding="utf-8"
    )
    fresh = catalogs.code_catalogs(tmp_path / "scratch", root=project)
    found = catalogs.check(catalogs.ROOT / "locale", fresh)
    assert (
        catalogs.Problem("ru/LC_MESSAGES/django.po", "missing", "A string no catalog has yet")
        in found
    )
    assert (catalogs.ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po").read_bytes() == before


def test_every_catalog_is_complete_and_up_to_date_with_the_code(code_catalogs):
    found = catalogs.check(catalogs.ROOT / "locale", code_catalogs)
    assert found == [], f"{len(found)} problems, e.g.:\n" + "\n".join(map(str, found[:20]))


# xgettext knows gettext, ngettext, pgettext and their lazy forms, and `_`, by name: a string
# marked through another name (`gettext as gettext_now` once hid the event's "local time"
# line from every catalog) is never extracted, so no catalog check can see it is missing.
MARKERS = re.compile(
    r"from django\.utils\.translation import[^\n]*\b(\w*gettext\w*) as (?!_\b)(\w+)"
)


def test_no_module_marks_strings_under_a_name_makemessages_does_not_know():
    renamed = [
        f"{path.relative_to(catalogs.ROOT)}: {match.group(1)} as {match.group(2)}"
        for package in ("allout", "events", "petitions", "partners", "api")
        for path in (catalogs.ROOT / package).rglob("*.py")
        for match in MARKERS.finditer(path.read_text())
    ]
    assert renamed == []
