from django.apps import AppConfig


class AlloutConfig(AppConfig):
    name = "allout"
    verbose_name = "Platform"

    def ready(self) -> None:
        from allout import privacy
        from allout.addresses import canonical_email
        from allout.models import OutboxEmail

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
