"""gunicorn's logger for the platform: access lines without tokens, Referer or client details.

deploy/gunicorn.conf.py names it. The record factory (allout.logs) redacts every line gunicorn
writes; this class also keeps out what a format could ask for that no one needs: the Referer
(the page a person came from, which can be a token link), the user agent and the address.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from allout import logs

_WITHHELD = ("f", "a", "h", "u", "{referer}i", "{user-agent}i", "{x-forwarded-for}i")


class RedactingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        logs.install()  # the master logs before it imports the app (allout)
        super().setup(cfg)

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in _WITHHELD:
            atoms[key] = "-"
        for key in ("r", "U", "q"):
            if isinstance(atoms.get(key), str):
                atoms[key] = logs.redact(atoms[key])
        return atoms
