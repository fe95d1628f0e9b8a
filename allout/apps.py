from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class AlloutConfig(AppConfig):
    name = "allout"
    verbose_name = "Platform"

    def ready(self) -> None:
        from allout import privacy, risk
        from allout.addresses import canonical_email
        from allout.models import HighRiskCountry, OutboxEmail

        # Under any spelling of the address: the emails to J.Doe@gmail.com are
        # jdoe+x@googlemail.com's too, as their signatures and sign-ups are.
        def collect(email: str) -> list[dict]:
            rows = OutboxEmail.objects.filter(to_canonical=canonical_email(email))
            rows = rows.order_by("created_at")
            return [
                {"subject": row.subject, "queued": row.created_at, "sent": row.sent_at}
                for row in rows
            ]

        def erase(email: str) -> int:
            deleted, _ = OutboxEmail.objects.filter(to_canonical=canonical_email(email)).delete()
            return deleted

        privacy.register("emails", collect, erase)

        # Staff change the high-risk list in the admin; events and petitions read it cached.
        post_save.connect(
            risk.list_changed, sender=HighRiskCountry, dispatch_uid="allout.risk.saved"
        )
        post_delete.connect(
            risk.list_changed, sender=HighRiskCountry, dispatch_uid="allout.risk.deleted"
        )
        post_migrate.connect(risk.seed, sender=self, dispatch_uid="allout.risk.seed")

        # Accounts (issue 10, section 3): allauth's rate-limit keys on our keyed hash, and
        # an added address announced to the account's primary one.
        from allauth.account.signals import email_added

        from allout import accounts

        accounts.key_rate_limits_on_keyed_hash()
        email_added.connect(accounts.notify_email_added, dispatch_uid="allout.accounts.added")
