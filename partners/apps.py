from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        # drf-spectacular learns how the API key authenticates (its security scheme).
        from partners import schema  # noqa: F401
