from __future__ import annotations

import datetime
import json
from typing import cast

import redis
from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django.views.i18n import JavaScriptCatalog
from redis.backoff import NoBackoff
from redis.retry import Retry

from allout import pages, privacy
from allout.circuit import breaker_for
from allout.models import Campaign


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    def page() -> HttpResponse:
        return render(request, "home.html", {"campaign": Campaign.objects.current()})

    return pages.cached_page(request, pages.page_key(request, "home"), page)


@require_safe
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy.html")


_javascript_catalog = JavaScriptCatalog.as_view()


# The catalog changes only with a deploy; an hour late after one is harmless.
@cache_control(public=True, max_age=3600)
@require_safe
def javascript_catalog(request: HttpRequest, language: str) -> HttpResponse:
    """static/js's strings in `language` (gettext(), ngettext(), interpolate()). The language
    is in the address, not taken from the visitor, so the page that loads it gets its own."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(language):
        return cast(HttpResponse, _javascript_catalog(request))


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming the one that does not."""
    status = {"database": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        status["database"] = "unavailable"
    # One try, no retries (redis-py retries three times by default): a broker that hangs
    # is reported within REDIS_TIMEOUT. Through the breaker: a broker that failed a moment
    # ago is reported at once, and a ping that answers closes the breaker for the requests.
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=settings.REDIS_TIMEOUT,
        socket_timeout=settings.REDIS_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        with breaker_for(settings.CELERY_BROKER_URL).guard((Exception,)):
            client.ping()
    except Exception:
        status["broker"] = "unavailable"
    finally:
        client.close()
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


def _email_from_token(token: str) -> str:
    email = privacy.email_from_data_token(token, max_age_days=settings.DATA_LINK_MAX_AGE_DAYS)
    if email is None:
        raise Http404("This link is not valid or has expired.")
    return email


def _readable(value: object) -> str:
    """A value as the data page shows it: yes or no, a date and time, a dash for nothing."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if value is None or value == "":
        return "\N{EM DASH}"
    return str(value)


def _sections(records: dict[str, list[dict]]) -> list[dict]:
    """Each provider's records with labels a person reads, and what deleting does to them."""
    sections = []
    for provider in privacy.providers():
        rows = records.get(provider.name, [])
        sections.append(
            {
                "name": provider.name,
                "title": provider.title,
                "on_delete": provider.on_delete,
                "rows": [
                    [
                        (provider.labels.get(key, key.replace("_", " ").capitalize()), _readable(v))
                        for key, v in row.items()
                    ]
                    for row in rows
                ],
            }
        )
    return sections


@never_cache
@require_http_methods(["GET", "POST"])
def data_request(request: HttpRequest, token: str) -> HttpResponse:
    """Export or delete everything held about the address the signed link was sent to.

    GET only shows what there is: mail scanners open links, so changes need a POST, and
    deleting needs a second one from the page that says exactly what will go.
    """
    email = _email_from_token(token)
    action = request.POST.get("action")
    if request.method == "POST" and action == "export":
        body = json.dumps({"email": email, "data": privacy.collect(email)}, indent=2, default=str)
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response
    if request.method == "POST" and action == "delete":
        if request.POST.get("confirmed") != "yes":
            sections = [s for s in _sections(privacy.collect(email)) if s["rows"]]
            return render(
                request, "data_request_confirm.html", {"email": email, "sections": sections}
            )
        erased = privacy.erase(email)
        # Said only of what is true now: what is left (a staff account) is named.
        remaining = [s for s in _sections(privacy.collect(email)) if s["rows"]]
        titles = {provider.name: provider.title for provider in privacy.providers()}
        done = [(titles[name], count) for name, count in erased.items() if count]
        return render(
            request,
            "data_request_done.html",
            {"email": email, "done": done, "remaining": remaining},
        )
    if request.method == "POST":
        context: dict[str, object] = {"email": email, "error": True}
        context["sections"] = _sections(privacy.collect(email))
        return render(request, "data_request.html", context, status=400)
    context = {"email": email, "sections": _sections(privacy.collect(email))}
    return render(request, "data_request.html", context)
