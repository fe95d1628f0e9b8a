"""What petitions tell the apps that build on them."""

from django.dispatch import Signal

# Sent in the transaction that deletes signatures or withdraws their consent to the
# author's updates, before the rows change, with `signatures`: a SignatureQuerySet of them.
# partners records those an organization's key could have pulled (partners.Withdrawal).
signatures_withdrawn = Signal()
