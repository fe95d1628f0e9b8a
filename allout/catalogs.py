"""Our translation catalogs (locale/<language>/LC_MESSAGES/django.po and djangojs.po):
bringing them up to date with the code, and checking that they are complete.

A catalog fails the check when a string marked for translation has no translation (an empty
msgstr, or one plural form empty), is marked fuzzy (msgmerge's guess, never shown), or when
the catalog no longer matches the code: a marked string it lacks, or one the code dropped.
The code's strings come from running makemessages on a temporary copy of the project, so the
check never writes to the committed catalogs. Only msgids are compared (with their context
and plural): headers such as POT-Creation-Date and source locations change on every run.

A development tool: `make catalogs` (update) and tests/test_catalogs.py (check). It needs
polib (a dev dependency) and GNU gettext's xgettext and msgmerge, as makemessages does.

    python -m allout.catalogs update    # after changing marked strings
    python -m allout.catalogs check     # what translators still have to do
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
# The five catalogs beside English, the language the code is written in (allout/settings.py
# LANGUAGES, as gettext locale names).
LOCALES = ("ru", "pt_BR", "es", "fr", "de")
DOMAINS = ("django", "djangojs")
# Never scanned: other people's code (the virtualenv, vendored scripts), generated files, and
# the tests' and benchmarks' own strings, which nobody reads in a page.
IGNORED = (".venv", ".git", "var", "bench", "tests", "static/vendor", "test-results")


@dataclass(frozen=True)
class Problem:
    catalog: str  # "ru/LC_MESSAGES/django.po"
    kind: str  # "untranslated", "fuzzy", "missing" (in the code, not here), "stale"
    msgid: str

    def __str__(self) -> str:
        return f"{self.catalog}: {self.kind}: {self.msgid!r}"


def update(root: Path = ROOT) -> None:
    """Run makemessages in `root` for every language and both domains: new strings come in
    untranslated, dropped ones go (no obsolete entries kept), translations stay."""
    for domain in DOMAINS:
        command = [sys.executable, "manage.py", "makemessages", "--domain", domain]
        command += [f"--locale={locale}" for locale in LOCALES]
        command += [f"--ignore={path}" for path in IGNORED]
        command += ["--add-location=file", "--no-obsolete", "--verbosity=0"]
        # DEBUG: the copy's settings start without a SECRET_KEY (a key made in its var/).
        env = {**os.environ, "DEBUG": "true"}
        subprocess.run(command, cwd=root, env=env, check=True)  # noqa: S603 (our own argv)


def check(locale_dir: Path, code_dir: Path) -> list[Problem]:
    """Every problem of the committed catalogs under `locale_dir`, against the catalogs
    makemessages writes for the code (under `code_dir`, see code_catalogs())."""
    problems = []
    for locale in LOCALES:
        for domain in DOMAINS:
            name = f"{locale}/LC_MESSAGES/{domain}.po"
            committed = locale_dir / name
            if not committed.exists():
                problems.append(Problem(name, "missing", "(the whole catalog)"))
                continue
            catalog = polib.pofile(str(committed))
            problems += incomplete(name, catalog)
            problems += out_of_date(name, catalog, polib.pofile(str(code_dir / name)))
    return problems


def incomplete(name: str, catalog: polib.POFile) -> Iterator[Problem]:
    """Entries with no translation (in any plural form) or a fuzzy one."""
    if catalog.metadata_is_fuzzy:
        # msgfmt then drops the header, and the language's plural forms with it.
        yield Problem(name, "fuzzy", "(the header)")
    for entry in catalog:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            yield Problem(name, "fuzzy", entry.msgid)
        elif not _has_translation(entry):
            yield Problem(name, "untranslated", entry.msgid)


def out_of_date(name: str, catalog: polib.POFile, code: polib.POFile) -> Iterator[Problem]:
    """Strings the code marks that the catalog lacks, and strings it holds that the code
    no longer marks."""
    ours, theirs = _keys(catalog), _keys(code)
    for key in sorted(theirs - ours):
        yield Problem(name, "missing", key[1])
    for key in sorted(ours - theirs):
        yield Problem(name, "stale", key[1])


def code_catalogs(into: Path, root: Path = ROOT) -> Path:
    """Copy the project's sources and committed catalogs into `into`, run update() there and
    return the copy's locale directory: the catalogs as the code wants them now."""
    copy = into / "project"
    shutil.copytree(root, copy, ignore=_ignored(root), symlinks=True)
    update(copy)
    return copy / "locale"


def _has_translation(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def _keys(catalog: polib.POFile) -> set[tuple[str, str, str]]:
    return {
        (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")
        for entry in catalog
        if not entry.obsolete
    }


def _ignored(root: Path):
    skipped = {root / path for path in IGNORED}

    def ignore(directory: str, names: list[str]) -> set[str]:
        here = Path(directory)
        return {
            name
            for name in names
            if here / name in skipped or name == "__pycache__" or name.endswith(".mo")
        }

    return ignore


def main(argv: list[str]) -> int:
    if argv == ["update"]:
        update()
        return 0
    if argv == ["check"]:
        with tempfile.TemporaryDirectory() as scratch:
            problems = check(ROOT / "locale", code_catalogs(Path(scratch)))
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problems")
        return 1 if problems else 0
    print("usage: python -m allout.catalogs update|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
