"""How a day reads on the platform, in the active language: "Saturday 16 March 2030".

Pages, forms, the admin and emails all say days through these functions (and the `long_day`,
`day` and `day_month` filters of allout_tags), so each language words them once. Their
formats are Django date formats marked for translation: a translator changes the order and
the words (Russian "l, j E Y" says "суббота, 16 марта 2030", with the genitive month), and
Django writes the names of days and months in the active language.
"""

from __future__ import annotations

import datetime

from django.utils.formats import date_format
from django.utils.translation import pgettext


def long_day(value: datetime.date) -> str:
    """'Saturday 16 March 2030'."""
    return date_format(value, pgettext("Django date format: Saturday 16 March 2030", "l j F Y"))


def day(value: datetime.date) -> str:
    """'16 March 2030'."""
    return date_format(value, pgettext("Django date format: 16 March 2030", "j F Y"))


def day_month(value: datetime.date) -> str:
    """'16 March'."""
    return date_format(value, pgettext("Django date format: 16 March", "j F"))
