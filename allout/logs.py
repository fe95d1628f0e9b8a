"""What a log line may say: no capability token, no email address, no query string value.

The links in the platform's emails stand in for a login (allout.links, allout.privacy,
allauth's confirmation and password-reset keys): anyone who reads one in a log can cancel an
RSVP, read a person's data or take over an account. `redact()` is the one rule for every log
line; `install()` makes every log record of the process pass through it, whichever logger
made it (Django's request and runserver logs, gunicorn's access and error logs, the Celery
worker's task logs) and whichever handler writes it: Celery replaces the handlers that
settings.LOGGING configures, so a filter on a handler would not reach the worker.
"""

from __future__ import annotations

import logging
import re

TOKEN = "<token>"  # noqa: S105 (what a log shows instead of one)
EMAIL = "<email>"
VALUE = "<redacted>"

# The path segment after each prefix is a token (see the URLconfs: events/urls.py,
# petitions/urls.py, allout/urls.py and allauth's account URLs).
_TOKEN_PREFIXES = (
    "/events/attend/",
    "/events/alert/",
    "/my-data/",
    "/petitions/signature/",
    "/accounts/confirm-email/",
    "/accounts/password/reset/key/",
)
# A segment ends at a slash, a query string, whitespace or a quote; it can be
# percent-encoded, so the prefix is matched with an encoded slash too.
_SEGMENT = r"[^/\s?#\"'<>]+"
_TOKEN_PATHS = re.compile(
    "("
    + "|".join(re.escape(prefix).replace("/", "(?:/|%2[fF])") for prefix in _TOKEN_PREFIXES)
    + ")"
    + _SEGMENT,
    re.IGNORECASE,
)
# A query string's values: a `next` can carry a link, a search names a place or a position.
_QUERY_VALUES = re.compile(r"([?&][^=&\s\"'#<>]*=)[^&\s\"'#<>]+|(\?)(?![^\s\"'#<>]*=)[^\s\"'#<>]+")
_EMAILS = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def _query_value(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2)) + VALUE


def redact(text: str) -> str:
    """`text` with each token path segment, query value and email address replaced."""
    if "/" not in text and "@" not in text and "?" not in text:
        return text  # most lines: nothing to look for
    text = _QUERY_VALUES.sub(_query_value, text)  # first: a value can hold a tokened path
    text = _TOKEN_PATHS.sub(lambda match: match.group(1) + TOKEN, text)
    return _EMAILS.sub(EMAIL, text)


class RedactedLogRecord(logging.LogRecord):
    """A record whose message, traceback and stack are redacted as it is made.

    The message is formatted here, once, so no handler (however it formats) and no later
    code reading `record.args` sees the unredacted values.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        try:
            message = self.getMessage()
        except Exception:  # a bad format string: logging reports it when the record is emitted
            return
        self.msg, self.args = redact(message), None
        if self.exc_info:
            try:
                self.exc_text = redact(logging.Formatter().formatException(self.exc_info))
            except Exception:  # not an exc_info tuple: the handler's formatter shows it
                self.exc_text = None
        if self.stack_info:
            self.stack_info = redact(self.stack_info)


def install() -> None:
    """Make every log record of this process a redacted one (safe to call again)."""
    logging.setLogRecordFactory(RedactedLogRecord)
