"""The public side of a petition: its page, signing, the links in a signer's emails, and
what partner sites use (the JSON count and the embeddable widget).
"""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_page, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from allout import pages
from allout.framing import frameable
from allout.links import SignedLink, absolute_url
from allout.ratelimit import client_key, ratelimit
from petitions import cache, links, services
from petitions.forms import SignatureForm, clean_source
from petitions.models import Petition, Signature

# People sign from shared networks (a protest's wifi, a university) on the day: generous.
SIGN_LIMIT = 30
SIGN_PERIOD = 10 * 60
COUNT_CACHE_SECONDS = 30
# How long the widget's form stays good after its page was served (see embed()).
EMBED_TOKEN_SECONDS = 2 * 3600
EMBED_TOKEN_FIELD = "embed_token"  # noqa: S105  # a form field's name


def _get_petition(slug: str) -> Petition:
    """The petition at `slug`, open or closed, or a 404.

    From the cache (petitions.cache): a staff edit, closing included, shows at once. Its
    count is the cached one: what shows the count takes it from _shown() first.
    """
    petition = cache.get_petition(slug)
    if petition is None:
        raise Http404("No petition at this address.")
    return petition


def _shown(petition: Petition) -> dict:
    """The context every template that shows the petition needs: its live count (a few
    seconds old) and what the {% cache %} fragments are keyed on (petitions.cache)."""
    petition, numbers = cache.with_live_count(petition)
    return {"petition": petition, "signers": numbers.signers, "page_version": cache.page_version()}


def _get_signature(token: str, link: SignedLink) -> Signature | None:
    """The signature a link in an email names, or None for a bad, expired or stale link."""
    pk = link.pk_from(token)
    if pk is None:
        return None
    return Signature.objects.select_related("petition").filter(pk=pk).first()


def _new_form(request: HttpRequest, petition: Petition) -> SignatureForm:
    initial = {"source": pages.hole("source") or _source(request)}
    return SignatureForm(petition=petition, initial=initial, request=request)


@pages.per_visitor("source")
def _source(request: HttpRequest, given: str = "") -> str:
    """The tag of the link the visitor came by (?source=newsletter), for the sign form."""
    return clean_source(request.GET.get("source") or request.GET.get("utm_source"))


SOURCE_PARAMETERS = frozenset({"source", "utm_source"})


def _render_page(
    request: HttpRequest,
    petition: Petition,
    form: SignatureForm,
    *,
    status: int = 200,
    refused: bool = False,
) -> HttpResponse:
    context = {
        **_shown(petition),
        "targets": petition.targets.all(),
        "form": form,
        "share_url": absolute_url(petition.get_absolute_url()),
        "embed_url": absolute_url(reverse("petitions:embed", args=[petition.slug])),
        # What sizes the partner's frame to the widget (static/js/embed-resize.js).
        "embed_script_url": absolute_url(static("js/embed-resize.js")),
        "refused": refused,
    }
    return render(request, "petitions/detail.html", context, status=status)


def _answer(
    request: HttpRequest,
    petition: Petition,
    form: SignatureForm,
    *,
    embed: bool,
    status: int,
    **state: bool,
) -> HttpResponse:
    """The answer to a signing POST, in the widget's frame or on the petition's page.

    The widget answers inside its frame (only its route may be framed); the page shows
    itself again, with the form's messages.
    """
    if embed:
        context = {
            **_shown(petition),
            "form": form,
            "embed_token": embed_token(request, petition),
            **state,
        }
        return render(request, "petitions/embed.html", context, status=status)
    if state.get("limited"):
        return render(request, "429.html", status=status)
    return _render_page(request, petition, form, status=status, **state)


def _sign(request: HttpRequest, petition: Petition, *, embed: bool = False) -> HttpResponse:
    """Take a signature from a POSTed form; the same answer whoever has signed before."""
    form = SignatureForm(request.POST, petition=petition, request=request)
    if not petition.is_open():
        return _answer(request, petition, form, embed=embed, status=403, refused=True)
    return _sign_open(request, petition, form, embed=embed)


def _limited(
    request: HttpRequest, petition: Petition, form: SignatureForm, *, embed: bool
) -> HttpResponse:
    return _answer(request, petition, form, embed=embed, status=429, limited=True)


@ratelimit("petition-sign", limit=SIGN_LIMIT, period=SIGN_PERIOD, refused=_limited)
def _sign_open(
    request: HttpRequest, petition: Petition, form: SignatureForm, *, embed: bool
) -> HttpResponse:
    if not form.is_valid():
        return _answer(request, petition, form, embed=embed, status=400)
    if form.trapped:  # a bot (allout.antibot): the usual answer, nothing stored or sent
        return _signed(request, petition, form, embed=embed)
    data = form.cleaned_data
    if embed and not data["source"]:
        data["source"] = "embed"
    try:
        services.sign(petition, **data)
    except services.PetitionClosed:  # closed between the check above and now
        return _answer(request, petition, form, embed=embed, status=403, refused=True)
    return _signed(request, petition, form, embed=embed)


def _signed(
    request: HttpRequest, petition: Petition, form: SignatureForm, *, embed: bool
) -> HttpResponse:
    if embed:
        return _answer(request, petition, form, embed=embed, status=200, sent=True)
    return redirect("petitions:check_email", petition.slug)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The navigation's "Sign the petition": the petition the campaign promotes now."""
    petition = Petition.objects.current()
    if petition is None:
        return render(request, "petitions/none.html", status=404)
    return redirect(petition)


@require_http_methods(["GET", "HEAD", "POST"])
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        return _sign(request, _get_petition(slug))
    key = pages.page_key(request, f"petition:{slug}", filled=SOURCE_PARAMETERS)
    # Kept as long as its live count (petitions.cache).
    return pages.cached_page(request, key, lambda: _page(request, slug), seconds=cache.LIVE_SECONDS)


def _page(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _get_petition(slug)
    return _render_page(request, petition, _new_form(request, petition))


@require_http_methods(["GET", "HEAD", "POST"])
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _get_petition(slug)
    if request.method == "POST":
        return _sign(request, petition)
    return redirect(petition.get_absolute_url() + "#sign")


@require_safe
def check_email(request: HttpRequest, slug: str) -> HttpResponse:
    """Shown after every signing, new or repeat, so it tells nobody who has signed."""
    return render(request, "petitions/check_email.html", {"petition": _get_petition(slug)})


@require_safe
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    # Read afresh, not from the cache: the signer just confirmed and looks for their count.
    petition = get_object_or_404(Petition, slug=slug)
    context = {"petition": petition, "share_url": absolute_url(petition.get_absolute_url())}
    return render(request, "petitions/thanks.html", context)


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "petitions/invalid_link.html", status=404)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a Confirm button and changes nothing (mail scanners open links); POST counts."""
    signature = _get_signature(token, links.CONFIRM)
    if signature is None:
        return _invalid_link(request)
    petition = signature.petition
    if request.method == "POST":
        try:
            services.confirm(signature)
        except services.PetitionClosed:
            context = {"signature": signature, "petition": petition}
            return render(request, "petitions/confirm.html", context, status=403)
        return redirect("petitions:thanks", petition.slug)
    return render(request, "petitions/confirm.html", {"signature": signature, "petition": petition})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HttpRequest, token: str) -> HttpResponse:
    """Delete a signature from the link in its emails; a confirmed one leaves the count."""
    pk = links.MANAGE.pk_from(token)
    if pk is None:
        return _invalid_link(request)
    signature = Signature.objects.select_related("petition").filter(pk=pk).first()
    if signature is None:
        # Deleted already (a double click, an old tab, the "my data" page): same ending.
        return render(request, "petitions/deleted.html")
    if request.method == "POST":
        services.delete_signature(pk)
        return render(request, "petitions/deleted.html", {"petition": signature.petition})
    context = {"signature": signature, "petition": signature.petition}
    return render(request, "petitions/delete.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def updates(request: HttpRequest, token: str) -> HttpResponse:
    """Stop the updates a signer agreed to, keeping the signature."""
    signature = _get_signature(token, links.MANAGE)
    if signature is None:
        return _invalid_link(request)
    if request.method == "POST":
        services.stop_updates(signature.pk)
        context = {"petition": signature.petition, "done": True}
        return render(request, "petitions/updates.html", context)
    context = {"signature": signature, "petition": signature.petition}
    return render(request, "petitions/updates.html", context)


# --- For partner sites -------------------------------------------------------------------
@require_safe
@cache_page(COUNT_CACHE_SECONDS)
def count(request: HttpRequest, slug: str) -> JsonResponse:
    """{"count": N, "goal": G} for any site to read (CORS), cached briefly."""
    petitions = Petition.objects.with_signature_count().filter(slug=slug)
    row = petitions.values("signature_count", "goal").first()
    if row is None:
        response = JsonResponse({"error": "No petition at this address."}, status=404)
    else:
        response = JsonResponse({"count": row["signature_count"], "goal": row["goal"]})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _embed_link(request: HttpRequest) -> SignedLink:
    """The embed's tokens, signed for the client's source (allout.links, like every link)."""
    return SignedLink(
        f"petitions.embed:{client_key(request)}",
        max_age=datetime.timedelta(seconds=EMBED_TOKEN_SECONDS),
    )


def embed_token(request: HttpRequest, petition: Petition) -> str:
    """What the widget's form carries: signed for this petition and this client's source."""
    return pages.hole("embed_token", str(petition.pk)) or _embed_link(request).token(petition.pk)


@pages.per_visitor("embed_token")
def _embed_token_of(request: HttpRequest, pk: str) -> str:
    return _embed_link(request).token(int(pk))


def _has_embed_token(request: HttpRequest, petition: Petition) -> bool:
    # None when forged, expired, or served to another source.
    return _embed_link(request).pk_from(request.POST.get(EMBED_TOKEN_FIELD, "")) == petition.pk


# A route other sites may frame (allout.framing). Its form is exempt from CSRF: browsers
# withhold our cookies inside another site's frame. In place of the CSRF token, the form carries
# embed_token(): only a page we served can read it (other sites' scripts cannot read our
# frame), it lasts two hours, and it is signed for the source it was served to, so a
# token one server fetched is no use in its visitors' browsers. Without it, any page on
# the web could post this form from its visitors' browsers and make us send emails.
@csrf_exempt
@frameable
@require_http_methods(["GET", "HEAD", "POST"])
def embed(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        key = pages.page_key(request, f"embed:{slug}", filled=SOURCE_PARAMETERS)
        return pages.cached_page(
            request, key, lambda: _embed_page(request, slug), seconds=cache.LIVE_SECONDS
        )
    petition = _get_petition(slug)
    if not _has_embed_token(request, petition):
        # A fresh form, not the posted one: the posted one may be a forgery's.
        return _embed_page(request, slug, status=400, stale=True)
    return _sign(request, petition, embed=True)


def _embed_page(request: HttpRequest, slug: str, *, status: int = 200, **state) -> HttpResponse:
    petition = _get_petition(slug)
    context = {
        "petition": petition,
        "form": _new_form(request, petition),
        "embed_token": embed_token(request, petition),
        **_shown(petition),
        **state,
    }
    return render(request, "petitions/embed.html", context, status=status)
