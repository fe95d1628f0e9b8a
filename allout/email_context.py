"""An email's template context as JSON, so the worker renders the email and the request
only stores it (allout.mail.queue).

A model instance is stored as a reference (its model and primary key) and loaded again when
the email is rendered, so the email shows the row as it is then: an event moved between the
sign-up and the send is sent with its new time. A row deleted in between (a signature or a
sign-up erased by its owner) makes the email `Gone`: there is nothing left to tell anyone.
Dates and times keep their type; lazy translations are written out in the caller's language.
A signed link (allout.links.EmailLink) is made when the email is rendered, in its language.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise

from allout.links import EmailLink

# The keys of the one-key objects that stand for what JSON has no type for. A dict of the
# caller's with exactly one of these keys would be misread, so dump() refuses one.
MODEL = "$model"
DATETIME = "$datetime"
DATE = "$date"
LINK = "$link"
MARKERS = frozenset({MODEL, DATETIME, DATE, LINK})


class Gone(Exception):
    """A row the email is about was deleted before the email was rendered."""


def dump(value: Any) -> Any:
    """`value` as JSON-ready data; raises TypeError for what has no faithful form."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, models.Model):
        if value.pk is None:
            raise TypeError(f"An unsaved {type(value).__name__} cannot be sent by reference")
        return {MODEL: [value._meta.label_lower, value.pk]}
    if isinstance(value, EmailLink):
        return {LINK: [value.salt, value.url_name, value.pk]}
    if isinstance(value, datetime.datetime):
        return {DATETIME: value.isoformat()}
    if isinstance(value, datetime.date):
        return {DATE: value.isoformat()}
    if isinstance(value, Mapping):
        dumped = {str(key): dump(item) for key, item in value.items()}
        if len(dumped) != len(value):
            raise TypeError("Two keys of a dict are written the same")
        if len(dumped) == 1 and set(dumped) <= MARKERS:
            raise TypeError(f"A dict keyed {set(dumped)} would read back as another type")
        return dumped
    if isinstance(value, list | tuple):
        return [dump(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no JSON form for an email's context")


def load(data: Any) -> Any:
    """What dump() stored, with each model row loaded again (once per row); raises Gone."""
    return _load(data, {})


def _load(data: Any, rows: dict[tuple[str, Any], models.Model]) -> Any:
    if isinstance(data, list):
        items = []
        for item in data:
            try:
                items.append(_load(item, rows))
            except Gone:
                # One entry of a list deleted meanwhile (an event of the moderators' digest):
                # the others still go. A list with none left leaves the email nothing to say.
                continue
        if data and not items:
            raise Gone("every entry of a list")
        return items
    if not isinstance(data, dict):
        return data
    if len(data) == 1 and set(data) <= MARKERS:
        ((marker, stored),) = data.items()
        if marker == DATETIME:
            return parse_datetime(stored)
        if marker == DATE:
            return parse_date(stored)
        if marker == LINK:
            return EmailLink(*stored).url()
        return _row(tuple(stored), rows)
    return {key: _load(item, rows) for key, item in data.items()}


def _row(reference: tuple, rows: dict[tuple[str, Any], models.Model]) -> models.Model:
    if reference not in rows:
        label, pk = reference
        model = apps.get_model(label)
        # The base manager: a row a default manager hides (a cancelled sign-up) is still one
        # the email may be about.
        row = model._base_manager.filter(pk=pk).first()
        if row is None:
            raise Gone(f"{label} {pk}")
        rows[reference] = row
    return rows[reference]
