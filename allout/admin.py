from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from allout.models import BlockedAddress, Campaign, HighRiskCountry, OutboxEmail


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
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
    ]
    list_filter = [
        "kind",
        ("sent_at", admin.EmptyFieldListFilter),
        ("failed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["to"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    readonly_fields = [field.name for field in OutboxEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxEmail | None = None) -> bool:
        return False
