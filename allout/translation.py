"""The campaign's texts, translated by staff in the admin (django-modeltranslation: a column
per language beside the English original, on the same row)."""

from modeltranslation.translator import TranslationOptions, register

from allout.models import Campaign


@register(Campaign)
class CampaignTranslationOptions(TranslationOptions):
    fields = ("name", "description")
