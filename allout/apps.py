from django.apps import AppConfig


class AlloutConfig(AppConfig):
    name = "allout"
    verbose_name = "Platform"

    def ready(self) -> None:
        from allout import privacy
        from allout.models import OutboxEmail

        def collect(email: str) -> list[dict]:
            rows = OutboxEmail.objects.filter(to__iexact=email).order_by("created_at")
            return [
                {"subject": row.subject, "queued": row.created_at, "sent": row.sent_at}
                for row in rows
            ]

        def erase(email: str) -> int:
            deleted, _ = OutboxEmail.objects.filter(to__iexact=email).delete()
            return deleted

        privacy.register("emails", collect, erase)
