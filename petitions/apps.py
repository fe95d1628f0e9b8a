from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from allout import privacy
        from petitions import (
            cache,  # noqa: F401 (staff edits drop the cached pages)
            services,  # and the worker's decision on a repeat signature
        )

        # The "my data" link in every email exports or deletes a signer's signatures.
        privacy.register(
            "signatures",
            services.collect_for_email,
            services.erase_for_email,
            title=_("Petitions you signed"),
            labels=services.SIGNATURE_LABELS,
            on_delete=_(
                "Your signatures are deleted, and each confirmed one comes off its petition's "
                "count: the petition shows one signature fewer. An organization you let have "
                "your details is told to delete its copy."
            ),
        )
