"""What an event puts in someone's calendar: links that add it to Google Calendar or Outlook,
and the plain-text description of the .ics file.

The links are built here, on the server, as plain links: no outside script runs on our pages.
They carry only what the event page tells everyone: the title, the times in UTC, the public
place (the city alone when the point is hidden, never the exact point or address) and the
event's address on the site.
"""

from __future__ import annotations

import datetime
import html
from urllib.parse import quote, urlencode

from django.utils.html import strip_tags

from allout import markdown
from allout.links import absolute_url
from events.models import Event


def google_calendar_url(event: Event) -> str:
    """Google Calendar's "new event" form, filled in."""
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_compact_utc(event.starts_at)}/{_compact_utc(event.ends_at)}",
        "details": absolute_url(event.get_absolute_url()),
        "location": event.public_place(),
    }
    return "https://calendar.google.com/calendar/render?" + _encode(query)


def outlook_calendar_url(event: Event) -> str:
    """Outlook on the web's "new event" form, filled in (`rru=addevent` opens it as a form)."""
    query = {
        "rru": "addevent",
        "subject": event.title,
        "startdt": _iso_utc(event.starts_at),
        "enddt": _iso_utc(event.ends_at),
        "body": absolute_url(event.get_absolute_url()),
        "location": event.public_place(),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + _encode(query)


def plain_description(event: Event) -> str:
    """The description as text, then the event's absolute URL: calendars show neither
    Markdown nor HTML, and a relative link leads nowhere from them."""
    text = html.unescape(strip_tags(markdown.render(event.description))).strip()
    url = absolute_url(event.get_absolute_url())
    return f"{text}\n\n{url}" if text else url


def _compact_utc(moment: datetime.datetime) -> str:
    """'20990316T140000Z', the form Google's `dates` takes."""
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso_utc(moment: datetime.datetime) -> str:
    """'2099-03-16T14:00:00Z', the form Outlook's `startdt` and `enddt` take."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _encode(query: dict[str, str]) -> str:
    """Spaces as %20, not '+': Outlook shows a '+' as it is."""
    return urlencode(query, quote_via=quote)
