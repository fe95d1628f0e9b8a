"""One rule for when two email addresses are the same person's, used wherever we compare.

Signing a petition once, signing up to an event once, and finding everything held about
an address on the data page all compare canonical addresses, so one spelling finds what
another spelling left.
"""

from __future__ import annotations

# Addresses at these domains reach the same inbox whatever their dots and +tags.
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def canonical_email(address: str) -> str:
    """The form of an address under which one inbox counts once.

    Case never matters; at Gmail, dots and anything after a "+" do not either, and
    googlemail.com is gmail.com.
    """
    local, _, domain = address.strip().lower().rpartition("@")
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"
