"""Staff moderation in the Django admin.

The Event admin opens on the queue: pending events, oldest first, each with its warning
signs. Approve, reject (a reason is required and emailed) and unpublish work one by one
(buttons on the event's page) and in bulk (list actions); every step goes through
events.services, which logs it as a ModerationAction shown on the event's page.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from csp.constants import NONCE
from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.forms.utils import from_current_timezone
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from django.views.decorators.http import require_http_methods
from django_countries import countries
from leaflet.admin import LeafletGeoAdmin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from allout.risk import high_risk_countries
from events import geo, risk
from events.errors import EventsError
from events.models import (
    CoHost,
    CoHostAction,
    Embassy,
    Event,
    EventReport,
    LocalDate,
    ModerationAction,
    StaffAccess,
)
from events.services import moderation, registration, warning_signs

NEW_ACCOUNT_DAYS = 7
BUSY_ORGANIZER_EVENTS = 3
DUPLICATE_DISTANCE_M = 500


class LeafletNonceAdmin(LeafletGeoAdmin):
    """django-leaflet's admin map writes inline scripts carrying the request's CSP nonce;
    the policy of these pages (and only these) lets that nonce run."""

    @method_decorator(csp_update({"script-src": [NONCE]}))
    def changeform_view(self, *args, **kwargs) -> HttpResponse:
        return super().changeform_view(*args, **kwargs)


class DefaultFilter(admin.SimpleListFilter):
    """A status filter that starts on `default` and offers "all" explicitly."""

    default: str
    statuses: Sequence[tuple[str, StrOrPromise]]

    def lookups(self, request, model_admin):
        return [*self.statuses, ("all", _("All"))]

    def queryset(self, request, queryset):
        value = self.value() or self.default
        return queryset if value == "all" else queryset.filter(status=value)

    def choices(self, changelist):
        value = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class EventStatusFilter(DefaultFilter):
    title = gettext_lazy("status")
    parameter_name = "status"
    default = Event.Status.PENDING
    statuses = Event.Status.choices


class CountryFilter(admin.SimpleListFilter):
    """The countries that have rows (a CountryField's own filter lists all 250)."""

    title = gettext_lazy("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        rows = model_admin.model.objects.order_by()
        codes = rows.values_list("country", flat=True).distinct()
        return sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset


class ModerationActionInline(admin.TabularInline):
    model = ModerationAction
    readonly_fields = ("created_at", "actor", "action", "reason")
    fields = readonly_fields
    extra = 0
    can_delete = False
    verbose_name = gettext_lazy("moderation step")
    verbose_name_plural = gettext_lazy("moderation log")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class StaffAccessInline(admin.TabularInline):
    """Who of the staff opened this event's participant list, messaging or cancelling."""

    model = StaffAccess
    readonly_fields = ("created_at", "actor", "what", "submitted")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CoHostInline(admin.TabularInline):
    """The event's co-hosts and invitations (events.services.cohosts): staff read them here;
    the organizer chooses them on the dashboard."""

    model = CoHost
    readonly_fields = ("email", "user", "invited_by", "invited_at", "accepted_at", "removed_at")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "invited_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CoHostActionInline(admin.TabularInline):
    """Every invitation, acceptance and removal of a co-host, newest first."""

    model = CoHostAction
    readonly_fields = ("created_at", "actor", "action", "cohost")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "cohost__event")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EventReportInline(admin.TabularInline):
    model = EventReport
    readonly_fields = ("created_at", "reason", "text", "status", "handled_by")
    fields = readonly_fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("abuse reports")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("Sent to the organizer by email and kept in the moderation log."),
    )


class LocalDateTimeField(forms.SplitDateTimeField):
    """A start or end as the clocks show it where the event happens, not in UTC.

    `zone` is the event's; the form sets it. Typed values are read in it, and stored values
    are shown in it.
    """

    widget = AdminSplitDateTime
    zone: datetime.tzinfo = datetime.UTC

    def prepare_value(self, value):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            # Naive: the widget leaves a naive value as it is, and would convert an aware one
            # to the site's zone.
            value = value.astimezone(self.zone).replace(tzinfo=None)
        return super().prepare_value(value)

    def compress(self, data_list):
        with timezone.override(self.zone):
            return super().compress(data_list)

    def has_changed(self, initial, data) -> bool:
        # The stored (UTC) value compared as it was shown, so an untouched field is unchanged.
        return super().has_changed(self.prepare_value(initial), data)


class EventAdminForm(forms.ModelForm):
    """The event's start and end shown and typed in its own time zone, which the help names."""

    starts_at = LocalDateTimeField(label=gettext_lazy("starts"))
    ends_at = LocalDateTimeField(label=gettext_lazy("ends"))

    class Meta:
        model = Event
        fields = ["starts_at", "ends_at"]  # the admin adds the fields of its fieldsets

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            field = self.fields[name]
            assert isinstance(field, LocalDateTimeField)
            field.zone = self.instance.tz
            if self.instance.starts_at is not None:
                field.help_text = _("Local time where the event takes place: %(zone)s.") % {
                    "zone": self.instance.zone_label()
                }
        if "address" in self.fields and self.instance.kind == Event.Kind.PUBLIC_PLACE:
            # A square or a park found by city search and a pin has no street address.
            self.fields["address"].required = False

    def clean_point(self) -> Point | None:
        point = self.cleaned_data.get("point")
        # Typed as text, a point can be anywhere; the time zone lookup refuses it (with a 500).
        if point is not None and not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
            raise forms.ValidationError(_("This point is not on the map: check its coordinates."))
        return point

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        point = data.get("point")
        if {"point", "country"} & set(self.changed_data):
            # The organizer's form refuses a place in a high-risk country; so does staff's.
            high_risk = risk.high_risk_country_at(str(data.get("country") or ""), point)
            if high_risk:
                self.add_error(
                    "point" if "point" in self.changed_data else "country",
                    _("Public events cannot be listed in this country (%(country)s).")
                    % {"country": high_risk},
                )
                return data
        if point is None or "point" not in self.changed_data:
            return data
        # The times were typed as local times of the old place; the event now happens
        # where the new point is, and its clocks are the ones people read.
        zone = zoneinfo.ZoneInfo(geo.timezone_name_at(point))
        if zone == self.instance.tz:
            return data
        for name in ("starts_at", "ends_at"):
            moment = data.get(name)
            if moment is None:
                continue
            wall_clock = moment.astimezone(self.instance.tz).replace(tzinfo=None)
            with timezone.override(zone):
                try:
                    data[name] = from_current_timezone(wall_clock)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data


# What each moderation step asks for and does; the service raises an EventsError to refuse.
MODERATION: dict[str, dict[str, Any]] = {
    "approve": {
        "title": gettext_lazy("Approve events"),
        "reason": None,  # no reason asked
        "service": lambda event, user, reason: moderation.approve_event(event, user),
        "done": ngettext_lazy(
            "Approved %(count)d event; its organizer was emailed.",
            "Approved %(count)d events; the organizers were emailed.",
            "count",
        ),
    },
    "reject": {
        "title": gettext_lazy("Reject events"),
        "reason": "required",
        "service": moderation.reject_event,
        "done": ngettext_lazy(
            "Rejected %(count)d event; its organizer got your reason.",
            "Rejected %(count)d events; the organizers got your reason.",
            "count",
        ),
    },
    "unpublish": {
        "title": gettext_lazy("Unpublish events"),
        "reason": "optional",
        "service": moderation.unpublish_event,
        "done": ngettext_lazy(
            "Unpublished %(count)d event: it is back in the queue.",
            "Unpublished %(count)d events: they are back in the queue.",
            "count",
        ),
    },
}


@admin.register(Event)
class EventAdmin(LeafletNonceAdmin):
    form = EventAdminForm
    list_display = ["title", "place", "local_start", "organizer_email", "status", "warning_signs"]
    list_display_links = ["title"]
    list_filter = [EventStatusFilter, "kind", "campaign", CountryFilter]
    search_fields = ["title", "city", "organizer__email"]
    ordering = ["created_at"]  # the queue: oldest first
    list_per_page = 50
    actions = ["approve_selected", "reject_selected", "unpublish_selected"]
    inlines = [
        ModerationActionInline,
        StaffAccessInline,
        CoHostInline,
        CoHostActionInline,
        EventReportInline,
    ]
    change_form_template = "admin/events/event/change_form.html"
    change_list_template = "admin/events/event/change_list.html"
    readonly_fields = [
        "status",
        "local_times",
        "timezone",
        "organizer",
        "participant_count",
        "guidelines_accepted_at",
        "created_at",
        "updated_at",
        "approved_at",
        "cancelled_at",
    ]
    fieldsets = [
        (None, {"fields": ["status", "title", "slug", "campaign", "kind", "embassy"]}),
        (
            gettext_lazy("Time"),
            {"fields": ["local_times", "starts_at", "ends_at", "timezone"]},
        ),
        (
            gettext_lazy("Place"),
            {
                "fields": [
                    "meeting_point",
                    "address",
                    "city",
                    "country",
                    "hide_exact_location",
                    "point",
                ]
            },
        ),
        (
            gettext_lazy("About"),
            {"fields": ["description", "expected_size", "accessibility", "what_to_bring"]},
        ),
        (
            gettext_lazy("Organizer"),
            {"fields": ["organizer", "organizer_name", "guidelines_accepted_at"]},
        ),
        (
            gettext_lazy("Record"),
            {
                "fields": [
                    "participant_count",
                    "created_at",
                    "updated_at",
                    "approved_at",
                    "cancelled_at",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Events come from organizers through /events/new/ (guidelines, emails, checks).
        return False

    def save_model(self, request: HttpRequest, obj: Event, form, change: bool) -> None:
        """Staff edits go through the organizer's rule: a new time or place is emailed to
        confirmed participants, and the moderator is told how many."""
        result = registration.save_staff_edit(obj)
        if result.notified:
            self.message_user(
                request,
                ngettext(
                    "The new time or place was emailed to %(count)d confirmed participant.",
                    "The new time or place was emailed to %(count)d confirmed participants.",
                    result.notified,
                )
                % {"count": result.notified},
                messages.INFO,
            )

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return moderation.is_moderator(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        """Each row's warning signs in the same query: counts and a spatial EXISTS."""
        organizer_events = (
            Event.objects.filter(organizer=OuterRef("organizer"))
            .order_by()
            .values("organizer")
            .annotate(count=Count("pk"))
            .values("count")
        )
        # Served by the GiST index on `point` (ST_DWithin on geography).
        nearby_same_day = (
            Event.objects.filter(
                point__dwithin=(OuterRef("point"), D(m=DUPLICATE_DISTANCE_M)),
                status__in=[Event.Status.PENDING, Event.Status.APPROVED],
            )
            .exclude(pk=OuterRef("pk"))
            .annotate(day=LocalDate(F("starts_at"), OuterRef("timezone")))
            .filter(day=LocalDate(OuterRef("starts_at"), OuterRef("timezone")))
        )
        events = (
            super()
            .get_queryset(request)
            .select_related("organizer", "campaign", "embassy")
            .annotate(
                organizer_event_count=Subquery(organizer_events),
                has_nearby_same_day=Exists(nearby_same_day),
            )
        )
        return warning_signs.annotate(events)

    @admin.display(description=gettext_lazy("place"), ordering="city")
    def place(self, event: Event) -> str:
        return f"{event.city}, {event.country.name}"

    @admin.display(description=gettext_lazy("starts (local time)"), ordering="starts_at")
    def local_start(self, event: Event) -> str:
        return f"{event.local_starts_at():%Y-%m-%d %H:%M} ({event.zone_label()})"

    @admin.display(description=gettext_lazy("local time"))
    def local_times(self, event: Event) -> str:
        return event.local_when()

    @admin.display(description=gettext_lazy("organizer"), ordering="organizer__email")
    def organizer_email(self, event: Event) -> str:
        return event.organizer.email

    def warning_signs_of(self, event: Event) -> list[str]:
        signs = []
        age = timezone.now() - event.organizer.date_joined
        if age < datetime.timedelta(days=NEW_ACCOUNT_DAYS):
            signs.append(
                ngettext(
                    "new account (%(days)d day old)", "new account (%(days)d days old)", age.days
                )
                % {"days": age.days}
            )
        count = getattr(event, "organizer_event_count", None) or 0
        if count >= BUSY_ORGANIZER_EVENTS:
            signs.append(
                ngettext("organizer has %(count)d event", "organizer has %(count)d events", count)
                % {"count": count}
            )
        if getattr(event, "has_nearby_same_day", False):
            signs.append(_("another event within 500 m that day"))
        codes = high_risk_countries()
        zone_countries = geo.countries_in_timezone(event.timezone)
        if event.country.code in codes or zone_countries & codes:
            signs.append(_("high-risk country"))
        return signs + warning_signs.signs_of(event)

    @admin.display(description=gettext_lazy("warning signs"))
    def warning_signs(self, event: Event) -> str:
        signs = self.warning_signs_of(event)
        if not signs:
            return "-"
        return format_html_join(mark_safe("<br>"), "⚠ {}", ((sign,) for sign in signs))

    # --- Moderation -----------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view(self.moderate_view)
        signals = self.admin_site.admin_view(self.signals_view)
        return [
            path("moderate/<str:action>/", view, name="events_event_moderate"),
            path("signals/", signals, name="events_event_signals"),
            *super().get_urls(),
        ]

    @method_decorator(require_http_methods(["GET"]))
    def signals_view(self, request: HttpRequest) -> HttpResponse:
        """Every warning sign across active events, in a list of its own (moderators)."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Signals"),
            "signals": warning_signs.signals(),
            "thresholds": {
                "cities": warning_signs.MULTI_CITY_CITIES,
                "burst": warning_signs.BURST_RSVPS,
                "minutes": int(warning_signs.BURST_WINDOW.total_seconds() // 60),
                "embassy_events": warning_signs.EMBASSY_NEW_ACCOUNT_EVENTS,
                "new_days": warning_signs.NEW_ACCOUNT_DAYS,
                "radius": warning_signs.EMBASSY_RADIUS_M,
                "list": warning_signs.UNCONFIRMED_MIN_LIST,
            },
        }
        return TemplateResponse(request, "admin/events/event/signals.html", context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "can_moderate": self.has_moderate_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def _confirm_page(
        self, request: HttpRequest, action: str, events: list[Event], form: ReasonForm | None
    ):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": MODERATION[action]["title"],
            "action": action,
            "events": events,
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        }
        return TemplateResponse(request, "admin/events/event/moderate.html", context)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def moderate_view(self, request: HttpRequest, action: str) -> HttpResponse:
        """Approve, reject or unpublish the events listed in `ids` (GET shows, POST does)."""
        if action not in MODERATION:
            raise PermissionDenied
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        # isascii(): "²" is a digit to str.isdigit() but not to int().
        ids = [int(pk) for pk in data.getlist("ids") if pk.isascii() and pk.isdigit()]
        events = list(Event.objects.filter(pk__in=ids).select_related("organizer"))
        if not events:
            self.message_user(request, _("No events were selected."), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:events_event_changelist"))
        needs_reason = MODERATION[action]["reason"]
        form = None
        if needs_reason:
            form = ReasonForm(request.POST if request.method == "POST" else None)
            form.fields["reason"].required = needs_reason == "required"
        if request.method == "GET" or (form is not None and not form.is_valid()):
            return self._confirm_page(request, action, events, form)
        reason = form.cleaned_data["reason"] if form is not None else ""
        return self._apply(request, action, events, reason)

    def _apply(self, request: HttpRequest, action: str, events: list[Event], reason: str):
        done = 0
        for event in events:
            try:
                MODERATION[action]["service"](event, request.user, reason)
            except EventsError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, MODERATION[action]["done"] % {"count": done})
        next_url = request.POST.get("next", "")
        if next_url.startswith("/admin/"):
            return HttpResponseRedirect(next_url)
        return HttpResponseRedirect(reverse("admin:events_event_changelist"))

    @admin.action(description=gettext_lazy("Approve selected events"), permissions=["moderate"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Event]):
        return self._apply(request, "approve", list(queryset), "")

    @admin.action(
        description=gettext_lazy("Reject selected events (asks for a reason)"),
        permissions=["moderate"],
    )
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Event]):
        return self._confirm_page(request, "reject", list(queryset), ReasonForm())

    @admin.action(description=gettext_lazy("Unpublish selected events"), permissions=["moderate"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[Event]):
        form = ReasonForm()
        form.fields["reason"].required = False
        return self._confirm_page(request, "unpublish", list(queryset), form)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_moderate"] = self.has_moderate_permission(request)
        if obj is not None:
            context["warning_signs"] = self.warning_signs_of(obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


class ReportStatusFilter(DefaultFilter):
    title = gettext_lazy("status")
    parameter_name = "status"
    default = EventReport.Status.OPEN
    statuses = EventReport.Status.choices


@admin.register(EventReport)
class EventReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event_link", "event_status", "reason", "text_start", "status"]
    list_filter = [ReportStatusFilter, "reason"]
    search_fields = ["event__title", "event__city", "text"]
    ordering = ["created_at"]  # the queue: oldest first
    list_select_related = ["event"]
    readonly_fields = [
        "event", "reason", "text", "created_at", "status", "handled_by", "handled_at",
    ]  # fmt: skip
    actions = ["resolve_selected", "dismiss_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return moderation.is_moderator(request.user)

    @admin.display(description=gettext_lazy("event"), ordering="event__title")
    def event_link(self, report: EventReport) -> str:
        url = reverse("admin:events_event_change", args=[report.event_id])
        return format_html('<a href="{}">{}</a>', url, report.event.title)

    @admin.display(description=gettext_lazy("event status"))
    def event_status(self, report: EventReport) -> str:
        return report.event.get_status_display()

    @admin.display(description=gettext_lazy("what is wrong"))
    def text_start(self, report: EventReport) -> str:
        return report.text[:120]

    def _close(self, request, queryset, status: EventReport.Status) -> None:
        done = 0
        for report in queryset:
            try:
                moderation.close_report(report, request.user, status)
            except EventsError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d report closed.", "%(count)d reports closed.", done)
            % {"count": done},
        )

    @admin.action(
        description=gettext_lazy("Resolve: the event was dealt with"), permissions=["moderate"]
    )
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[EventReport]) -> None:
        self._close(request, queryset, EventReport.Status.RESOLVED)

    @admin.action(
        description=gettext_lazy("Dismiss: nothing wrong with the event"), permissions=["moderate"]
    )
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet[EventReport]) -> None:
        self._close(request, queryset, EventReport.Status.DISMISSED)


@admin.register(Embassy)
class EmbassyAdmin(LeafletNonceAdmin):
    list_display = ["name", "kind", "city", "country", "is_active"]
    list_filter = ["kind", "is_active", CountryFilter]
    search_fields = ["name", "city", "address"]
