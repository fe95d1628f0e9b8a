from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db.models import CharField, DateField, Exists, Func, OuterRef, Q, Value
from django.db.models.functions import Concat, Lower, Trim
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from allout import dates, risk
from allout.addresses import canonical_email
from allout.models import Campaign, HighRiskCountry
from events import geo


def utc_offset(moment: datetime.datetime) -> str:
    """'UTC+05:30' or 'UTC-03:00' (with a true minus sign, U+2212) for `moment`'s own offset."""
    offset = moment.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\N{MINUS SIGN}"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


class LocalDate(Func):
    """`timestamp AT TIME ZONE zone`, as a date: the day on the clocks where an event happens
    (16 March in Tokyo and in Lima). Both arguments may be columns or outer references."""

    template = "((%(expressions)s)::date)"
    arg_joiner = " AT TIME ZONE "
    output_field = DateField()


class Embassy(models.Model):
    """A Russian embassy or consulate abroad, kept by staff: the place of embassy protests."""

    class Kind(models.TextChoices):
        EMBASSY = "embassy", _("Embassy")
        CONSULATE = "consulate", _("Consulate")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.EMBASSY)
    name = models.CharField(_("name"), max_length=200, unique=True)
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=120)
    address = models.CharField(_("address"), max_length=300)
    # Exact building location; embassies are public places, never hidden.
    point = models.PointField(_("location"), geography=True, srid=4326)
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("embassy or consulate")
        verbose_name_plural = _("embassies and consulates")
        ordering = ["country", "city", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"


class EventQuerySet(models.QuerySet):
    def approved(self) -> EventQuerySet:
        """Approved events outside the high-risk countries: what the public may be shown.

        A country staff mark high-risk after its events were approved takes them off every
        public page at once (SPEC: such countries get no public events).
        """
        # A subquery, not the cached list: always current, and no query of its own.
        return self.filter(status=Event.Status.APPROVED).exclude(
            country__in=HighRiskCountry.objects.values("country")
        )

    def upcoming(self, now: datetime.datetime | None = None) -> EventQuerySet:
        """Events that have not ended yet."""
        return self.filter(ends_at__gte=now or timezone.now())

    def cancelled_after_approval(self) -> EventQuerySet:
        """Cancelled events that were public when they were cancelled, outside the high-risk
        countries: their addresses are on flyers and in posts, and their pages and the
        calendar feeds say they are cancelled.

        Not one that staff unpublished since its last approval (it was pending when its
        organizer cancelled it): staff took it down, and its organizer's note must not bring
        it back.
        """
        unpublished = ModerationAction.objects.filter(
            event=OuterRef("pk"),
            action=ModerationAction.Action.UNPUBLISH,
            created_at__gt=OuterRef("approved_at"),
        )
        return (
            self.filter(status=Event.Status.CANCELLED, approved_at__isnull=False)
            .exclude(Exists(unpublished))
            .exclude(country__in=HighRiskCountry.objects.values("country"))
        )

    def past(self, now: datetime.datetime | None = None) -> EventQuerySet:
        return self.filter(ends_at__lt=now or timezone.now())

    def public(self) -> EventQuerySet:
        """What anyone may see listed: approved and not yet over."""
        return self.approved().upcoming()

    def with_city_key(self) -> EventQuerySet:
        """Annotate `city_key`: one city is one (name, country), however organizers typed
        its case and spaces. The home page's count and the recap both group by it."""
        return self.annotate(
            city_key=Concat(Lower(Trim("city")), Value("|"), "country", output_field=CharField())
        )

    def pending(self) -> EventQuerySet:
        return self.filter(status=Event.Status.PENDING)

    def visible_to(self, user) -> EventQuerySet:
        """What the public may see (approved(): none in a high-risk country), plus the
        events the user organizes or co-hosts (any status, anywhere); staff see everything."""
        if user.is_authenticated and user.is_staff:
            return self
        if user.is_authenticated:
            return self.approved() | self.hosted_by(user)
        return self.approved()

    def hosted_by(self, user) -> EventQuerySet:
        """The user's own events (any status) and those they co-host (see co_hosted_by)."""
        return self.filter(Q(organizer=user) | Q(pk__in=self.co_hosted_by(user).values("pk")))

    def co_hosted_by(self, user) -> EventQuerySet:
        """Events the user co-hosts now: accepted, not removed, and neither cancelled nor
        rejected (a cancelled event is its organizer's alone: see Event.shares_dashboard)."""
        return self.filter(
            cohosts__user=user,
            cohosts__accepted_at__isnull=False,
            cohosts__removed_at__isnull=True,
            status__in=Event.HOSTED_STATUSES,
        )


# Event fields only events.calendar.stamp_public_changes writes (Event.save leaves them).
CALENDAR_STAMPS = frozenset({"public_digest", "public_changed_at"})


class Event(models.Model):
    """A protest on the day of action, registered by an organizer and moderated by staff."""

    class Kind(models.TextChoices):
        EMBASSY = "embassy", _("At a Russian embassy or consulate")
        PUBLIC_PLACE = "public", _("City centre or other public place")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    embassy = models.ForeignKey(
        Embassy, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    description = models.TextField(_("description"), help_text=_("Markdown."))
    # The language the organizer writes the title and description in: they stay in it
    # (the page marks them with `lang`), whatever the reader's language.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # The language of the page the organizer registered it on: every email to the organizer
    # about this event is written in it (events.emails). On the event rather than the
    # account: the accounts are Django's own User, and an organizer who registers an event
    # in Russian reads about that event in Russian.
    organizer_language = models.CharField(
        _("organizer's language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        editable=False,
    )

    # Stored in UTC; shown and typed in `timezone`, which follows from the point.
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    timezone = models.CharField(_("time zone"), max_length=64, editable=False)

    meeting_point = models.CharField(
        _("meeting point"), max_length=300, help_text=_("Where exactly to meet.")
    )
    address = models.CharField(_("address"), max_length=300)
    city = models.CharField(_("city"), max_length=120)
    country = CountryField(_("country"))
    point = models.PointField(_("exact location"), geography=True, srid=4326)
    # 300 m to 1 km from `point`, the same for every point in its 250 m cell (events.geo).
    approximate_point = models.PointField(geography=True, srid=4326, editable=False)
    # What the public sees: `point`, or `approximate_point` when the exact one is hidden.
    # Distances, maps and JSON use only this, so a hidden point cannot be trilaterated.
    # Its GiST index serves the nearest-first (<->) and dwithin queries of the finder.
    public_point = models.PointField(geography=True, srid=4326, editable=False)
    hide_exact_location = models.BooleanField(
        _("show the exact meeting point only to confirmed participants"),
        default=False,
        help_text=_(
            "Not for an embassy or consulate: its address is public, so hiding it would "
            "protect no one."
        ),
    )

    expected_size = models.PositiveIntegerField(_("expected size"), null=True, blank=True)
    accessibility = models.TextField(_("accessibility notes"), blank=True)
    what_to_bring = models.TextField(_("what to bring"), blank=True)

    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organized_events"
    )
    organizer_name = models.CharField(
        _("public display name"),
        max_length=80,
        help_text=_("Shown on the event page. It can be a pseudonym."),
    )
    guidelines_accepted_at = models.DateTimeField(editable=False)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # Confirmed participants, kept with F() in the transaction that confirms or cancels.
    participant_count = models.PositiveIntegerField(_("confirmed participants"), default=0)

    # The outcome: what the organizer says after the day (the field names are older).
    turnout = models.PositiveIntegerField(_("how many came"), null=True, blank=True)
    report_text = models.CharField(_("how it went"), max_length=500, blank=True)
    report_photo = models.ImageField(_("photo"), upload_to="reports/%Y/", blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What calendars are told of the event's last change (events.calendar.stamp_public_changes):
    # the time its public entry last changed, never updated_at, which an edit of the hidden
    # meeting point or the organizer's contact moves as well.
    public_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    public_digest = models.CharField(max_length=32, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When moderators were emailed about this event: they hear of new events in one email per
    # sweep (events.services.moderation.alert_moderators), not one per event.
    moderators_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the protest alerts near it were recorded (events.services.alerts): once per event,
    # so an event unpublished and approved again is not announced twice.
    alerts_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The organizer's note when cancelling: emailed to participants, shown on the public page.
    cancellation_note = models.TextField(_("cancellation note"), max_length=1000, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        permissions = [
            ("moderate_event", _("Can approve, reject and unpublish events")),
            # Apart from moderating: reading names and emails is a power of its own, given
            # to few (the demo's Moderators group does not have it).
            ("view_participants", _("Can see the participants of any event")),
        ]
        indexes = [
            # The finder and the map: approved events that have not ended.
            models.Index(
                fields=["ends_at"], name="event_approved_ends_idx", condition=Q(status="approved")
            ),
            # The moderation queue: pending events, oldest first.
            models.Index(
                fields=["created_at"], name="event_pending_idx", condition=Q(status="pending")
            ),
            # The reminder sweep: approved events by start time.
            models.Index(fields=["status", "starts_at"], name="event_status_starts_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            # An embassy's address is public: hiding it would only pretend to protect.
            models.CheckConstraint(
                condition=~Q(kind="embassy", hide_exact_location=True),
                name="event_embassy_never_hidden",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.slug])

    def clean(self) -> None:
        # Both the organizer's form and the admin's run this (ModelForm calls it).
        if self.kind == self.Kind.EMBASSY and self.hide_exact_location:
            message = gettext(
                "An embassy or consulate is at a public address that the event page names, "
                "so its meeting point cannot be hidden. Untick this box, or choose a public "
                "place."
            )
            raise ValidationError({"hide_exact_location": message})

    def save(self, *args, **kwargs) -> None:
        self.place_points()
        if not self._state.adding and not args and kwargs.get("update_fields") is None:
            # The calendar's stamps are written by events.calendar alone: an instance read
            # before a feed stamped the row must not put the old digest back (the next feed
            # would then see a public change in what was a hidden edit).
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in CALENDAR_STAMPS
            ]
        super().save(*args, **kwargs)  # post_save's receivers still see the status as read
        self._stored_status = self.__dict__.get("status")

    def place_points(self) -> None:
        """Derive the time zone, the approximate point and the public point from `point`."""
        if self.point is None:
            return
        if self.kind == self.Kind.EMBASSY:
            # The forms refuse it (clean()); code that builds events directly is held too.
            self.hide_exact_location = False
        moved = self._stored_point is None or not self._stored_point.equals_exact(self.point, 1e-9)
        if moved or self.approximate_point is None:
            # The same for every point of the cell: a nudge yields no new sample to average.
            self.approximate_point = geo.approximate(self.point)
            self.timezone = geo.timezone_name_at(self.point)
            self._stored_point = self.point.clone()
        self.public_point = self.approximate_point if self.hide_exact_location else self.point

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        point = instance.__dict__.get("point")
        instance._stored_point = point.clone() if point is not None else None
        instance._stored_status = instance.__dict__.get("status")  # None: not loaded
        return instance

    _stored_point: Point | None = None
    # The status as last read or saved ("" for an event never saved): whether a save can
    # change what the public pages show (events.finder.mapdata).
    _stored_status: str | None = ""

    def may_change_public_pages(self) -> bool:
        """Whether saving or deleting this event may change a public page: it is approved,
        or was when read (or its status was not read). A pending event's registration or
        edits change none, and must not show in their caches' timing."""
        approved = self.Status.APPROVED
        # From __dict__: a status not loaded is not read now (after a delete it cannot be).
        status = self.__dict__.get("status")
        return status in (approved, None) or self._stored_status in (approved, None)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone or "UTC")

    def local_starts_at(self) -> datetime.datetime:
        """The start in the event's own time zone."""
        return self.starts_at.astimezone(self.tz)

    def local_ends_at(self) -> datetime.datetime:
        """The end in the event's own time zone."""
        return self.ends_at.astimezone(self.tz)

    # Times are always said in the event's own time zone, whatever the reader's: a protest in
    # Tokyo starts at 14:00 in Tokyo. Pages, the admin and every email use these methods;
    # Django's `date` filter would convert to the site's zone.
    def local_day(self) -> str:
        """The event's date where it happens: 'Saturday 16 March 2030'."""
        return dates.long_day(self.local_starts_at())

    def local_hours(self) -> str:
        """Start and end in local time: '14:00-16:00' (an en dash), with the end's date if it
        differs."""
        start, end = self.local_starts_at(), self.local_ends_at()
        if start.date() != end.date():
            return f"{start:%H:%M} \N{EN DASH} {dates.day_month(end)} {end:%H:%M}"
        return f"{start:%H:%M}\N{EN DASH}{end:%H:%M}"

    def zone_label(self) -> str:
        """The time zone and its offset on the day: 'Europe/London, UTC+00:00'."""
        return f"{self.timezone or 'UTC'}, {utc_offset(self.local_starts_at())}"

    def local_when(self) -> str:
        """One line for emails, lists and the admin: day, hours and zone."""
        return gettext("%(day)s, %(hours)s (local time: %(zone)s)") % {
            "day": self.local_day(),
            "hours": self.local_hours(),
            "zone": self.zone_label(),
        }

    def public_place(self) -> str:
        """Where the public may know the event is: the city only when the point is hidden."""
        country = self.country.name
        if self.hide_exact_location:
            return f"{self.city}, {country}"
        return ", ".join(
            part for part in (self.meeting_point, self.address, self.city, country) if part
        )

    def is_public(self) -> bool:
        """Whether anyone may see the event page."""
        return self.status == self.Status.APPROVED

    def is_over(self, now: datetime.datetime | None = None) -> bool:
        """Whether the event has ended."""
        return self.ends_at < (now or timezone.now())

    def is_editable(self) -> bool:
        """Whether the organizer may still change it."""
        return self.status in {self.Status.PENDING, self.Status.APPROVED} and not self.is_over()

    def is_live(self, now: datetime.datetime | None = None) -> bool:
        """Approved and not yet over: its confirmed participants hear of its changes."""
        return self.status == self.Status.APPROVED and not self.is_over(now)

    def accepts_rsvps(self, now: datetime.datetime | None = None) -> bool:
        """Whether people may sign up to attend (or confirm a sign-up): live, and not in a
        country staff have since marked high-risk (no public event is held there, and a
        confirmation would hand a hidden point to whoever asked)."""
        return self.is_live(now) and not risk.is_high_risk(self.country)

    # Co-hosts share the dashboard of an event in one of these states only. Once it is
    # cancelled or rejected there is nothing left to organize together, and its participant
    # list (kept until erasure) stays with the organizer alone.
    HOSTED_STATUSES = (Status.PENDING, Status.APPROVED)

    def shares_dashboard(self) -> bool:
        """Whether its co-hosts may use its dashboard now."""
        return self.status in self.HOSTED_STATUSES

    def accepts_cohosts(self) -> bool:
        """Whether the organizer may invite co-hosts and invitations may be accepted."""
        return self.shares_dashboard() and not self.is_over()

    def accepts_outcome(self, now: datetime.datetime | None = None) -> bool:
        """Whether the organizer may report the outcome (how it went): approved and over."""
        return self.status == self.Status.APPROVED and self.is_over(now)


class AttendanceQuerySet(models.QuerySet):
    def current(self) -> AttendanceQuerySet:
        """Rows that still hold a name and an address (not yet erased)."""
        return self.filter(erased_at__isnull=True)

    def confirmed(self) -> AttendanceQuerySet:
        """Participants who confirmed by email, did not cancel, and are reachable."""
        return self.current().filter(status=Attendance.Status.CONFIRMED)

    def expected(self) -> AttendanceQuerySet:
        """Everyone who asked to come and did not cancel, confirmed or not."""
        return self.current().exclude(status=Attendance.Status.CANCELLED)


class Attendance(models.Model):
    """Someone's RSVP to an event, confirmed by email (double opt-in)."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for email confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    first_name = models.CharField(_("first name"), max_length=80)
    email = models.EmailField(_("email"))
    # The canonical email (allout.addresses): one person counts once per event. A few rows
    # from before the Gmail rules keep their lowercased address (see the migration
    # *_attendance_canonical_email).
    email_normalized = models.CharField(max_length=254, editable=False)
    consent_organizer = models.BooleanField(
        _("the organizer may contact me about this event"), default=False
    )
    # The language of the page they signed up on: every email to them is written in it.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNCONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The start time each reminder was sent for: a rescheduled event reminds anew.
    reminded_day_before_for = models.DateTimeField(null=True, blank=True)
    reminded_hours_before_for = models.DateTimeField(null=True, blank=True)
    # Name and email are blanked some days after the event; the row (and count) stays.
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email_normalized"],
                condition=Q(erased_at__isnull=True),
                name="attendance_one_per_email",
            ),
        ]
        indexes = [
            # The organizer's participant list and the reminder sweep: an event's confirmed rows.
            models.Index(fields=["event", "status"], name="attendance_event_status_idx"),
            # The data page and erasure by address.
            models.Index(fields=["email_normalized"], name="attendance_email_idx"),
            # Staff's warning signs: sign-ups to one event within a few minutes.
            models.Index(fields=["event", "created_at"], name="attendance_event_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} → {self.event}"

    def save(self, *args, **kwargs) -> None:
        # Set once, when the row is made: an address never changes after that, and a row
        # that kept its old spelling (*_attendance_canonical_email) must keep it, or it
        # would collide with its canonical twin.
        if self._state.adding:
            self.email_normalized = canonical_email(self.email)
        super().save(*args, **kwargs)

    def is_confirmed(self) -> bool:
        """Whether the participant confirmed by email and has not cancelled."""
        return self.status == self.Status.CONFIRMED

    def may_see_exact_place(self) -> bool:
        """Whether this sign-up may be shown or sent a hidden meeting point: confirmed, not
        erased, while its event is approved (not once staff unpublished it, nor once it was
        cancelled). Staff's block of the address is asked apart (allout.blocking): the page
        asks it (events.services.rsvp.reveals_exact_place), the outbox before every send."""
        return (
            self.is_confirmed()
            and self.erased_at is None
            and self.event.status == Event.Status.APPROVED
        )


class ModerationAction(models.Model):
    """One moderation step: who did what to which event, when and why."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        UNPUBLISH = "unpublish", _("Unpublished")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="moderation_actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.event}"


class StaffAccess(models.Model):
    """A staff member in an organizer's tools for someone else's event: who, which, what, when.

    The second half of the moderation log, shown beside it on the event's admin page. Written
    by events.access for every such request (a page opened, a form sent), never edited.
    """

    class What(models.TextChoices):
        PARTICIPANTS = "participants", _("the participant list")
        PARTICIPANTS_CSV = "participants_csv", _("the participant list as CSV")
        MESSAGE = "message", _("a message to the participants")
        CANCEL = "cancel", _("cancelling the event")
        OUTCOME = "outcome", _("the outcome after the day")
        TOOLKIT = "toolkit", _("the poster or the share image")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="staff_accesses")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    what = models.CharField(_("what"), max_length=20, choices=What.choices)
    # A form sent (a message, a cancellation), not only a page opened.
    submitted = models.BooleanField(_("form sent"), default=False)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("staff access")
        verbose_name_plural = _("staff access to participant data")

    def __str__(self) -> str:
        return f"{self.actor}: {self.get_what_display()} ({self.event})"


class EventReport(models.Model):
    """A public report about an event, in its own moderation queue. Reporters stay anonymous."""

    class Reason(models.TextChoices):
        UNSAFE = "unsafe", _("It puts people in danger")
        HATEFUL = "hateful", _("Hateful or abusive content")
        FAKE = "fake", _("Fake, spam or a trap")
        WRONG = "wrong", _("Wrong time or place")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    text = models.TextField(_("what is wrong"), max_length=2000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            # The report queue: open reports, oldest first.
            models.Index(fields=["created_at"], name="report_open_idx", condition=Q(status="open")),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.event}"


class OrganizerMessage(models.Model):
    """A message an organizer sent to every confirmed participant (a few a day at most)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="organizer_messages")
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"), max_length=5000)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # How many participants it was queued for; the addresses themselves live only in the outbox.
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The daily limit and the dashboard's history: an event's messages, newest first.
            models.Index(fields=["event", "-created_at"], name="orgmessage_event_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.event})"


class CoHostQuerySet(models.QuerySet):
    def pending(self) -> CoHostQuerySet:
        """Invitations not yet accepted, nor withdrawn."""
        return self.filter(accepted_at__isnull=True, removed_at__isnull=True)

    def active(self) -> CoHostQuerySet:
        """Co-hosts who accepted and were not removed: they share the dashboard."""
        return self.filter(accepted_at__isnull=False, removed_at__isnull=True, user__isnull=False)

    def live(self) -> CoHostQuerySet:
        """Pending invitations and active co-hosts: what counts toward the limit."""
        return self.filter(removed_at__isnull=True)


class CoHost(models.Model):
    """Someone the organizer invited to share an event's dashboard (participants, messages,
    the outcome), from the invitation to its acceptance and, maybe, its removal.

    The invitation is bound to the address the organizer typed (`email`), not to an account:
    a row is written whether or not that address has a verified account, so nothing the
    organizer sees tells them which. `user` is set when someone logged in with that
    address, verified, accepts. Never deleted while the event lives: removal sets
    `removed_at`, and each step is in the event's CoHostAction log.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="cohosts")
    email = models.EmailField(_("invited address"))
    # The canonical address (allout.addresses): the invitation's binding.
    email_normalized = models.CharField(max_length=254, editable=False)
    # The invitee's emails are written in it: the organizer's page language at the
    # invitation, the co-host's own once they accept.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cohostings",
        verbose_name=_("co-host"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    objects = CoHostQuerySet.as_manager()

    class Meta:
        ordering = ["invited_at"]
        verbose_name = _("co-host")
        verbose_name_plural = _("co-hosts")
        constraints = [
            # One live invitation or co-hosting per address and event.
            models.UniqueConstraint(
                fields=["event", "email_normalized"],
                condition=Q(removed_at__isnull=True),
                name="cohost_one_live_per_email",
            ),
        ]
        indexes = [
            # Access checks and "my events": a user's active co-hostings.
            models.Index(
                fields=["user", "event"],
                name="cohost_active_user_idx",
                condition=Q(accepted_at__isnull=False, removed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.event})"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            self.email_normalized = canonical_email(self.email)
        super().save(*args, **kwargs)

    def is_active(self) -> bool:
        """Whether this co-host accepted and was not removed."""
        return self.accepted_at is not None and self.removed_at is None and self.user_id is not None


class CoHostAction(models.Model):
    """One step of co-hosting: who invited, accepted or removed whom, on which event, when.

    Written by events.services.cohosts in the transaction of the step, never edited; shown
    on the event's admin page beside the moderation log.
    """

    class Action(models.TextChoices):
        INVITE = "invite", _("Invited")
        ACCEPT = "accept", _("Accepted")
        REMOVE = "remove", _("Removed")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="cohost_actions")
    cohost = models.ForeignKey(CoHost, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("co-host step")
        verbose_name_plural = _("co-host log")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.cohost}"


class ProtestAlertQuerySet(models.QuerySet):
    def confirmed(self) -> ProtestAlertQuerySet:
        return self.filter(status=ProtestAlert.Status.CONFIRMED)


class ProtestAlert(models.Model):
    """Someone's wish to hear when a protest is organized near a place (double opt-in).

    Never shown to anyone but its owner (on the data page); organizers see only a count of
    people near a place, and only from DEMAND_MINIMUM up (events.services.demand).
    """

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for email confirmation")
        CONFIRMED = "confirmed", _("Confirmed")

    # The day of action it is about: erased PARTICIPANT_RETENTION_DAYS after it.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    first_name = models.CharField(_("first name"), max_length=80)
    email = models.EmailField(_("email"))
    email_normalized = models.CharField(max_length=254, editable=False)
    # The place as the offline search named it (events.finder.places), and its point.
    place = models.CharField(_("place"), max_length=200)
    # The town whatever language its name was read in ("Moscou" and "Moscow" are one):
    # what makes a repeat a repeat (events.services.alerts.place_key).
    place_key = models.CharField(max_length=64, editable=False)
    # Its GiST index (Django's default for a geometry column) serves the fan-out's and the
    # demand count's ST_DWithin.
    point = models.PointField(geography=True, srid=4326)
    radius_km = models.PositiveSmallIntegerField(_("distance"))
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNCONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last alert email: the next one waits a day (one email a day, a digest of the rest).
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = ProtestAlertQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # One alert per address and place: a repeat changes nothing.
            models.UniqueConstraint(
                fields=["campaign", "email_normalized", "place_key"], name="alert_one_per_place"
            ),
        ]
        indexes = [
            # The data page and its erasure, by address.
            models.Index(fields=["email_normalized"], name="alert_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} → {self.place}"

    def is_confirmed(self) -> bool:
        """Whether the address was proved by the confirmation link."""
        return self.status == self.Status.CONFIRMED


class AlertDelivery(models.Model):
    """An event an alert is to tell (or told) its owner about: each one once."""

    alert = models.ForeignKey(ProtestAlert, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "event"], name="alert_delivery_once"),
        ]
        indexes = [
            # The daily send: the alerts that have an event waiting to be told.
            models.Index(
                fields=["alert"], name="alert_delivery_waiting_idx", condition=Q(emailed_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.event_id}"
