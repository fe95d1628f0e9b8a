"""A petition's texts and its addressees' roles, translated by staff in the admin
(django-modeltranslation: a column per language beside the English original, on the same
row, so the petition page still reads one row). Names stay as they are."""

from modeltranslation.translator import TranslationOptions, register

from petitions.models import Petition, Target


@register(Petition)
class PetitionTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "text")


@register(Target)
class TargetTranslationOptions(TranslationOptions):
    fields = ("title",)
