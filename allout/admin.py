from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from allout.models import BlockedAddress, Campaign, HighRiskCountry, OutboxEmail


@admin.register(Campaign)
class CampaignAdmin(TranslationAdmin):  # name and description once per language
    list_display = ["name", "date", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(HighRiskCountry)
class HighRiskCountryAdmin(admin.ModelAdmin):
    list_display = ["country", "note", "added_at"]
    search_fields = ["country", "note"]


@admin.register(BlockedAddress)
class BlockedAddressAdmin(admin.ModelAdmin):
    """Silent blocks (allout.blocking): who is stopped, why, and which staff member did it."""

    list_display = ["value", "kind", "note", "added_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "note"]
    readonly_fields = ["added_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: BlockedAddress, form, change: bool) -> None:
        if not change:
            obj.added_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class OutboxStateFilter(admin.SimpleListFilter):
    """Where a row stands: the one question staff bring to the outbox."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("waiting", gettext("waiting")),
            ("sent", gettext("sent")),
            ("given_up", gettext("given up")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "waiting":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "given_up":
            return queryset.filter(failed_at__isnull=False)
        return queryset


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """What left, what waits and what failed: read-only, for diagnosing mail delivery."""

    list_display = [
        "kind",
        "to",
        "created_at",
        "sent_at",
        "attempts",
        "next_attempt_at",
        "failed_at",
        "reason",
    ]
    list_filter = [OutboxStateFilter, "kind", "language"]
    search_fields = ["to"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    readonly_fields = [field.name for field in OutboxEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxEmail | None = None) -> bool:
        return False

    @admin.display(description=_("reason"))
    def reason(self, obj: OutboxEmail) -> str:
        """Why a row was given up (the server's answer), or what its last try met."""
        if obj.sent_at is not None:
            return ""
        return obj.last_error
