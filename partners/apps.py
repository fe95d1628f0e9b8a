from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        # drf-spectacular learns how the API key authenticates (its security scheme).
        from partners import schema, services  # noqa: F401
        from petitions.signals import signatures_withdrawn

        # A signer who leaves is listed for the organization that may have pulled them.
        signatures_withdrawn.connect(services.record_withdrawals, dispatch_uid="withdrawals")
