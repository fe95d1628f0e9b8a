"""Staff keep partner organizations, issue and revoke their keys, and read every pull.

Issuing a key hands an organization the names and addresses of the signers who asked for
its updates: it takes the partners.issue_apikey permission and a second factor given in
this session. The key is shown once, on the page that answers the form (never in a
message, which would keep it in a cookie or the session table), and never again.
"""

from __future__ import annotations

from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from allout.accounts import passed_two_factor
from allout.links import absolute_url
from partners import services
from partners.models import ApiKey, PartnerOrganization, PullLog

ISSUE = "partners.issue_apikey"


def may_issue(request: HttpRequest) -> bool:
    """Whether the staff member in this session may issue and revoke keys."""
    return request.user.has_perm(ISSUE) and passed_two_factor(request)


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["name", "shown_prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["name", "shown_prefix", "created_at", "last_used_at", "revoked_at"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # keys are issued on their own page, which shows the key once

    @admin.display(description=_("prefix"))
    def shown_prefix(self, key: ApiKey) -> str:
        return f"{key.prefix}…"


@admin.register(PartnerOrganization)
class PartnerOrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact_email", "active_keys"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "contact_email", "notes"]
    inlines = [ApiKeyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerOrganization]:
        keys = Count("api_keys", filter=Q(api_keys__revoked_at__isnull=True))
        return super().get_queryset(request).annotate(active_key_count=keys)

    @admin.display(description=_("active keys"), ordering="active_key_count")
    def active_keys(self, organization: PartnerOrganization) -> int:
        return organization.active_key_count  # type: ignore[attr-defined]


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("no", _("Active")), ("yes", _("Revoked"))]

    def queryset(self, request, queryset: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organization",
        "shown_prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [RevokedFilter, "organization"]
    list_select_related = ["organization", "created_by"]
    search_fields = ["name", "prefix", "organization__name"]
    actions = ["revoke"]
    readonly_fields = [
        "shown_prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "name"]
        return ["organization", "name", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # An issued key is a record: what it is for and whose it is stay as issued.
        return ["organization", "name", *self.readonly_fields]

    @admin.display(description=_("prefix"))
    def shown_prefix(self, key: ApiKey) -> str:
        return f"{key.prefix}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_issue(request)

    def has_issue_permission(self, request: HttpRequest) -> bool:
        return may_issue(request)

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # revoked, not deleted: the pull log names the key

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            return  # nothing of an issued key changes here
        staff = cast(User, request.user)
        obj.issued_key = services.issue_key(obj, staff)  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue=None):
        """The one page that shows the key: answered to the form's POST, kept by nobody."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": _("Copy the key now"),
            "key": obj.issued_key,  # type: ignore[attr-defined]
            "example_url": absolute_url("/api/v1/petitions/<slug>/signatures/"),
        }
        response: HttpResponse = TemplateResponse(
            request, "admin/partners/apikey/issued.html", context
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description=_("Revoke selected keys"), permissions=["issue"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = services.revoke_keys(queryset, cast(User, request.user))
        for key in revoked:
            self.log_change(request, key, _("Revoked the key."))
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", len(revoked))
            % {"count": len(revoked)},
            messages.SUCCESS,
        )


@admin.register(PullLog)
class PullLogAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "organization",
        "api_key",
        "slug",
        "petition",
        "status",
        "rows",
        "since",
        "page",
        "per_page",
    ]
    list_filter = ["status", "organization"]
    list_select_related = ["organization", "api_key__organization", "petition"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PullLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PullLog | None = None) -> bool:
        return False
