from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy


class AlloutConfig(AppConfig):
    name = "allout"
    verbose_name = gettext_lazy("Platform")

    def ready(self) -> None:
        from django.db.models import Q
        from django.utils.translation import gettext_lazy as _

        from allout import account_data, mail, privacy, ratelimit, risk
        from allout.addresses import canonical_email
        from allout.models import HighRiskCountry, OutboxEmail

        # Under any spelling of the address: the emails to J.Doe@gmail.com are
        # jdoe+x@googlemail.com's too, as their signatures and sign-ups are. A message
        # someone sent through the contact relay waits here, addressed to the organizer
        # with the sender as Reply-To, until it is sent (then its body is blanked).
        def outbox_of(email: str):
            return OutboxEmail.objects.filter(
                Q(to_canonical=canonical_email(email)) | Q(reply_to__iexact=email.strip())
            )

        def collect(email: str) -> list[dict]:
            # Not the decisions the worker is about to take on a repeated form (a row it
            # deletes within seconds; "delete" takes it too): they are not emails.
            rows = outbox_of(email).exclude(kind__in=mail.deferred_kinds()).order_by("created_at")
            return [
                {"subject": row.subject, "queued": row.created_at, "sent": row.sent_at}
                for row in rows
            ]

        def erase(email: str) -> int:
            deleted, _kinds = outbox_of(email).delete()
            return deleted

        privacy.register(
            "emails",
            collect,
            erase,
            title=_("Emails we are sending or sent you"),
            labels={"subject": _("Subject"), "queued": _("Written"), "sent": _("Sent")},
            on_delete=_(
                "Our copies of these emails are deleted, and a message you sent through "
                "the contact form that is still waiting to go."
            ),
        )
        privacy.register(
            "account",
            account_data.collect,
            account_data.erase,
            title=_("Your account"),
            labels=account_data.LABELS,
            on_delete=_(
                "Your account is deleted with its email addresses, two-factor devices and "
                "sessions: you can no longer log in."
            ),
            # Last: events first hand the account's events to a placeholder.
            order=100,
        )
        ratelimit.key_allauth_limits()

        # Staff change the high-risk list in the admin; events and petitions read it cached.
        post_save.connect(
            risk.list_changed, sender=HighRiskCountry, dispatch_uid="allout.risk.saved"
        )
        post_delete.connect(
            risk.list_changed, sender=HighRiskCountry, dispatch_uid="allout.risk.deleted"
        )
        post_migrate.connect(risk.seed, sender=self, dispatch_uid="allout.risk.seed")

        # Accounts (issue 10, section 3): an added address is announced to the account's
        # primary one. (allauth's rate-limit keys are on our keyed hash: key_allauth_limits.)
        from allauth.account.signals import email_added

        from allout import accounts

        email_added.connect(accounts.notify_email_added, dispatch_uid="allout.accounts.added")
