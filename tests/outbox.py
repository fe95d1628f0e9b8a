"""The outbox as a worker sees it just before sending: every waiting row's bodies rendered.

A request stores an email's subject and the context of its bodies; the worker renders the
bodies (allout.mail.render). A test that reads a body without running a worker reads it
from rendered(), which renders exactly as the worker does.
"""

from __future__ import annotations

from allout import mail
from allout.models import OutboxEmail, OutboxEmailQuerySet


def decided() -> int:
    """Take the decisions a request left to the worker (a repeated signature or sign-up:
    allout.mail.deferred), as the worker would at this moment; returns how many."""
    return mail.decide_waiting()


def rendered() -> OutboxEmailQuerySet:
    """Every outbox row, with the decisions left to the worker taken and the bodies of
    those still waiting rendered first."""
    mail.render_waiting()
    return OutboxEmail.objects.all()
