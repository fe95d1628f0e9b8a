from __future__ import annotations

import re
from functools import lru_cache

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from allout.antibot import AntiBotMixin
from allout.risk import high_risk_countries
from petitions.models import Petition

# A source is a short tag partners put in the link (?source=newsletter); anything else is
# dropped rather than refused, so a mangled link never stops someone from signing.
SOURCE_PATTERN = re.compile(r"[\w.:-]{1,100}")


@lru_cache(maxsize=16)
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    return (("", gettext("Choose your country")), *((c.code, str(c.name)) for c in countries))


def country_choices() -> tuple[tuple[str, str], ...]:
    """Every country, sorted by name in the current language; built once per language.

    Passed as a callable, so each form gets it without copying ~250 choices (which cost
    a quarter of a signature's time when every form built its own list).
    """
    return _country_choices(get_language())


COUNTRY_CODES = frozenset(country.code for country in countries)


class CountryChoiceField(forms.ChoiceField):
    """A country `<select>` whose answer is checked against a set of codes.

    ChoiceField's own check rebuilds and walks the ~250 choices (their names in the current
    language) for every form sent: 6 % of a signature's time for a lookup a set does.
    """

    def valid_value(self, value: str) -> bool:
        return value in COUNTRY_CODES


def clean_source(value: str | None) -> str:
    value = (value or "").strip()
    return value if SOURCE_PATTERN.fullmatch(value) else ""


class SignatureForm(AntiBotMixin, forms.Form):
    """The sign form: every field labelled, both consents and "show me" unticked."""

    antibot_scope = "petition-sign"

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    country = CountryChoiceField(label=_("Country"), choices=country_choices)
    postcode = forms.CharField(label=_("Postcode (optional)"), max_length=20, required=False)
    consent_author = forms.BooleanField(required=False)
    consent_campaign = forms.BooleanField(required=False)
    show_publicly = forms.BooleanField(
        label=_("Show my first name and country on this page"), required=False
    )
    source = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, petition: Petition, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["consent_author"].label = _(
            "Send me updates from %(author)s, the author of this petition"
        ) % {"author": petition.author}
        if petition.author_organization_id:
            # Its key pulls the signers who tick this (partners/): they are told here.
            self.fields["consent_author"].help_text = _(
                "If you tick this, we share your name, email, country and postcode with "
                "%(author)s so that they can write to you."
            ) % {"author": petition.author}
        self.fields["consent_campaign"].label = _(
            "Send me updates about this campaign from %(site)s"
        ) % {"site": settings.SITE_NAME}
        risky = sorted(high_risk_countries())
        # petitions.js shows the "you will not be listed" notice when one is chosen.
        self.fields["country"].widget.attrs["data-high-risk"] = " ".join(risky)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["country"].widget.attrs["autocomplete"] = "country"
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"
        # "Belarus and Russia", for the notices that tell those signers before they submit.
        self.high_risk_names = high_risk_country_names(risky)
        self.fields["show_publicly"].help_text = _(
            "Never your last name or email. Signers in %(countries)s are never listed, "
            "even if they tick this box."
        ) % {"countries": self.high_risk_names}

    def clean_first_name(self) -> str:
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_last_name(self) -> str:
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_postcode(self) -> str:
        return " ".join(self.cleaned_data["postcode"].split()).upper()

    def clean_source(self) -> str:
        return clean_source(self.cleaned_data.get("source"))


def high_risk_country_names(codes: list[str] | None = None) -> str:
    """ "Belarus and Russia": the high-risk countries as a phrase, for notices."""
    return _country_names(tuple(codes or sorted(high_risk_countries())), get_language())


@lru_cache(maxsize=64)
def _country_names(codes: tuple[str, ...], language: str) -> str:
    names = sorted(countries.name(code) or code for code in codes)
    if len(names) < 2:
        return "".join(names)
    return gettext("%(list)s and %(last)s") % {"list": ", ".join(names[:-1]), "last": names[-1]}
