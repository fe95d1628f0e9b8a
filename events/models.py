from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CampaignQuerySet(models.QuerySet):
    def current(self) -> Campaign | None:
        """The campaign whose day is next (or, after the last one, the most recent)."""
        today = timezone.localdate()
        upcoming = self.filter(date__gte=today).order_by("date").first()
        return upcoming or self.order_by("-date").first()


class Campaign(models.Model):
    """A global day of action; the home page shows the current one."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    date = models.DateField(_("day of action"))
    description = models.TextField(_("description"), blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d %B %Y})"

    def days_to_go(self, today: datetime.date | None = None) -> int:
        """Whole days from today until the day of action (0 on the day, negative after)."""
        return (self.date - (today or timezone.localdate())).days

    def is_over(self, today: datetime.date | None = None) -> bool:
        """Whether the day of action has passed."""
        return self.days_to_go(today) < 0
