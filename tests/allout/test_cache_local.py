"""Process memos (allout.cache.local): a few seconds of an answer, forgotten on a change."""

from __future__ import annotations

import time

from allout import blocking, risk
from allout.cache import Local
from allout.models import BlockedAddress, HighRiskCountry


def test_a_memo_answers_from_memory_until_it_expires_or_is_forgotten():
    calls = []
    memo = Local(lambda: calls.append(1) or len(calls), seconds=0.2)
    assert memo() == 1 and memo() == 1
    time.sleep(0.25)
    assert memo() == 2
    memo.forget()
    assert memo() == 3


def test_a_change_another_process_made_shows_after_the_memo_expires(db):
    # bulk_create sends no signal, as a change made by another process reaches this one.
    assert risk.high_risk_countries() == frozenset({"RU", "BY"})
    HighRiskCountry.objects.bulk_create([HighRiskCountry(country="TM")])
    assert risk.high_risk_countries() == frozenset({"RU", "BY"})
    risk.forget()  # what the memo's expiry and Redis's do, a few seconds later
    assert risk.high_risk_countries() == frozenset({"RU", "BY", "TM"})


def test_a_block_saved_in_this_process_applies_at_once(db):
    assert not blocking.is_blocked("someone@example.org")
    BlockedAddress.objects.create(kind=BlockedAddress.Kind.DOMAIN, value="example.org")
    assert blocking.is_blocked("someone@example.org")
