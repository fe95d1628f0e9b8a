from __future__ import annotations

from typing import cast

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from allout.addresses import canonical_email
from allout.spreadsheets import streamed_csv
from petitions import export, services
from petitions.models import Petition, PetitionQuerySet, Signature, SignatureQuerySet, Target


class TargetInline(TranslationTabularInline):
    model = Target
    fields = ["position", "name", "title", "organization", "country"]
    extra = 1


@admin.register(Petition)
class PetitionAdmin(TranslationAdmin):
    # TranslationAdmin shows title, summary and text once per language (English first: the
    # original, shown wherever a translation is missing).
    list_display = ["title", "status", "signature_count", "goal", "deadline", "delivery_links"]
    list_filter = ["status"]
    search_fields = ["title", "slug", "author"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["signature_count", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "text", "author", "author_organization"]}),
        (_("Signing"), {"fields": ["status", "deadline", "goal", "campaign"]}),
        (_("Counts"), {"fields": ["signature_count", "created_at", "updated_at"]}),
    ]
    inlines = [TargetInline]
    actions = ["recount"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Petition]:
        # The list shows every petition's count: summed in the list's one query.
        return cast(PetitionQuerySet, super().get_queryset(request)).with_signature_count()

    @admin.display(description=_("confirmed signatures"), ordering="signature_count")
    def signature_count(self, petition: Petition) -> int:
        return petition.signature_count

    def has_delete_permission(self, request: HttpRequest, obj: Petition | None = None) -> bool:
        # A petition people signed is closed, not deleted: its signatures are the record,
        # and the admin's confirmation page would list every one of them.
        if obj is not None and obj.signatures.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # see has_delete_permission
        return actions

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/export/",
                view(self.export_view),
                name="petitions_petition_export",
            ),
            path(
                "<path:object_id>/countries/",
                view(self.countries_view),
                name="petitions_petition_countries",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("delivery"))
    def delivery_links(self, petition: Petition) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:petitions_petition_export", args=[petition.pk]),
            _("CSV"),
            reverse("admin:petitions_petition_countries", args=[petition.pk]),
            _("by country"),
        )

    @admin.action(description=_("Recount confirmed signatures"), permissions=["change"])
    def recount(self, request: HttpRequest, queryset: QuerySet[Petition]) -> None:
        for petition in queryset:
            services.recount(petition)
        self.message_user(request, _("Counts updated."), messages.SUCCESS)

    def _petition_for_delivery(self, request: HttpRequest, object_id: str) -> Petition:
        """The petition whose signatures staff may read, or 403/404."""
        if not request.user.has_perm("petitions.view_signature"):
            raise PermissionDenied
        return get_object_or_404(Petition, pk=object_id)

    def export_view(self, request: HttpRequest, object_id: str) -> StreamingHttpResponse:
        """The confirmed signatures as CSV for delivery, streamed (no emails in it)."""
        petition = self._petition_for_delivery(request, object_id)
        # Personal data left the platform: the admin's history says who took it, and when.
        self.log_change(request, petition, _("Exported confirmed signatures for delivery."))
        filename = f"{petition.slug}-signatures-{timezone.localdate():%Y-%m-%d}.csv"
        return streamed_csv(filename, export.delivery_header(), export.delivery_rows(petition))

    def countries_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        petition = self._petition_for_delivery(request, object_id)
        rows = export.counts_by_country(petition)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": petition,
            "title": _("Confirmed signatures per country"),
            "rows": rows,
            "total": sum(number for _, number in rows),
        }
        return TemplateResponse(request, "admin/petitions/petition/country_counts.html", context)


class ConfirmedFilter(admin.SimpleListFilter):
    title = _("confirmed")
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset: QuerySet[Signature]) -> QuerySet[Signature]:
        signatures = cast(SignatureQuerySet, queryset)  # the model's manager is its QuerySet
        if self.value() == "yes":
            return signatures.confirmed()
        if self.value() == "no":
            return signatures.unconfirmed()
        return queryset


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = [
        "first_name",
        "last_name",
        "email",
        "country",
        "petition",
        "confirmed",
        "show_publicly",
        "created_at",
    ]
    list_filter = [ConfirmedFilter, ("country", CountryFilter), "petition"]
    search_fields = ["first_name", "last_name", "email"]
    list_select_related = ["petition"]
    ordering = ["-pk"]
    # Counting every matching row of a large petition on each page view is slow.
    show_full_result_count = False
    list_per_page = 100
    fields = [
        "petition",
        ("first_name", "last_name"),
        ("email", "email_normalized"),
        ("country", "postcode"),
        ("consent_author", "consent_campaign", "show_publicly"),
        ("source", "language"),
        ("created_at", "confirmed_at", "last_emailed_at"),
    ]
    # What decides the count (petition, confirmation), who signed (the address) and what
    # they agreed to (an organization may have pulled them: partners.Withdrawal) is the
    # signer's alone; staff can correct a name or hide a signer from the public list.
    readonly_fields = [
        "petition",
        "email",
        "email_normalized",
        "consent_author",
        "consent_campaign",
        "source",
        "created_at",
        "confirmed_at",
        "last_emailed_at",
    ]

    @admin.display(description=_("confirmed"), boolean=True, ordering="confirmed_at")
    def confirmed(self, signature: Signature) -> bool:
        return signature.is_confirmed()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # signatures come from signers, confirmed by email

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if "@" in term and " " not in term:
            # Finds j.doe+petition@googlemail.com when staff type jdoe@gmail.com. `queryset`
            # has the list filters applied already, so both halves keep them.
            results |= queryset.filter(email_normalized=canonical_email(term))
        return results, may_have_duplicates

    # Deleting a signature here lowers its petition's count, like the signer's own link.
    def delete_model(self, request: HttpRequest, obj: Signature) -> None:
        services.delete_signature(obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Signature]) -> None:
        services.delete_signatures(queryset)
