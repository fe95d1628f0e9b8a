"""The organizer's toolkit: a printable poster (PDF) and a square share image (PNG) of an event.

Both are drawn here, by the platform (no outside service), in the event's language, from the
public facts only: the title, the local day and hours, `event.public_place()` (the city alone
when the point is hidden: a poster is pasted on walls and photographed, so it says no more
than the public page) and a QR code of the event page's unprefixed address, which answers in
its reader's language and never changes (SPEC: printed material uses the stable URLs).

Each file is cached under a digest of exactly what it shows and of the running code
(allout.cache.release()): an edit that changes a fact changes the key, so a stale poster is
never served and nothing has to be dropped by hand; old entries expire on their own.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import astuple, dataclass
from functools import cache, partial
from pathlib import Path

import segno
from django.core import checks
from django.core.cache import cache as default_cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from allout.cache import release
from allout.i18n import neutral_reverse
from allout.links import absolute_url
from events.models import Event

# Debian's fonts-dejavu-core (bin/setup-services, the Dockerfile): Latin and Cyrillic alike,
# so a poster of a Russian-language event prints its own letters.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}

# Where paper is US Letter; A4 everywhere else.
LETTER_COUNTRIES = frozenset(
    {"US", "CA", "MX", "PR", "GT", "SV", "HN", "NI", "CR", "PA", "DO", "CO", "VE", "CL", "PH"}
)
PAPER_SIZES = {"a4": A4, "letter": LETTER}

CACHE_SECONDS = 7 * 24 * 3600
SHARE_IMAGE_SIZE = 1080

BRAND = (0x5B, 0x2A, 0x86)  # static/css/site.css --brand
ACCENT = (0xFF, 0xD2, 0x3F)  # --accent
INK = (0x1D, 0x15, 0x30)  # --ink
WHITE = (0xFF, 0xFF, 0xFF)


def font_path(weight: str) -> Path:
    """The TTF file of `weight`; a clear error, not a poster of empty boxes, when it is gone."""
    path = FONT_DIR / FONTS[weight]
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The toolkit's font {path} is missing: install Debian's fonts-dejavu-core "
            "(bin/setup-services does)."
        )
    return path


def check_fonts(**kwargs) -> list[checks.CheckMessage]:
    """A system check (events.apps): the fonts are there, or nothing starts."""
    errors: list[checks.CheckMessage] = []
    for weight in FONTS:
        try:
            font_path(weight)
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="events.E001"))
    return errors


@cache
def _register_pdf_fonts() -> None:
    for weight in FONTS:
        pdfmetrics.registerFont(TTFont(f"DejaVu-{weight}", str(font_path(weight))))


@dataclass(frozen=True)
class Facts:
    """What a poster and a share image say, worded in the event's language."""

    language: str
    campaign: str
    title: str
    day: str
    hours: str
    place: str
    place_note: str
    url: str
    scan_hint: str
    tagline: str

    def digest(self) -> str:
        text = "\x1f".join(astuple(self))
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def event_url(event: Event) -> str:
    """The address the QR code holds: the event page without a language prefix."""
    return absolute_url(neutral_reverse("events:detail", args=[event.slug]))


def facts(event: Event) -> Facts:
    """The public facts of `event`, in its own language (its title is written in it too)."""
    with translation.override(event.language):
        return Facts(
            language=event.language,
            campaign=event.campaign.name,
            title=event.title,
            day=event.local_day(),
            hours=f"{event.local_hours()} ({_('local time')})",
            place=event.public_place(),
            place_note=(
                _("The exact meeting point is sent to participants when they confirm.")
                if event.hide_exact_location
                else ""
            ),
            url=event_url(event),
            scan_hint=_("Scan the code to see the event and sign up."),
            tagline=_("A global day of action in solidarity with LGBT+ people in Russia."),
        )


def default_paper(event: Event) -> str:
    """The paper the event's country prints on."""
    return "letter" if event.country.code in LETTER_COUNTRIES else "a4"


def poster_pdf(event: Event, paper: str) -> bytes:
    """The poster on `paper` ("a4" or "letter"), from the cache when it shows the same."""
    said = facts(event)
    return _cached(f"poster:{paper}", event, said, lambda: _draw_poster(said, paper))


def share_image_png(event: Event) -> bytes:
    """The 1080 x 1080 share image, from the cache when it shows the same."""
    said = facts(event)
    return _cached("share", event, said, lambda: _draw_share_image(said))


def _cached(kind: str, event: Event, said: Facts, draw: Callable[[], bytes]) -> bytes:
    key = f"toolkit:{release()}:{kind}:{event.pk}:{said.digest()}"
    content = default_cache.get(key)
    if content is None:
        content = draw()
        default_cache.set(key, content, timeout=CACHE_SECONDS)
    return content


def qr_code(url: str) -> segno.QRCode:
    """The QR code of `url`; medium error correction survives a crease or a smudge."""
    return segno.make(url, error="m", micro=False)


def _qr_image(url: str, pixels: int) -> Image.Image:
    """The QR code as a black-on-white image about `pixels` wide, quiet zone included."""
    code = qr_code(url)
    modules = code.symbol_size(scale=1, border=4)[0]
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(1, pixels // modules), border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


# --- The poster -----------------------------------------------------------------------------


def _draw_poster(said: Facts, paper: str) -> bytes:
    _register_pdf_fonts()
    width, height = PAPER_SIZES[paper]
    margin = 48
    inner = width - 2 * margin
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=(width, height), pageCompression=1, lang=said.language)
    pdf.setTitle(said.title)
    pdf.setAuthor(said.campaign)

    # A band across the top with the campaign's name.
    band = 96
    pdf.setFillColorRGB(*(c / 255 for c in BRAND))
    pdf.rect(0, height - band, width, band, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    y = height - 44
    for line in _pdf_split(said.campaign, "DejaVu-bold", 20, inner)[:2]:
        pdf.setFont("DejaVu-bold", 20)
        pdf.drawString(margin, y, line)
        y -= 24

    # The title, as large as fits in four lines.
    y = height - band - 64
    size, lines = _fit_pdf(said.title, "DejaVu-bold", inner, sizes=(44, 38, 32, 26, 22), lines=4)
    pdf.setFillColorRGB(*(c / 255 for c in INK))
    pdf.setFont("DejaVu-bold", size)
    for line in lines:
        pdf.drawString(margin, y, line)
        y -= size * 1.2

    y -= 16
    y = _pdf_paragraph(pdf, said.day, "DejaVu-bold", 24, margin, y, inner, BRAND)
    y = _pdf_paragraph(pdf, said.hours, "DejaVu-regular", 20, margin, y, inner, INK)
    y -= 10
    y = _pdf_paragraph(pdf, said.place, "DejaVu-regular", 18, margin, y, inner, INK)
    if said.place_note:
        y = _pdf_paragraph(pdf, said.place_note, "DejaVu-regular", 12, margin, y, inner, INK)

    # The QR code, bottom right, about 7 cm: a phone reads it from a step away.
    qr_side = 200
    qr_x, qr_y = width - margin - qr_side, margin + 40.0
    image = _qr_image(said.url, 600)
    pdf.drawImage(ImageReader(image), qr_x, qr_y, qr_side, qr_side)
    text_width = qr_x - margin - 16
    ty = qr_y + qr_side - 16
    ty = _pdf_paragraph(pdf, said.scan_hint, "DejaVu-bold", 14, margin, ty, text_width, INK)
    _pdf_paragraph(pdf, said.url, "DejaVu-regular", 10, margin, ty - 4, text_width, BRAND)
    _pdf_paragraph(pdf, said.tagline, "DejaVu-regular", 11, margin, margin + 12, inner, INK)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _pdf_split(text: str, font: str, size: float, width: float) -> list[str]:
    return _wrap(text, lambda t: pdfmetrics.stringWidth(t, font, size), width)


def _fit_pdf(text: str, font: str, width: float, *, sizes, lines: int):
    """The largest of `sizes` at which `text` fits in `lines` lines (cut at the last)."""
    for size in sizes:
        split = _pdf_split(text, font, size, width)
        if len(split) <= lines:
            return size, split
    return sizes[-1], _pdf_split(text, font, sizes[-1], width)[:lines]


def _pdf_paragraph(pdf: Canvas, text, font, size, x, y, width, color) -> float:
    """Draw `text` wrapped to `width` from the baseline `y` down; the next baseline."""
    pdf.setFillColorRGB(*(c / 255 for c in color))
    pdf.setFont(font, size)
    for line in _pdf_split(text, font, size, width):
        pdf.drawString(x, y, line)
        y -= size * 1.3
    return y


# --- The share image ------------------------------------------------------------------------


def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight)), size)


def _draw_share_image(said: Facts) -> bytes:
    side = SHARE_IMAGE_SIZE
    margin = 72
    inner = side - 2 * margin
    image = Image.new("RGB", (side, side), BRAND)
    draw = ImageDraw.Draw(image)

    # The QR code bottom right (white, with its quiet zone); the hint and the address beside it.
    qr = _qr_image(said.url, 300)
    qr_x, qr_y = side - margin - qr.width, side - margin - qr.height
    image.paste(qr, (qr_x, qr_y))
    text_width = qr_x - margin - 32
    ty = _png_lines(draw, said.scan_hint, ("bold", 30), margin, qr_y + 8, text_width, WHITE, 3)
    _png_lines(draw, said.url, ("regular", 24), margin, ty + 12, text_width, ACCENT, 4)

    # Above it: the campaign, then the title as large as lets everything fit.
    y = _png_lines(draw, said.campaign, ("bold", 34), margin, margin, inner, ACCENT, 2) + 32
    room = qr_y - 40
    for title_size in (84, 72, 62, 54, 46, 40):
        blocks = [
            (said.title, ("bold", title_size), WHITE, 4, 24),
            (said.day, ("bold", 44), ACCENT, 2, 0),
            (said.hours, ("regular", 38), WHITE, 2, 16),
            (said.place, ("regular", 36), WHITE, 3, 0),
        ]
        if _png_height(draw, blocks, inner) <= room - y:
            break
    for text, font, color, lines, gap in blocks:
        y = _png_lines(draw, text, font, margin, y, inner, color, lines) + gap

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _png_height(draw: ImageDraw.ImageDraw, blocks, width: float) -> int:
    """How tall `blocks` (text, font, colour, most lines, gap after) stand when drawn."""
    total = 0
    for text, (weight, size), _color, lines, gap in blocks:
        font = _font(weight, size)
        count = len(_wrap(text, partial(draw.textlength, font=font), width)[:lines])
        total += count * _line_height(size) + gap
    return total


def _line_height(size: int) -> int:
    return int(size * 1.25)


def _png_lines(draw, text, font_spec, x, y, width, color, lines) -> int:
    """Draw `text` wrapped to `width` (at most `lines` lines) from `y` down; the next `y`."""
    weight, size = font_spec
    font = _font(weight, size)
    for line in _wrap(text, partial(draw.textlength, font=font), width)[:lines]:
        draw.text((x, y), line, font=font, fill=color)
        y += _line_height(size)
    return y


def _wrap(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    """`text` in lines no wider than `width` by `measure`; a word wider than that (an
    address) is cut where it must."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if measure(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while measure(line) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and measure(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines
